import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, hydrated, shots, watchErrors } from "./support";

// A second server, started by scripts/e2e.sh with Stripe and Facebook Login set up and
// pointed at the local fakes (examples/fakes.rs): real sign-in screens, a real checkout page,
// signed webhooks, a Graph API that counts what it receives.
const live = process.env.E2E_LIVE_URL ?? "";
const fakes = process.env.E2E_FAKES_CONTROL ?? "";

test.beforeAll(() => {
  if (!live || !fakes) throw new Error("run through scripts/e2e.sh: it starts the fakes and the server configured with them");
});
test.use({ baseURL: live, timezoneId: "UTC" });

async function register(page: Page, prefix: string) {
  const email = `${prefix}-${Date.now()}@example.com`;
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill("correct-horse-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  return email;
}

async function publishedCount(caption: string): Promise<number> {
  const res = await fetch(`${fakes}/published?caption=${encodeURIComponent(caption)}`);
  return (await res.json()).count;
}

test("connect a Facebook Page through Facebook's sign-in, schedule a post to it, and it is published once", async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await register(page, "oauth");

  await page.goto("/accounts");
  await expect(page.getByTestId("oauth-buttons")).toBeVisible();
  await page.getByRole("link", { name: "Connect with Facebook" }).click();
  // Facebook's consent screen (the fake's), then back to choose the Pages.
  await expect(page).toHaveURL(/\/facebook\/v21\.0\/dialog\/oauth\?/);
  await page.locator("#allow").click();
  await expect(page).toHaveURL(/\/accounts\/connect\?attempt=/);
  await expect(page.getByTestId("choice")).toHaveCount(4);
  await shots(page, "80-oauth-choose");
  await expectAccessible(page, "/accounts/connect");
  await page.getByLabel(/Mug Shop\s*Facebook Page/).check();
  await page.getByRole("button", { name: "Connect chosen accounts" }).click();
  await expect(page).toHaveURL(/\/accounts\?notice=/);
  await expect(page.getByText("Mug Shop").first()).toBeVisible();

  const caption = `E2E live ${Date.now()}: our mugs, now on Facebook.`;
  await page.goto("/compose");
  await hydrated(page);
  // The account's label reads "FB Mug Shop (Facebook)" (badge, name, platform).
  await page.getByLabel(/Mug Shop\s*\(Facebook\)/).check();
  await page.getByLabel("Caption").fill(caption);
  // The first whole minute at least 30 s away (the user's zone is UTC here).
  const due = new Date(Math.ceil((Date.now() + 30_000) / 60_000) * 60_000);
  await page.getByLabel("When to publish").fill(due.toISOString().slice(0, 16));
  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page).toHaveURL(/\/posts\?notice=scheduled/);
  // Nothing is sent before it is due.
  expect(await publishedCount(caption)).toBe(0);

  // Once due, the scheduler (every second) publishes it; the fake Graph API receives it once.
  await expect
    .poll(() => publishedCount(caption), { timeout: due.getTime() - Date.now() + 60_000, intervals: [1_000] })
    .toBe(1);
  expect(Date.now()).toBeGreaterThanOrEqual(due.getTime());
  await page.goto(`/posts?q=${encodeURIComponent(caption.slice(0, 20))}`);
  await expect(page.getByTestId("post-row").first()).toContainText(/Posted|Published/);
  // Still once, after the post is marked published.
  await page.waitForTimeout(2_000);
  expect(await publishedCount(caption)).toBe(1);
  expect(errors).toEqual([]);
});

test("upgrade through Stripe Checkout: the plan changes once Stripe's webhook arrives", async ({ page }) => {
  const errors = watchErrors(page);
  await register(page, "stripe");

  await page.goto("/billing");
  await expect(page.getByTestId("current-plan")).toHaveText("Free");
  await expect(page.getByTestId("mock-billing")).toHaveCount(0);
  await page.getByTestId("plan-cards").getByRole("button", { name: /Pro/ }).click();
  // Stripe's hosted page (the fake's): 14 days free, then $29.00 a month.
  await expect(page).toHaveURL(/\/pay\/cs_test_/);
  await expect(page.getByTestId("terms")).toHaveText("14 days free, then $29.00 per month");
  await page.getByRole("button", { name: "Subscribe" }).click();

  await expect(page).toHaveURL(/\/billing\?checkout=success&session_id=cs_test_/);
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  await expect(page.getByTestId("subscription-status")).toHaveText("Trial");
  await shots(page, "81-billing-stripe");

  await page.goto("/settings");
  const payments = page.getByTestId("integration").filter({ hasText: "Payments (Stripe)" });
  await expect(payments).toContainText("Live");
  await expect(page.getByTestId("integration").filter({ hasText: "Facebook" })).toContainText("Live");
  expect(errors).toEqual([]);
});
