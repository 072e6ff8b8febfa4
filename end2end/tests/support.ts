import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

// Playwright runs from the repository root (scripts/e2e.sh).
export const outputDir = join(process.cwd(), "end2end", "output");
mkdirSync(outputDir, { recursive: true });

/** The demo marketer seeded by scripts/e2e.sh (Pro plan, three sandbox accounts, New York). */
export const demo = { email: "demo@postpilot.app", password: "postpilot-demo", zone: "America/New_York" };

/** The admin made by scripts/e2e.sh (`postpilot create-admin`). */
export const admin = { email: "admin@postpilot.app", password: "postpilot-admin" };

/** Fails the test on any browser error: a hydration panic shows up here. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (msg) => {
    const text = msg.text();
    // Demo media live on a host this machine cannot reach; the composer reports them itself.
    if (msg.type() === "error" && !text.includes("favicon") && !text.includes("ERR_NAME_NOT_RESOLVED")
        && !text.includes("Failed to load resource")) {
      errors.push(text);
    }
  });
  return errors;
}

/** Waits until the wasm app has hydrated the page (the mark is set on <html>). */
export async function hydrated(page: Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

export async function signIn(page: Page, email = demo.email, password = demo.password) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

async function setTheme(page: Page, dark: boolean) {
  await page.evaluate((dark) => {
    localStorage.setItem("theme", dark ? "dark" : "light");
    document.documentElement.classList.toggle("dark", dark);
  }, dark);
}

/** Screenshots at 1280 px and 390 px, light and dark; the page is left at 1280 px, light. */
export async function shots(page: Page, name: string) {
  // From the top: a sticky header would otherwise be drawn where the page was last scrolled.
  await page.evaluate(() => window.scrollTo(0, 0));
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    for (const dark of [false, true]) {
      await setTheme(page, dark);
      await page.screenshot({
        path: join(outputDir, `${name}-${width}-${dark ? "dark" : "light"}.png`),
        fullPage: true,
        // Colour transitions would otherwise be caught halfway after the theme switch.
        animations: "disabled",
      });
    }
  }
  await setTheme(page, false);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** axe-core with the WCAG 2.2 AA rules, in light and dark mode: any violation fails. */
export async function expectAccessible(page: Page, name: string) {
  // Colours are checked as they end up, not halfway through a transition after the switch.
  await page.addStyleTag({ content: "*, *::before, *::after { transition: none !important; }" });
  for (const dark of [false, true]) {
    await setTheme(page, dark);
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
      .analyze();
    const found = results.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")} :: ${n.failureSummary?.split("\n").slice(0, 3).join(" ")}`),
    }));
    expect(found, `${name} (${dark ? "dark" : "light"}) has WCAG 2.2 AA violations`).toEqual([]);
  }
  await setTheme(page, false);
}

/** "YYYY-MM-DD" of a date in the demo's zone. */
export function localDate(date: Date, zone = demo.zone): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

export function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}
