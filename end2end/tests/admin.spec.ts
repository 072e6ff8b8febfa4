import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { admin, expectAccessible, hydrated, shots, signIn, watchErrors } from "./support";

// The admin console (issue 12): an admin answers "what happened?" about a failed post, follows
// the log live and deactivates a user; a member meets the not-found page.

test.describe.configure({ mode: "serial" });

const password = "correct-horse-1";

/** A marketer made through the API, with a bearer token. */
async function marketer(request: APIRequestContext, prefix: string) {
  const email = `${prefix}-${Date.now()}@example.com`;
  const res = await request.post("/api/v1/auth/register", { data: { email, password } });
  expect(res.status()).toBe(201);
  const token = (await res.json()).access_token as string;
  return { email, token, auth: { Authorization: `Bearer ${token}` } };
}

/** A post whose account is disconnected before its time: the scheduler fails it. */
async function failedPost(request: APIRequestContext, auth: Record<string, string>): Promise<string> {
  const account = await (await request.post("/api/v1/accounts", {
    headers: auth,
    data: { platform: "facebook", account_name: "corner.shop" },
  })).json();
  const at = new Date(Date.now() + 3_000).toISOString();
  const res = await request.post("/api/v1/posts", {
    headers: auth,
    data: { account_id: account.id, content: "Winter boots, 20% off", scheduled_for: at },
  });
  expect(res.status()).toBe(201);
  const post = await res.json();
  expect((await request.delete(`/api/v1/accounts/${account.id}`, { headers: auth })).status()).toBe(204);
  await expect.poll(async () => {
    const now = await (await request.get(`/api/v1/posts/${post.id}`, { headers: auth })).json();
    return now.status;
  }, { timeout: 30_000 }).toBe("failed");
  return post.id;
}

/** At phone width the page scrolls down only: wide tables scroll inside their own box. */
async function expectNoSidewaysScroll(page: Page, name: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, `${name} at 390 px`).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function openConsole(page: Page) {
  await signIn(page, admin.email, admin.password);
  await hydrated(page);
  await page.getByTestId("user-menu").locator("summary").click();
  await page.getByRole("link", { name: "Admin console" }).click();
  await expect(page).toHaveURL(/\/admin\/logs$/);
}

