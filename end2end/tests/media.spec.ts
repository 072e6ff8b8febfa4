import { expect, type Page, test } from "@playwright/test";
import { admin, demo, expectAccessible, hydrated, shots, signIn, watchErrors } from "./support";

// The media library (issue 14), as the demo marketer (Pro, sandbox accounts, New York).

test.describe.configure({ mode: "serial" });

/** "YYYY-MM-DDTHH:MM" of `date` on the wall clock of `zone` (the composer's time field). */
function wallClock(date: Date, zone = demo.zone): string {
  const parts = new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
  }).format(date);
  return parts.replace(" ", "T");
}

/**
 * Drops JPEGs drawn in the page (noise, so each run's files are new to the library and weigh
 * a few MB) onto `target`, as a user dragging them from the desktop would.
 */
async function dropImages(page: Page, target: string, images: { name: string; width: number; height: number }[]) {
  const transfer = await page.evaluateHandle(async (images) => {
    const data = new DataTransfer();
    for (const { name, width, height } of images) {
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext("2d")!;
      const pixels = context.createImageData(width, height);
      for (let i = 0; i < pixels.data.length; i += 4) {
        pixels.data[i] = Math.random() * 255;
        pixels.data[i + 1] = Math.random() * 255;
        pixels.data[i + 2] = Math.random() * 255;
        pixels.data[i + 3] = 255;
      }
      context.putImageData(pixels, 0, 0);
      const blob: Blob = await new Promise((done) => canvas.toBlob((b) => done(b!), "image/jpeg", 0.9));
      data.items.add(new File([blob], name, { type: "image/jpeg" }));
    }
    return data;
  }, images);
  await page.dispatchEvent(target, "drop", { dataTransfer: transfer });
}

async function token(page: Page, email: string, password: string): Promise<string> {
  const res = await page.request.post("/api/v1/auth/login", { data: { email, password } });
  expect(res.status()).toBe(200);
  return (await res.json()).access_token;
}

test("drop two photos into the composer, Instagram flags the 3:1 one, the other is scheduled and published with its media URL", async ({ page, baseURL }) => {
  // Publishing waits for the next whole minute.
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/compose");
  await hydrated(page);
  await page.getByLabel(/\(Instagram\)/).check();

  // Uploads at 1.5 MB/s, so each file's progress can be watched on its way to 100 %.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 1_500_000,
  });
  // Every value each progress bar takes.
  await page.evaluate(() => {
    (window as any).progressSeen = [] as number[];
    new MutationObserver((changes) => {
      for (const change of changes) {
        const bar = change.target as Element;
        if (bar.getAttribute?.("role") === "progressbar") {
          (window as any).progressSeen.push(Number(bar.getAttribute("aria-valuenow")));
        }
      }
    }).observe(document.body, { attributes: true, attributeFilter: ["aria-valuenow"], subtree: true });
  });

  const stamp = Date.now();
  const wide = `wide-banner-${stamp}.jpg`;
  const portrait = `portrait-${stamp}.jpg`;
  await dropImages(page, '[data-testid="drop-zone"]', [
    { name: wide, width: 1800, height: 600 },
    { name: portrait, width: 1080, height: 1350 },
  ]);
  const rows = page.getByTestId("upload-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.filter({ hasText: portrait }).getByTestId("upload-status")).toContainText("%");
  await shots(page, "90-compose-uploading");
  for (const name of [wide, portrait]) {
    await expect(rows.filter({ hasText: name }).getByTestId("upload-status")).toHaveText("Added to your library", { timeout: 60_000 });
    await expect(rows.filter({ hasText: name }).getByTestId("upload-progress")).toHaveAttribute("aria-valuenow", "100");
  }
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const seen: number[] = await page.evaluate(() => (window as any).progressSeen);
  expect(seen.some((p) => p > 0 && p < 100), `progress values seen: ${seen.join(", ")}`).toBe(true);

  // Both are attached; Instagram refuses the wide one and says why.
  const thumbs = page.getByTestId("media-thumb");
  await expect(thumbs).toHaveCount(2);
  const wideThumb = thumbs.filter({ hasText: wide });
  await expect(wideThumb.getByTestId("media-problem")).toHaveAttribute("data-platform", "instagram");
  await expect(wideThumb.getByTestId("media-problem")).toContainText("4:5 (portrait) to 1.91:1 (landscape); this one is 3:1");
  await expect(thumbs.filter({ hasText: portrait }).getByTestId("media-problem")).toHaveCount(0);
  const caption = `E2E media ${stamp}: the linen dress in a portrait shot.`;
  await page.getByLabel("Caption").fill(caption);
  await shots(page, "91-compose-media");
  await expectAccessible(page, "/compose (media)");

  // Scheduling with the wide photo is refused with Instagram's reason.
  const due = new Date(Math.ceil((Date.now() + 40_000) / 60_000) * 60_000);
  await page.getByLabel("When to publish").fill(wallClock(due));
  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page.locator("#field-media_urls-error")).toContainText(`${wide}: Instagram takes photos from 4:5`);
  await expect(page).toHaveURL(/\/compose/);

  // Without it, the portrait photo is scheduled.
  await page.getByRole("button", { name: `Remove ${wide}` }).click();
  await expect(thumbs).toHaveCount(1);
  await page.getByLabel("When to publish").fill(wallClock(due));
  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page).toHaveURL(/\/posts\?notice=scheduled/);

  // The scheduler publishes it to the sandbox once due, with the photo's public address.
  const auth = { Authorization: `Bearer ${await token(page, demo.email, demo.password)}` };
  const find = async () => {
    const res = await page.request.get(`/api/v1/posts?per_page=100&q=${encodeURIComponent(`E2E media ${stamp}`)}`, { headers: auth });
    const body = await res.json();
    return (body.items ?? []).find((p: any) => p.content === caption);
  };
  await expect.poll(async () => (await find())?.status, { timeout: due.getTime() - Date.now() + 60_000, intervals: [1_000] }).toBe("posted");
  const post = await find();
  expect(post.media_urls).toHaveLength(1);
  const mediaUrl: string = post.media_urls[0];
  expect(mediaUrl).toMatch(new RegExp(`^${baseURL}/media/m/[0-9a-f]{32}/[0-9a-f]{64}\\.jpg$`));
  // Public: a platform fetches it without a session.
  const fetched = await page.request.fetch(mediaUrl, { headers: { Cookie: "" } });
  expect(fetched.status()).toBe(200);
  expect(fetched.headers()["content-type"]).toBe("image/jpeg");
  expect(fetched.headers()["cache-control"]).toContain("immutable");
  // The engine's entry for the publication names the address the sandbox was given.
  const adminAuth = { Authorization: `Bearer ${await token(page, admin.email, admin.password)}` };
  const logs = await (await page.request.get(`/api/v1/admin/logs?per_page=100&q=Published`, { headers: adminAuth })).json();
  const entry = (logs.items ?? []).find((e: any) => e.post_id === post.id && e.message.startsWith("Published"));
  expect(entry, JSON.stringify(logs.items?.slice(0, 3))).toBeTruthy();
  expect(entry.data.media_urls).toEqual([mediaUrl]);
  expect(errors).toEqual([]);
});

