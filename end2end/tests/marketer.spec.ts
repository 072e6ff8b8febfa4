import { expect, test, type Page } from "@playwright/test";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
  await shots(page, "61-accounts-demo");
  // The demo's analytics: a month of measured posts.
  await page.goto("/analytics");
  await hydrated(page);
  await expect(page.getByTestId("chart-impressions")).toBeVisible();
  await shots(page, "62-analytics-demo");
  await expectAccessible(page, "/analytics (demo)");
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

/** "YYYY-MM-DDTHH:MM" in `zone`, as a datetime-local field takes it. */
function localInput(date: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(date).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

test("the journey: import a product, write and approve its caption, see it published and measured", async ({ page, baseURL }) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  const title = `Cedar Candle ${Date.now()}`;
  const shop = createServer((_req, res) => {
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.end(`<html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product",
      "name":"${title}","description":"Hand-poured soy wax, smoky and warm.","image":"${baseURL}/favicon.svg",
      "offers":{"@type":"Offer","price":"24.00","priceCurrency":"USD"}}</script></head><body>${title}</body></html>`);
  });
  await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
  const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/candle`;
  try {
    await register(page);
    const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    await expect(page.getByTestId("onboarding")).toContainText("0 of 4 done");

    await page.goto("/accounts");
    await page.getByLabel("Platform").selectOption("instagram");
    await page.getByLabel("Account name").fill("@journey.shop");
    await page.getByRole("button", { name: "Connect sandbox account" }).click();
    await expect(page.getByTestId("notice")).toContainText("Account connected.");

    // Import the product from its page; its fields open for review.
    await page.goto("/queue");
    await hydrated(page);
    await page.getByLabel("Product page address").fill(shopUrl);
    await page.locator("#import-facebook").uncheck();
    await page.getByRole("button", { name: "Import" }).click();
    await expect(page.getByTestId("notice")).toContainText("Product imported.");
    const item = page.locator(`[data-testid="queue-item"][data-title="${title}"]`);
    await expect(item.getByTestId("product-details")).toHaveAttribute("open", "");
    await expect(item.getByLabel("Title")).toHaveValue(title);
    await expect(item).toContainText("$24.00");
    await shots(page, "56-queue-imported");

    // Write the caption in a tone, then edit it.
    await item.getByLabel("Tone").selectOption("playful");
    await item.getByRole("button", { name: /^Write the caption for/ }).click();
    await expect(page.getByTestId("notice")).toContainText("Caption written.");
    await expect(item.getByTestId("caption")).toContainText(title);
    await item.locator("summary", { hasText: "Edit caption" }).click();
    const caption = `Meet the ${title}: hand-poured, smoky, warm. Light one tonight.`;
    await item.getByLabel("Caption", { exact: true }).fill(caption);
    await item.getByRole("button", { name: "Save caption" }).click();
    await expect(page.getByTestId("notice")).toContainText("Caption saved.");
    await expect(item.getByTestId("caption")).toHaveText(caption);

    // Approve for the Instagram account at the start of the minute after next: first see the
    // post it will create.
    const at = new Date(Math.ceil((Date.now() + 61_000) / 60_000) * 60_000);
    await item.locator("summary", { hasText: "Approve" }).click();
    await item.getByLabel("@journey.shop (Instagram)").check();
    await item.getByLabel("When").fill(localInput(at, zone));
    await item.getByRole("button", { name: "Preview the posts" }).click();
    await expect(item.getByTestId("plan")).toContainText("This creates 1 post:");
    await expect(item.getByTestId("planned-posts")).toContainText("@journey.shop on Instagram");
    await shots(page, "57-queue-plan");
    await expectAccessible(page, "/queue");
    await item.getByRole("button", { name: "Approve and schedule" }).click();
    await expect(page.getByTestId("notice")).toContainText("Approved: 1 post created.");
    await expect(page.getByTestId("next-week")).toContainText(caption.slice(0, 20));

    // Home: the post is next, and the checklist is done and gone.
    await page.goto("/dashboard");
    await expect(page.getByTestId("next-posts")).toContainText(caption);
    await expect(page.getByTestId("onboarding")).toHaveCount(0);
    await shots(page, "58-home-next-post");

    // The scheduler publishes it; the metrics job measures it.
    await expect(async () => {
      await page.goto("/posts?status=posted");
      await expect(page.getByRole("table")).toContainText(caption.slice(0, 30), { timeout: 1_000 });
    }).toPass({ timeout: 180_000, intervals: [5_000] });
    await expect(async () => {
      await page.goto("/analytics?range=7");
      await expect(page.getByTestId("top-post")).toHaveCount(1, { timeout: 1_000 });
    }).toPass({ timeout: 60_000, intervals: [3_000] });
    await expect(page.getByTestId("total-posts")).toHaveText("1");
    await expect(page.getByTestId("top-posts")).toContainText(caption.slice(0, 30));
    await shots(page, "59-analytics");
    await expectAccessible(page, "/analytics");

    // The same range as CSV.
    const href = await page.getByTestId("export-csv").getAttribute("href");
    const csv = await (await page.request.get(href!)).text();
    expect(csv.split("\n")[0]).toContain("post_id,published,published_utc,platform");
    expect(csv).toContain(caption);
    expect(errors).toEqual([]);
  } finally {
    shop.close();
  }
});

test("bulk approve of three items, each reported", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/queue");
  const stamp = Date.now();
  const titles = [`Wool Scarf ${stamp}`, `Linen Shirt ${stamp}`, `Clay Mug ${stamp}`];
  for (const title of titles) {
    await page.locator("summary", { hasText: "Or type it in" }).click();
    await page.locator("#add-title").fill(title);
    await page.locator("#add-image_url").fill("https://cdn.example/p.jpg");
    await page.getByRole("button", { name: "Add to the queue" }).click();
    await expect(page.getByTestId("notice")).toContainText("Product added.");
    const item = page.locator(`[data-testid="queue-item"][data-title="${title}"]`);
    await item.getByRole("button", { name: /^Write the caption for/ }).click();
    await expect(page.getByTestId("notice")).toContainText("Caption written.");
  }
  for (const title of titles) {
    await page.getByLabel(`Select ${title}`).check();
  }
  const tomorrow = new Date(Date.now() + 26 * 3600_000);
  await page.getByLabel("Selected items: schedule at").fill(localInput(tomorrow, "America/New_York"));
  await page.getByRole("button", { name: "Approve selected" }).click();
  await expect(page.getByTestId("notice")).toContainText("3 items approved.");
  await page.goto("/queue?status=approved");
  for (const title of titles) {
    await expect(page.locator(`[data-testid="queue-item"][data-title="${title}"]`)).toBeVisible();
  }
  await shots(page, "60-queue-approved");
  expect(errors).toEqual([]);
});
