import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, hydrated, shots, watchErrors } from "./support";

// The account pages (issue 12): billing, API keys and settings. They are rendered on the
// server only; every action is a plain form.

test.describe.configure({ mode: "serial" });

const password = "correct-horse-1";

async function register(page: Page, prefix: string): Promise<string> {
  const email = `${prefix}-${Date.now()}@example.com`;
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  return email;
}

async function bearer(page: Page, email: string): Promise<string> {
  const res = await page.request.post("/api/v1/auth/login", { data: { email, password } });
  expect(res.status()).toBe(200);
  return (await res.json()).access_token;
}

test("upgrade to Pro in the mock checkout, then cancel at the end of the period", async ({ page }) => {
  const errors = watchErrors(page);
  await register(page, "billing");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Billing" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByTestId("current-plan")).toHaveText("Free");
  await expect(page.getByTestId("plan-card")).toHaveCount(3);
  await expect(page.getByTestId("usage")).toHaveCount(4);
  await shots(page, "70-billing-free");
  await expectAccessible(page, "/billing (free)");

  await page.locator('[data-plan="pro"]').getByRole("button", { name: "Upgrade to Pro" }).click();
  await expect(page).toHaveURL(/\/billing\?checkout=success/);
  await expect(page.getByTestId("notice")).toContainText("Welcome to Pro!");
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");
  await expect(page.getByTestId("subscription-status")).toHaveText("Active");
  await expect(page.getByTestId("subscription-line")).toContainText("Renews on");

  await page.locator("summary", { hasText: "Cancel subscription" }).click();
  await expect(page.getByText(/You keep it until/)).toBeVisible();
  await page.getByRole("button", { name: "Cancel at period end" }).click();
  await expect(page).toHaveURL(/notice=cancelled/);
  await expect(page.getByTestId("subscription-status")).toHaveText("Cancelling");
  await expect(page.getByTestId("subscription-line")).toContainText("you keep the Pro plan until");
  await expect(page.getByRole("button", { name: "Resume subscription" })).toBeVisible();
  await shots(page, "71-billing-cancelling");
  await expectAccessible(page, "/billing (cancelling)");
  expect(errors).toEqual([]);
});