test("the media page lists the uploads with their fit per platform, searches them, and refuses to delete one a scheduled post uses", async ({ page }) => {
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/media");
  await hydrated(page);
  await expect(page.getByTestId("storage-meter")).toContainText("of 10 GB used");
  const cards = page.getByTestId("media-card");
  await expect(cards.first()).toBeVisible();

  // A new wide photo, dropped here.
  const stamp = Date.now();
  const name = `library-wide-${stamp}.jpg`;
  await dropImages(page, '[data-testid="drop-zone"]', [{ name, width: 1500, height: 500 }]);
  await expect(page.getByTestId("upload-row").filter({ hasText: name }).getByTestId("upload-status")).toHaveText("Added to your library", { timeout: 30_000 });
  const card = cards.filter({ hasText: name });
  await expect(card).toBeVisible();
  await expect(card.getByTestId("media-problem")).toContainText("Instagram takes photos from 4:5");
  await expect(card).toContainText("1500 × 500 (3:1)");

  // Search by name (a GET form: the address keeps the search).
  await page.getByTestId("media-search").fill(`library-wide-${stamp}`);
  await page.getByTestId("media-search").press("Enter");
  await expect(page).toHaveURL(new RegExp(`/media\\?q=library-wide-${stamp}$`));
  await hydrated(page);
  await expect(cards).toHaveCount(1);
  await shots(page, "92-media-library");
  await expectAccessible(page, "/media");
  await page.evaluate(() => ((window as any).__searched = true));
  await page.getByTestId("media-search-clear").click();
  await expect(page).toHaveURL(/\/media$/);
  await hydrated(page);
  // A new document: the whole library again, the search box empty.
  expect(await page.evaluate(() => (window as any).__searched)).toBeUndefined();
  await expect(page.getByTestId("media-search")).toHaveValue("");
  await expect(cards.filter({ hasText: name })).toHaveCount(1);
  expect(await cards.count()).toBeGreaterThan(1);

  // Used by a scheduled Facebook post (made through the API), it cannot be deleted.
  const auth = { Authorization: `Bearer ${await token(page, demo.email, demo.password)}` };
  const item = (await (await page.request.get(`/api/v1/media?q=${encodeURIComponent(name)}`, { headers: auth })).json()).items[0];
  const accounts = await (await page.request.get("/api/v1/accounts", { headers: auth })).json();
  const facebook = (accounts.items ?? accounts).find((a: any) => a.platform === "facebook" && a.is_connected);
  const when = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const made = await page.request.post("/api/v1/posts", {
    headers: auth,
    data: { account_id: facebook.id, content: `E2E library ${stamp}`, media_urls: [item.url], scheduled_for: when },
  });
  expect(made.status()).toBe(201);
  const post = await made.json();
  await page.reload();
  await hydrated(page);
  await expect(card.getByTestId("media-usage")).toContainText("Used by 1 post (1 scheduled)");
  await card.locator("summary", { hasText: "Delete" }).click();
  await expect(card).toContainText(`Delete \u201c${name}\u201d?`);
  await shots(page, "93-media-delete-confirm");
  await card.getByRole("button", { name: "Delete file" }).click();
  await expect(page.getByTestId("form-error")).toContainText("is used by a scheduled post");
  await expect(card).toBeVisible();
  await shots(page, "94-media-delete-refused");

  // Once the post is gone, it can.
  expect((await page.request.delete(`/api/v1/posts/${post.id}`, { headers: auth })).status()).toBe(204);
  await page.reload();
  await hydrated(page);
  await expect(card.getByTestId("media-usage")).toContainText("Not used in a post yet");
  await card.locator("summary", { hasText: "Delete" }).click();
  await card.getByRole("button", { name: "Delete file" }).click();
  await expect(page.getByTestId("notice")).toContainText("File deleted");
  await expect(cards.filter({ hasText: name })).toHaveCount(0);
  // Gone from the store too: its address answers 404.
  expect((await page.request.get(item.url)).status()).toBe(404);
  expect(errors).toEqual([]);
});
