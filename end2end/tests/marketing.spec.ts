import { expect, test, type Page } from "@playwright/test";
import { demo, expectAccessible, hydrated, shots, signIn, watchErrors } from "./support";

type Plan = { tier: string; name: string; price_monthly_cents: number; features: string[] };

/** Every script or wasm file the page asks for (the marketing pages must ask for none). */
function watchCode(page: Page): string[] {
  const code: string[] = [];
  page.on("request", (req) => {
    if (req.resourceType() === "script" || /\.wasm(\?|$)/.test(req.url())) code.push(req.url());
  });
  return code;
}

/** "$29", or "$29.50" with cents: as `plans::price_label` writes it. */
const priceLabel = (cents: number) => (cents % 100 === 0 ? `$${cents / 100}` : `$${(cents / 100).toFixed(2)}`);

async function expectPlanCards(page: Page, plans: Plan[]) {
  const cards = page.getByTestId("pricing-cards").first();
  await expect(cards.locator("[data-plan]")).toHaveCount(plans.length);
  for (const plan of plans) {
    const card = cards.locator(`[data-plan="${plan.tier}"]`);
    await expect(card.getByRole("heading")).toHaveText(plan.name);
    await expect(card.getByTestId("plan-price")).toHaveText(priceLabel(plan.price_monthly_cents));
    await expect(card.getByRole("link")).toHaveAttribute("href", "/register");
    for (const feature of plan.features) await expect(card).toContainText(feature);
  }
}

test("a visitor reads the billing API's prices on the landing page, starts free and lands in the dashboard", async ({ page, request }) => {
  const errors = watchErrors(page);
  const code = watchCode(page);
  const plans: Plan[] = await (await request.get("/api/v1/billing/plans")).json();
  expect(plans.map((p) => p.tier)).toEqual(["free", "pro", "enterprise"]);

  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Your products, posted everywhere. On time. Once.");
  await expectPlanCards(page, plans);
  // The navbar's anchors lead to their sections.
  for (const id of ["features", "how-it-works", "pricing"]) {
    await expect(page.locator(`h2#${id}`)).toBeVisible();
  }
  // Plain HTML and CSS: no script file, no wasm, and the page never hydrates.
  expect(code).toEqual([]);
  expect(await page.locator("html").getAttribute("data-hydrated")).toBeNull();
  await shots(page, "landing");
  await expectAccessible(page, "landing");

  const email = `visitor-${Date.now()}@example.com`;
  await page.getByTestId("hero-start").click();
  await expect(page).toHaveURL(/\/register$/);
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel(/Password/).fill("visitor-password-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId("greeting")).toHaveText(`Welcome, ${email.split("@")[0]}!`);

  // Signed in, the landing page offers the dashboard instead of the sign-up.
  await page.goto("/");
  await expect(page.getByTestId("nav-primary")).toHaveText("Go to dashboard");
  await page.getByTestId("nav-primary").click();
  await expect(page).toHaveURL(/\/dashboard$/);
  expect(errors).toEqual([]);
});

test("the pricing page compares every plan and answers questions", async ({ page, request }) => {
  const errors = watchErrors(page);
  const code = watchCode(page);
  const plans: Plan[] = await (await request.get("/api/v1/billing/plans")).json();
  await page.goto("/pricing");
  await expectPlanCards(page, plans);
  const table = page.getByTestId("plan-comparison");
  const prices = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Price per month" }) });
  await expect(prices.getByRole("cell")).toHaveText(plans.map((p) => priceLabel(p.price_monthly_cents)));
  const question = page.getByText("What counts as a post?");
  await question.click();
  await expect(page.getByText("One post on one account.")).toBeVisible();
  expect(code).toEqual([]);
  await shots(page, "pricing");
  await expectAccessible(page, "pricing");
  expect(errors).toEqual([]);
});

test("without JavaScript the menu, the FAQ and the way to sign up work", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto("/");
  // On a phone the links are behind the menu button (a <details>).
  const menu = page.locator("header details");
  await expect(menu.getByRole("link", { name: "Pricing" })).toBeHidden();
  await menu.locator("summary").click();
  await menu.getByRole("link", { name: "Pricing" }).click();
  await expect(page).toHaveURL(/\/pricing$/);
  await page.getByText("Can a post go out twice?").click();
  await expect(page.getByText("claimed by exactly one publisher")).toBeVisible();
  await page.getByRole("link", { name: "Start free" }).first().click();
  await expect(page).toHaveURL(/\/register$/);
  await context.close();
});

test("search engines and link previews find what they need", async ({ page, request, baseURL }) => {
  const robots = await (await request.get("/robots.txt")).text();
  expect(robots).toContain(`Sitemap: ${baseURL}/sitemap.xml`);
  expect(robots).toContain("Disallow: /dashboard");
  const sitemap = await (await request.get("/sitemap.xml")).text();
  for (const path of ["/", "/pricing"]) expect(sitemap).toContain(`<loc>${baseURL}${path}</loc>`);

  const plans: Plan[] = await (await request.get("/api/v1/billing/plans")).json();
  for (const path of ["/", "/pricing"]) {
    await page.goto(path);
    await expect(page.locator('link[rel="canonical"]')).toHaveAttribute("href", `${baseURL}${path}`);
    await expect(page.locator('meta[name="description"]')).toHaveCount(1);
    const image = await page.locator('meta[property="og:image"]').getAttribute("content");
    expect(image).toMatch(new RegExp(`^${baseURL}/assets/[0-9a-f]{12}-og-image\\.png$`));
    const served = await request.get(image!);
    expect(served.status()).toBe(200);
    expect(served.headers()["content-type"]).toBe("image/png");
    expect(served.headers()["cache-control"]).toContain("immutable");
    await expect(page.locator('meta[name="twitter:card"]')).toHaveAttribute("content", "summary_large_image");
    const data = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!);
    expect(data["@type"]).toBe("SoftwareApplication");
    const decimal = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
    expect(data.offers.map((o: { price: string }) => o.price)).toEqual(plans.map((p) => decimal(p.price_monthly_cents)));
  }
  // The fonts are preloaded under hashed names and cached for a year.
  const font = await page.locator('link[rel="preload"][as="font"]').first().getAttribute("href");
  const served = await request.get(font!);
  expect(served.headers()["cache-control"]).toContain("max-age=31536000");
  const manifest = await (await request.get("/site.webmanifest")).json();
  expect(manifest.icons.length).toBeGreaterThan(1);
  expect((await request.get("/favicon.ico")).status()).toBe(200);
});

test("signed in, the landing page links to the dashboard", async ({ page }) => {
  await signIn(page, demo.email, demo.password);
  await page.goto("/pricing");
  await expect(page.getByTestId("nav-primary")).toHaveText("Go to dashboard");
});
