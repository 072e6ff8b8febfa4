import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, hydrated, shots, signIn, watchErrors } from "./support";

// The marketer's other pages (issue 11): home, accounts and templates. Home and accounts are
// rendered on the server only and hydrate around their content; every action is a form.

test.describe.configure({ mode: "serial" });

async function register(page: Page): Promise<string> {
  const email = `marketer-${Date.now()}@example.com`;
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill("correct-horse-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await hydrated(page);
  return email;
}

test("a new user follows the checklist: connects a sandbox account and meets the plan's limit", async ({ page }) => {
  const errors = watchErrors(page);
  await register(page);
  const checklist = page.getByTestId("onboarding");
  await expect(checklist).toContainText("0 of 4 done");
  await expect(page.getByTestId("no-next-posts")).toBeVisible();
  await shots(page, "50-home-new-user");
  await expectAccessible(page, "/dashboard (new user)");

  // The first step leads to the accounts page, a document of its own.
  await checklist.getByRole("link", { name: /Connect a social account/ }).click();
  await expect(page).toHaveURL(/\/accounts$/);
  await hydrated(page);
  await expect(page.getByTestId("empty-state")).toBeVisible();
  await expect(page.getByTestId("oauth-note")).toBeVisible();
  await page.getByLabel("Platform").selectOption("instagram");
  await page.getByLabel("Account name").fill("@linen.shop");
  await page.getByRole("button", { name: "Connect sandbox account" }).click();
  await expect(page).toHaveURL(/\/accounts\?notice=connected$/);
  await expect(page.getByTestId("notice")).toContainText("Account connected.");
  const account = page.locator('[data-testid="account"][data-account-name="@linen.shop"]');
  await expect(account.getByTestId("health")).toHaveText("Connected");

  // Free allows one account: the form gives way to the upgrade prompt.
  await expect(page.getByTestId("connect-form")).toHaveCount(0);
  await expect(page.getByTestId("plan-limit")).toContainText("Your Free plan allows 1 connected account.");
  await expect(page.getByTestId("plan-limit").getByRole("link", { name: "See plans" })).toHaveAttribute("href", "/billing");
  await shots(page, "51-accounts-at-limit");
  await expectAccessible(page, "/accounts");

  // Disconnecting asks first and says what is kept.
  await account.locator("summary", { hasText: "Disconnect" }).click();
  await expect(account.getByText(/Its posts and analytics are kept/)).toBeVisible();
  await shots(page, "52-accounts-disconnect-confirm");
  await account.getByRole("button", { name: "Disconnect", exact: true }).click();
  await expect(page).toHaveURL(/notice=disconnected/);
  const disconnected = page.getByTestId("disconnected-accounts").locator('[data-account-name="@linen.shop"]');
  await expect(disconnected.getByTestId("health")).toHaveText("Disconnected");
  await disconnected.getByRole("button", { name: "Reconnect @linen.shop" }).click();
  await expect(page).toHaveURL(/notice=reconnected/);
  await expect(page.getByTestId("connected-accounts")).toContainText("@linen.shop");

  // Home ticks the step off.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("onboarding")).toContainText("1 of 4 done");
  await expect(page.locator('[data-testid="onboarding-step"][data-done="true"]')).toHaveCount(1);
  expect(errors).toEqual([]);
});

test("the demo marketer's home: figures, usage, next posts, no checklist", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await hydrated(page);
  await expect(page.getByTestId("greeting")).toBeVisible();
  await expect(page.getByTestId("onboarding")).toHaveCount(0);
  await expect(page.getByTestId("kpi-week")).toHaveText(/^\d+$/);
  await expect(page.getByTestId("kpi-engagement")).toHaveText(/%$/);
  await expect(page.getByTestId("usage")).toHaveCount(3);
  // The content stays after hydration (the browser keeps the server's markup).
  await expect(page.locator("[data-server-body] h1")).toBeVisible();
  await shots(page, "53-home-demo");
  await expectAccessible(page, "/dashboard");
  // A client-side page and back: the sidebar link loads the server-rendered page.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Posts" }).click();
  await expect(page).toHaveURL(/\/posts$/);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Accounts" }).click();
  await expect(page).toHaveURL(/\/accounts$/);
  await expect(page.getByTestId("connected-accounts").getByTestId("account")).toHaveCount(3);
  expect(errors).toEqual([]);
});

test("a template with placeholder chips and a live preview, used in a filled composer", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/templates");
  await hydrated(page);
  const name = `Launch ${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Instagram").check();
  const caption = page.getByLabel("Caption");
  await caption.fill("New in: ");
  await caption.press("End");
  await page.getByRole("button", { name: "+ Title" }).click();
  await caption.press("End");
  await caption.pressSequentially(" for ");
  await page.getByRole("button", { name: "+ Price" }).click();
  await expect(caption).toHaveValue("New in: {{product.title}} for {{product.price}}");
  // The preview follows every keystroke, filled from the sample product.
  await expect(page.getByTestId("preview-text")).toHaveText("New in: Linen Summer Dress for 59.00");
  await page.getByLabel("Hashtags").fill("newin {{product.title}}");
  await expect(page.getByTestId("preview-tags")).toHaveText("#newin #LinenSummerDress");
  await shots(page, "54-templates-editor");
  await page.getByRole("button", { name: "Save template" }).click();
  await expect(page).toHaveURL(/\/templates\?notice=created$/);
  await hydrated(page);
  await expect(page.getByTestId("notice")).toHaveText("Template created.");
  const card = page.locator(`[data-testid="template"][data-template-name="${name}"]`);
  await expect(card).toContainText("{{product.title}}");
  await shots(page, "55-templates-list");
  await expectAccessible(page, "/templates");

  await card.getByRole("link", { name: `Use ${name}` }).click();
  await expect(page).toHaveURL(/\/compose\?template=/);
  await hydrated(page);
  await expect(page.getByLabel("Caption")).toHaveValue("New in: {{product.title}} for {{product.price}}");
  await expect(page.getByLabel("Hashtags")).toHaveValue(/newin/);
  expect(errors).toEqual([]);
});
