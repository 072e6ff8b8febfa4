import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

// Playwright runs from the repository root (scripts/e2e.sh).
const outputDir = join(process.cwd(), "end2end", "output");
mkdirSync(outputDir, { recursive: true });

async function snap(page: Page, name: string) {
  await page.screenshot({ path: join(outputDir, `${name}.png`), fullPage: true });
}

/** Fails the test on any browser error: a hydration panic shows up here. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().includes("favicon")) errors.push(msg.text());
  });
  return errors;
}

/** Waits until the wasm app has hydrated the page. */
async function hydrated(page: Page) {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

const password = "correct-horse-1";

test("register, land on the dashboard, stay signed in, sign out and back in", async ({ page }) => {
  const errors = watchErrors(page);
  const email = `e2e-${Date.now()}@example.com`;

  await page.goto("/register");
  await hydrated(page);
  await snap(page, "01-register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/dashboard$/);
  const name = email.split("@")[0];
  await expect(page.getByTestId("greeting")).toHaveText(`Welcome, ${name}!`);
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link")).toHaveCount(11);
  await snap(page, "02-dashboard");

  await page.reload();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("greeting")).toHaveText(`Welcome, ${name}!`);

  await page.getByTestId("user-menu").locator("summary").click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, "03-signed-out");

  // The session is gone: the dashboard sends us back to sign in.
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?next=/);

  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("greeting")).toBeVisible();
  await snap(page, "04-signed-in-again");
  expect(errors).toEqual([]);
});

test("a wrong password shows an error and stays on the login page", async ({ page }) => {
  const errors = watchErrors(page);
  const email = `e2e-wrong-${Date.now()}@example.com`;
  await page.goto("/register");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.context().clearCookies();

  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("Incorrect email or password");
  await expect(page).toHaveURL(/\/login/);
  // The form posted as a document: the email typed is put back, the password is not kept.
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await expect(page.getByLabel("Password")).toHaveValue("");
  await snap(page, "05-wrong-password");
  expect(errors.filter((e) => !e.includes("401"))).toEqual([]);
});

test("a signed-out visitor of a dashboard page is sent to sign in", async ({ page }) => {
  await page.goto("/dashboard");
  await expect(page).toHaveURL(/\/login\?next=%2Fdashboard|\/login\?next=\/dashboard/);
  await expect(page.getByRole("heading", { name: "Welcome back" })).toBeVisible();
  await snap(page, "06-redirected-to-login");
});

test("sign-in works before the wasm loads (no JavaScript)", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = `e2e-nojs-${Date.now()}@example.com`;
  await page.goto("/register");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-password-error")).toHaveText("Password must be at least 8 characters");
  await snap(page, "07-no-js-field-error");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("greeting")).toBeVisible();
  await context.close();
});

test("forgot password answers the same for any email, and a reset link's form refuses a short password", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel("Email").fill(`nobody-${Date.now()}@example.com`);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page).toHaveURL(/\/forgot-password\?sent=1$/);
  await expect(page.getByRole("status")).toHaveText("If an account exists for that email, a link to reset the password is on its way.");
  await snap(page, "09-forgot-password-sent");

  await page.goto("/reset-password?token=not-a-real-token");
  await hydrated(page);
  await page.getByLabel("New password").fill("short");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page).toHaveURL(/\/reset-password\?token=not-a-real-token&.*__err=/);
  await expect(page.locator("#field-password-error")).toHaveText("Password must be at least 8 characters");
  await page.getByLabel("New password").fill("long-enough-password");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByTestId("form-error")).toHaveText("This reset link is invalid or has expired");
  // Nothing but the refused form's own answer reaches the console.
  expect(errors.filter((e) => !/40[0-9]|422/.test(e))).toEqual([]);
});

test("the theme switch turns on dark mode and remembers it", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("/login");
  await hydrated(page);
  await expect(page.locator("html")).not.toHaveClass(/dark/);
  await page.getByTestId("theme-toggle").click();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator("html")).toHaveClass(/dark/);
  await snap(page, "08-login-dark");
});