test("create an API key, copy it, use it, revoke it and see it refused", async ({ page, context }) => {
  const errors = watchErrors(page);
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const email = await register(page, "keys");

  // Free: the page explains that the API is a Pro feature.
  await page.goto("/api-keys");
  await expect(page.getByTestId("api-upsell")).toContainText("API access is a Pro feature");
  await expect(page.getByTestId("create-key-form")).toHaveCount(0);
  await expect(page.getByRole("link", { name: "API documentation" })).toHaveAttribute("href", "/docs");
  await shots(page, "72-api-keys-free");
  await expectAccessible(page, "/api-keys (free)");

  await page.getByRole("link", { name: "Upgrade to Pro" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await page.locator('[data-plan="pro"]').getByRole("button", { name: "Upgrade to Pro" }).click();
  await expect(page.getByTestId("current-plan")).toHaveText("Pro");

  await page.goto("/api-keys");
  await expect(page.getByTestId("empty-state")).toBeVisible();
  await page.getByLabel("Name", { exact: true }).fill("Shop sync");
  await page.getByRole("button", { name: "Create key" }).click();
  await expect(page).toHaveURL(/notice=created/);
  const card = page.getByTestId("new-key");
  await expect(card).toContainText("it will not be shown again");
  const key = await page.getByTestId("new-key-value").inputValue();
  expect(key).toMatch(/^po_live_[A-Za-z0-9_-]{40,}$/);
  await page.getByTestId("copy-key").click();
  await expect(page.getByTestId("copy-key")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
  await shots(page, "73-api-keys-created");
  await expectAccessible(page, "/api-keys (new key)");

  // The key works as an integrator would use it.
  const authorized = { headers: { "X-API-Key": key } };
  let res = await page.request.get("/api/v1/usage", authorized);
  expect(res.status()).toBe(200);
  expect((await res.json()).plan).toBe("pro");

  // Shown once: a reload lists it by its prefix, with its last use.
  await page.goto("/api-keys");
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  const row = page.locator('[data-testid="api-key"][data-key-name="Shop sync"]');
  await expect(row).toContainText(key.slice(0, 12));
  await expect(row.getByTestId("last-used")).not.toHaveText("Never");
  expect(await page.content()).not.toContain(key);

  await row.locator("summary", { hasText: "Revoke" }).click();
  await expect(row.getByText(/Anything using it stops working at once/)).toBeVisible();
  await row.getByRole("button", { name: "Revoke key" }).click();
  await expect(page).toHaveURL(/notice=revoked/);
  await expect(page.getByTestId("revoked-keys")).toContainText("Shop sync");
  res = await page.request.get("/api/v1/usage", authorized);
  expect(res.status()).toBe(401);
  await shots(page, "74-api-keys-revoked");
  expect(errors).toEqual([]);
  expect(email).toContain("keys-");
});

test("change the time zone and see the calendar's times change", async ({ page }) => {
  const errors = watchErrors(page);
  const email = await register(page, "zone");
  const token = await bearer(page, email);
  const auth = { Authorization: `Bearer ${token}` };
  const account = await (await page.request.post("/api/v1/accounts", {
    headers: auth,
    data: { platform: "facebook", account_name: "zone.shop" },
  })).json();
  // 01:00 UTC two days ahead: 10:00 in Tokyo, the same day.
  const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const res = await page.request.post("/api/v1/posts", {
    headers: auth,
    data: { account_id: account.id, content: "Zone check", scheduled_for: `${day}T01:00:00Z` },
  });
  expect(res.status()).toBe(201);

  const setZone = async (zone: string) => {
    await page.goto("/settings");
    await page.getByLabel("Time zone").fill(zone);
    await page.getByRole("button", { name: "Save time zone" }).click();
    await expect(page).toHaveURL(/notice=timezone/);
    await expect(page.getByTestId("notice")).toContainText("Time zone saved.");
  };
  await setZone("UTC");
  const chip = page.locator(".cal-chip", { hasText: "Zone check" });
  await page.goto(`/calendar?view=week&date=${day}`);
  await hydrated(page);
  await expect(chip).toContainText("1:00 AM");

  await setZone("Asia/Tokyo");
  await expect(page.getByText(/in Asia\/Tokyo\./)).toBeVisible();
  await shots(page, "75-settings");
  await expectAccessible(page, "/settings");
  await page.goto(`/calendar?view=week&date=${day}`);
  await hydrated(page);
  await expect(chip).toContainText("10:00 AM");
  await expect(chip).not.toContainText("1:00 AM");
  expect(errors).toEqual([]);
});

test("export my data, then delete the account", async ({ page }) => {
  const errors = watchErrors(page);
  const email = await register(page, "leaving");
  await page.goto("/settings");
  const download = page.waitForEvent("download");
  await page.getByTestId("export-data").click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^postpilot-data-\d{4}-\d{2}-\d{2}\.json$/);
  const path = await file.path();
  const { readFileSync } = await import("node:fs");
  const exported = JSON.parse(readFileSync(path, "utf8"));
  expect(exported.user.email).toBe(email);
  expect(JSON.stringify(exported)).not.toContain("hashed_password");

  await page.locator("summary", { hasText: "Delete my account" }).click();
  await page.getByLabel(`Type ${email} to confirm`).fill("not-me@example.com");
  await page.getByRole("button", { name: "Delete my account forever" }).click();
  await expect(page.getByRole("alert")).toContainText("Type your account's email exactly");
  await page.locator("summary", { hasText: "Delete my account" }).click();
  await page.getByLabel(`Type ${email} to confirm`).fill(email);
  await shots(page, "76-settings-delete");
  await page.getByRole("button", { name: "Delete my account forever" }).click();
  await expect(page).toHaveURL(/\/login\?deleted=1$/);
  await expect(page.getByTestId("login-banner")).toContainText("Your account and everything in it have been deleted.");

  // Gone: signing in again is refused.
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Incorrect email or password");
  expect(errors).toEqual([]);
});
