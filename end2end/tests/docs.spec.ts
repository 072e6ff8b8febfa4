import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const outputDir = join(process.cwd(), "end2end", "output");
mkdirSync(outputDir, { recursive: true });

test("/docs renders the OpenAPI document with assets from the binary", async ({ page }) => {
  const foreign: string[] = [];
  page.on("request", (req) => {
    const url = new URL(req.url());
    if (url.hostname !== "127.0.0.1" && url.protocol !== "data:") foreign.push(req.url());
  });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(String(err)));

  await page.goto("/docs");
  await expect(page.locator("body[data-docs-ready]")).toBeAttached();
  await expect(page.locator(".swagger-ui .info .title")).toContainText("PostPilot API");
  // One block per operation: the contract's 53 and the media library's 8.
  await expect(page.locator(".opblock")).toHaveCount(61);
  await expect(page.locator(".opblock-summary-path", { hasText: "/posts/calendar" })).toBeVisible();
  await page.screenshot({ path: join(outputDir, "20-api-docs.png"), fullPage: false });

  expect(foreign, "no request leaves the machine").toEqual([]);
  expect(errors).toEqual([]);
});