test("an admin finds a failed post's error, follows the log live and deactivates its owner", async ({ page, request }) => {
  // A whole investigation: the scheduler's failure, four pages, screenshots and axe on each.
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  const shop = await marketer(request, "shop");
  const postId = await failedPost(request, shop.auth);

  await openConsole(page);
  await expect(page.getByRole("heading", { name: "Event log" })).toBeVisible();
  await expect(page.getByTestId("log-entry").first()).toBeVisible();
  await shots(page, "80-admin-logs");
  await expectNoSidewaysScroll(page, "/admin/logs");
  await expectAccessible(page, "/admin/logs");

  // Narrow the log to the one failed post.
  await page.getByLabel("Post id").fill(postId);
  await page.getByLabel("Level").selectOption("error");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(new RegExp(`level=error.*post=${postId}|post=${postId}.*level=error`));
  const entry = page.getByTestId("log-entry");
  await expect(entry).toHaveCount(1);
  await expect(entry.getByTestId("log-message")).toContainText("needs to be reconnected before it can publish");
  await entry.locator("summary").click();
  const details = entry.getByTestId("log-details");
  await expect(details).toBeVisible();
  await expect(details.getByRole("link", { name: shop.email })).toBeVisible();
  await expect(details.getByTestId("account")).toContainText("corner.shop on facebook · disconnected");
  await expect(details.getByTestId("log-full-message")).toHaveText(
    "Failed: Facebook account corner.shop needs to be reconnected before it can publish",
  );
  await expect(details.getByTestId("log-data")).toContainText('"account": "corner.shop"');
  await shots(page, "81-admin-log-entry");
  await expectAccessible(page, "/admin/logs (an entry open)");

  // The CSV of this view holds exactly that entry.
  const download = page.waitForEvent("download");
  await page.getByTestId("export-csv").click();
  const file = await download;
  const { readFileSync } = await import("node:fs");
  const csv = readFileSync(await file.path(), "utf8").trim().split("\r\n");
  expect(csv[0]).toBe("at,level,kind,user_id,post_id,message,data");
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain(postId);

  // The live tail: the shop's own entries, followed as they happen.
  await page.goto(`/admin/logs?user=${encodeURIComponent(shop.email)}`);
  await hydrated(page);
  const before = await page.getByTestId("log-entry").count();
  const tail = page.getByTestId("tail-toggle");
  await tail.click();
  await expect(tail).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("#tail-status")).toContainText("Following new entries");
  expect((await request.post("/api/v1/auth/login", { data: { email: shop.email, password } })).status()).toBe(200);
  await expect(page.getByTestId("log-entry")).toHaveCount(before + 1, { timeout: 15_000 });
  await expect(page.getByTestId("log-entry").first()).toContainText("User signed in");
  await expect(page.locator("#tail-status")).toContainText("1 new");
  await shots(page, "82-admin-live-tail");
  await tail.click();
  await expect(tail).toHaveAttribute("aria-pressed", "false");

  // Deactivate the shop: its token stops working at once.
  await page.goto(`/admin/users?q=${encodeURIComponent(shop.email)}`);
  const row = page.locator(`[data-testid="user-row"][data-email="${shop.email}"]`);
  await expect(row).toContainText("Active");
  await shots(page, "83-admin-users");
  await expectNoSidewaysScroll(page, "/admin/users");
  await expectAccessible(page, "/admin/users");
  await row.locator("summary", { hasText: "Deactivate" }).click();
  await expect(row.getByText(/their scheduled posts are held/)).toBeVisible();
  await row.getByRole("button", { name: "Deactivate user" }).click();
  await expect(page).toHaveURL(/notice=updated/);
  await expect(page.getByTestId("notice")).toContainText("recorded in the event log");
  await expect(row.getByTestId("user-status")).toHaveText("Deactivated");
  expect((await request.get("/api/v1/auth/me", { headers: shop.auth })).status()).toBe(401);

  // The change is itself in the log.
  await page.goto(`/admin/logs?kind=audit&user=${encodeURIComponent(shop.email)}`);
  await expect(page.getByTestId("log-entry").first()).toContainText(`updated ${shop.email}: deactivated`);

  // The system page: this instance's scheduler has ticked.
  await page.getByRole("navigation", { name: "Admin console" }).getByRole("link", { name: "System" }).click();
  await expect(page).toHaveURL(/\/admin\/system$/);
  await expect(page.getByTestId("instance").first()).toContainText("Healthy");
  await expect(page.getByTestId("database")).toContainText("SQLite");
  await shots(page, "84-admin-system");
  await expectNoSidewaysScroll(page, "/admin/system");
  await expectAccessible(page, "/admin/system");

  // The console's front page leads to each section.
  await page.getByRole("navigation", { name: "Admin console" }).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole("heading", { name: "Admin console" })).toBeVisible();
  await shots(page, "86-admin-overview");
  await expectAccessible(page, "/admin");
  await page.getByRole("link", { name: /^Users/ }).last().click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  expect(errors).toEqual([]);
});

test("a member opening the admin console gets the not-found page", async ({ page, request }) => {
  test.setTimeout(60_000);
  const errors = watchErrors(page);
  const member = await marketer(request, "member");
  await signIn(page, member.email, password);
  for (const path of ["/admin", "/admin/logs", "/admin/users", "/admin/system"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
    await expect(page.getByText("Event log")).toHaveCount(0);
  }
  await hydrated(page);
  await shots(page, "85-admin-not-found");
  await expectAccessible(page, "/admin (member)");
  expect(errors).toEqual([]);
});
