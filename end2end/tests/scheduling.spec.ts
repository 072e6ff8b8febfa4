import { expect, test } from "@playwright/test";
import { addDays, demo, expectAccessible, hydrated, localDate, shots, signIn, watchErrors } from "./support";

// The scheduling pages (issue 9), as the demo marketer (Pro, three sandbox accounts, New
// York). Tests run one after another against one server: each makes the posts it checks.

test.describe.configure({ mode: "serial" });

function monthDay(ymd: string): string {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

test("compose for two accounts with a preview, see it on the calendar, drag it, find the new time on the posts page", async ({ page, baseURL }) => {
  // A long journey (compose, calendar, posts, editor) with accessibility checks on each page.
  test.setTimeout(90_000);
  const errors = watchErrors(page);
  await signIn(page);

  // Two or more days ahead, a day and the day we move to (in the same week) with room on the
  // month board: the other tests fill some days (at times that depend on when the suite
  // runs), and our posts must not land behind "+N more", where they cannot be dragged.
  const moveTo = (from: string) => {
    const weekday = new Date(`${from}T12:00:00Z`).getUTCDay();
    return weekday === 0 ? addDays(from, -1) : addDays(from, 1);
  };
  let day = addDays(localDate(new Date()), 2);
  for (let tries = 0; tries < 14; tries++) {
    await page.goto(`/calendar?date=${day}`);
    const chips = (date: string) => page.locator(`[data-testid="day"][data-date="${date}"] [data-post-id]`).count();
    if ((await chips(day)) <= 1 && (await chips(moveTo(day))) <= 2) break;
    day = addDays(day, 1);
  }
  const dest = moveTo(day);

  await page.goto("/compose");
  await hydrated(page);
  await page.getByLabel(/\(Instagram\)/).check();
  await page.getByLabel(/\(Facebook\)/).check();
  const caption = `E2E launch ${Date.now()}: the linen dress, now in three colours.`;
  await page.getByLabel("Caption").fill(caption);
  await page.getByLabel("Hashtags").fill("linen, summer #newin");
  await expect(page.getByTestId("hashtag-chips")).toContainText("#newin");
  await page.getByLabel("Media URLs").fill(`${baseURL}/favicon.svg`);
  await expect(page.getByTestId("media-state")).toHaveText("Loads");
  await expect(page.getByTestId("preview")).toHaveCount(2);
  await expect(page.locator('[data-testid="preview"][data-platform="instagram"]')).toContainText(caption);
  await expect(page.getByTestId("caption-counters")).toContainText("Instagram");

  // At 10:00 in New York.
  await page.getByLabel("When to publish").fill(`${day}T10:00`);
  await expect(page.getByTestId("utc-note")).toContainText("UTC");
  await shots(page, "30-compose");
  await expectAccessible(page, "/compose");

  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page).toHaveURL(/\/posts\?notice=scheduled&count=2/);
  await expect(page.getByTestId("notice")).toHaveText("2 posts scheduled.");

  await page.goto(`/calendar?date=${day}`);
  await hydrated(page);
  const cell = page.locator(`[data-testid="day"][data-date="${day}"]`);
  // The day may hold more than three posts: ours are then behind "+N more".
  const mine = cell.locator('[data-post-id]', { hasText: caption.slice(0, 20) });
  await expect(mine.first()).toBeVisible();
  await shots(page, "31-calendar-month");
  await expectAccessible(page, "/calendar (month)");

  const chip = mine.first();
  const postId = await chip.getAttribute("data-post-id");
  const target = page.locator(`[data-testid="day"][data-date="${dest}"]`);
  await chip.dragTo(target);
  await expect(target.locator(`[data-post-id="${postId}"]`)).toBeVisible();
  const moveMs = Number(await page.getByTestId("calendar").getAttribute("data-last-move-ms"));
  console.log(`drop → chip shown in its new day: ${moveMs} ms`);
  expect(moveMs).toBeLessThan(300);
  await expect(page.getByTestId("toast").first()).toContainText("Moved to");

  await page.goto(`/posts?q=${encodeURIComponent(caption.slice(0, 24))}`);
  await hydrated(page);
  await expect(page.getByTestId("post-row")).toHaveCount(2);
  // Newest first: both posts, one still on the first day and the moved one on its new day.
  const texts = await page.getByTestId("post-when").allInnerTexts();
  expect(texts.filter((t) => t.includes(`${monthDay(dest)}, `) && t.includes("10:00 AM"))).toHaveLength(1);
  expect(texts.filter((t) => t.includes(`${monthDay(day)}, `) && t.includes("10:00 AM"))).toHaveLength(1);
  await shots(page, "32-posts");
  await expectAccessible(page, "/posts");

  // The edit page of one of them: the composer again, filled in.
  await page.getByTestId("post-row").first().getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/posts\/[0-9a-f-]+\/edit$/);
  await hydrated(page);
  await expect(page.getByLabel("Caption")).toHaveValue(caption);
  await shots(page, "39-edit");
  await expectAccessible(page, "/posts/{id}/edit");
  expect(errors).toEqual([]);
});

test("an Instagram caption over 2,200 characters is refused at the field", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/compose");
  await hydrated(page);
  await page.getByLabel(/\(Instagram\)/).check();
  await page.getByLabel("Caption").fill("a".repeat(2201));
  await expect(page.locator('[data-testid="caption-counters"] [data-platform="instagram"]')).toContainText("1 too many");
  await page.getByLabel("Media URLs").fill("https://cdn.example.com/dress.jpg");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.locator("#field-content-error")).toHaveText(
    "Instagram captions are limited to 2200 characters (this one has 2201)",
  );
  await expect(page).toHaveURL(/\/compose/);
  await shots(page, "33-compose-too-long");
  expect(errors).toEqual([]);
});

test("a time skipped by daylight saving gets a clear message", async ({ page }) => {
  await signIn(page);
  await page.goto("/compose");
  await hydrated(page);
  await page.getByLabel(/\(Facebook\)/).check();
  await page.getByLabel("Caption").fill("Spring forward sale");
  // US clocks jump from 2:00 to 3:00 on March 14, 2027.
  await page.getByLabel("When to publish").fill("2027-03-14T02:30");
  await expect(page.getByTestId("time-problem")).toContainText(
    "2:30 AM on Sunday, March 14, 2027 does not exist in America/New_York: clocks jump from 2:00 AM to 3:00 AM",
  );
  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page.locator("#field-scheduled_for-error")).toContainText("does not exist in America/New_York");
  await shots(page, "34-compose-dst-gap");
});

test("a failed post shows its reason and can be retried", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/posts?status=failed");
  await hydrated(page);
  const row = page.getByTestId("post-row").first();
  await expect(row.getByTestId("failure-reason")).toContainText("could not be downloaded");
  await shots(page, "35-posts-failed");
  const before = await page.getByTestId("post-row").count();
  await row.getByRole("button", { name: "Retry" }).click();
  await expect(page.getByTestId("toast").first()).toContainText("Retrying");
  await expect(page.getByTestId("post-row")).toHaveCount(before - 1);
  expect(errors).toEqual([]);
});

test("a CSV import names the bad row and saves nothing until every row is good", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/posts");
  await hydrated(page);
  const day = addDays(localDate(new Date()), 5);
  const good = [
    `Demo Store,"CSV one: new arrivals, fresh in",sale new,,${day} 09:30`,
    `@demo.store,CSV two: linen season,linen,https://cdn.example.com/a.jpg,${day} 12:00`,
  ];
  const bad = `nobody-here,CSV three: who posts this?,,,${day} 15:00`;
  await page.getByTestId("import-panel").locator("summary").click();
  await page.getByLabel("…or paste its content").fill(["account,content,hashtags,media,time", good[0], bad, good[1]].join("\n"));
  await page.getByRole("button", { name: "Check rows" }).click();
  const preview = page.getByTestId("import-preview");
  await expect(preview).toContainText("1 of 3 rows have a problem");
  const badRow = preview.locator('[data-testid="import-row"][data-valid="false"]');
  await expect(badRow).toHaveCount(1);
  await expect(badRow.locator("td").first()).toHaveText("3");
  await expect(badRow).toContainText("nobody-here");
  await expect(page.getByRole("button", { name: /^Import/ })).toBeDisabled();
  await shots(page, "36-posts-import-preview");

  await page.getByLabel("…or paste its content").fill(["account,content,hashtags,media,time", ...good].join("\n"));
  await page.getByRole("button", { name: "Check rows" }).click();
  await expect(preview).toContainText("All 2 rows are ready");
  await page.getByRole("button", { name: "Import 2 posts" }).click();
  await expect(page.getByTestId("toast").first()).toContainText("2 posts imported");
  await page.goto("/posts?q=CSV");
  await expect(page.getByTestId("post-row")).toHaveCount(2);
  expect(errors).toEqual([]);
});

test("the post filters are a GET form the router follows without loading a document", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  await page.goto("/posts");
  await hydrated(page);
  // A mark on the window survives a navigation in the browser, not a document load.
  await page.evaluate(() => ((window as any).__samePage = true));
  await page.getByLabel("Search").fill("CSV");
  await page.getByLabel("Status", { exact: true }).selectOption("draft");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/\/posts\?q=CSV&status=draft&platform=&account=&sort=/);
  await expect(page.getByLabel("Search")).toHaveValue("CSV");
  expect(await page.evaluate(() => (window as any).__samePage)).toBe(true);
  expect(errors).toEqual([]);
});

test("switching the calendar's time zone moves the chips", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  const day = addDays(localDate(new Date()), 2);
  await page.goto(`/calendar?view=week&date=${day}`);
  await hydrated(page);
  // A post from Tuesday to Saturday: Tokyo's time (13 or 14 hours later) keeps it in the week.
  const firstDay = await page.locator('[data-hour]').first().getAttribute("data-date");
  const lastDay = await page.locator('[data-hour]').last().getAttribute("data-date");
  const candidates = page.locator(
    `[data-hour]:not([data-date="${lastDay}"]):not([data-date="${firstDay}"]) [data-post-id]`,
  );
  await expect(candidates.first()).toBeVisible();
  const id = await candidates.first().getAttribute("data-post-id");
  const slot = page.locator(`[data-hour]:has([data-post-id="${id}"])`);
  const before = `${await slot.getAttribute("data-date")} ${await slot.getAttribute("data-hour")}`;
  await shots(page, "37-calendar-week");
  await expectAccessible(page, "/calendar (week)");

  await page.getByLabel("Time zone").selectOption("Asia/Tokyo");
  await expect(page).toHaveURL(/tz=Asia%2FTokyo/);
  await expect(page.getByTestId("calendar")).toHaveAttribute("data-zone", "Asia/Tokyo");
  const moved = page.locator(`[data-hour]:has([data-post-id="${id}"])`);
  await expect(moved).toHaveCount(1);
  const after = `${await moved.getAttribute("data-date")} ${await moved.getAttribute("data-hour")}`;
  expect(after).not.toEqual(before);
  await expect(page.getByRole("status").filter({ hasText: "Showing times in Asia/Tokyo" })).toBeVisible();
  expect(errors).toEqual([]);
});

test("“Move to…” reschedules a chip without dragging", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page);
  // The first test left one of its posts two days ahead at 10:00.
  const day = addDays(localDate(new Date()), 2);
  await page.goto(`/calendar?view=week&date=${day}`);
  await hydrated(page);
  const chip = page.locator(`[data-hour][data-date="${day}"] [data-post-id][draggable="true"]`).first();
  await expect(chip).toBeVisible();
  const id = await chip.getAttribute("data-post-id");
  const hour = Number(await page.locator(`[data-hour]:has([data-post-id="${id}"])`).getAttribute("data-hour"));
  const newHour = hour === 20 ? 21 : 20;
  await chip.hover();
  await chip.getByRole("button", { name: "Move to…" }).click();
  const dialog = page.getByRole("dialog", { name: "Move to…" });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel(/New date and time/).fill(`${day}T${newHour}:00`);
  await dialog.getByRole("button", { name: "Move", exact: true }).click();
  const moved = page.locator(`[data-date="${day}"][data-hour="${newHour}"] [data-post-id="${id}"]`);
  await expect(moved).toBeVisible();
  await expect(page.getByTestId("toast").first()).toContainText("Moved to");
  // Saved, not only drawn: a fresh page shows it there too.
  await page.reload();
  await hydrated(page);
  await expect(moved).toBeVisible();

  // With the keyboard alone: the focus goes from the chip's button into the dialog and, once
  // the chip is redrawn in its new slot, back onto it.
  const back = hour;
  await moved.getByRole("button", { name: "Move to…" }).focus();
  await page.keyboard.press("Enter");
  await expect(dialog.getByLabel(/New date and time/)).toBeFocused();
  await dialog.getByLabel(/New date and time/).fill(`${day}T${String(back).padStart(2, "0")}:00`);
  await dialog.getByRole("button", { name: "Move", exact: true }).focus();
  await page.keyboard.press("Enter");
  const returned = page.locator(`[data-date="${day}"][data-hour="${back}"] [data-post-id="${id}"]`);
  await expect(returned).toBeVisible();
  await expect(returned.getByRole("button", { name: "Move to…" })).toBeFocused();
  expect(errors).toEqual([]);
});

test("a post behind “+N more” moves from the day's list", async ({ page, baseURL }) => {
  const errors = watchErrors(page);
  await signIn(page);
  // Four posts on one day: the month cell shows three and "+1 more" (or more, with others').
  const day = addDays(localDate(new Date()), 4);
  const caption = `E2E crowded day ${Date.now()}`;
  for (const time of ["09:00", "11:00"]) {
    await page.goto("/compose");
    await hydrated(page);
    await page.getByLabel(/\(Instagram\)/).check();
    await page.getByLabel(/\(Facebook\)/).check();
    await page.getByLabel("Caption").fill(`${caption} at ${time}`);
    await page.getByLabel("Media URLs").fill(`${baseURL}/favicon.svg`);
    await page.getByLabel("When to publish").fill(`${day}T${time}`);
    await page.getByRole("button", { name: "Schedule" }).click();
    await expect(page).toHaveURL(/\/posts\?notice=scheduled&count=2/);
  }

  await page.goto(`/calendar?date=${day}`);
  await hydrated(page);
  const cell = page.locator(`[data-testid="day"][data-date="${day}"]`);
  const onBoard = await cell.locator("[data-post-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-post-id")));
  expect(onBoard).toHaveLength(3);
  await cell.getByTestId("more").click();
  const list = page.getByTestId("day-list");
  await expect(list.locator("[data-post-id]").first()).toBeVisible();
  const listed = await list.locator('[data-post-id][data-status="scheduled"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-post-id")));
  const hiddenId = listed.find((id) => !onBoard.includes(id));
  expect(hiddenId).toBeTruthy();
  const hiddenChip = list.locator(`[data-post-id="${hiddenId}"]`);
  await expect(hiddenChip).toHaveAttribute("draggable", "false");
  const more = await cell.getByTestId("more").innerText();
  const hiddenCount = Number(more.match(/\+(\d+) more/)![1]);

  const dest = addDays(day, 1);
  await hiddenChip.hover();
  await hiddenChip.getByRole("button", { name: "Move to…" }).click();
  const dialog = page.getByRole("dialog", { name: "Move to…" });
  await dialog.getByLabel(/New date and time/).fill(`${dest}T15:00`);
  await dialog.getByRole("button", { name: "Move", exact: true }).click();
  await expect(page.getByTestId("toast").first()).toContainText("Moved to");
  // The day's list is read again: the post has left it. The keyboard focus stays in the
  // dialog, on its Close button (the board is behind the dialog).
  await expect(list.locator(`[data-post-id="${hiddenId}"]`)).toHaveCount(0);
  await expect(list).not.toContainText("Loading");
  await expect(list.locator("[data-post-id]").first()).toBeVisible();
  await expect(list.locator(`[data-post-id="${hiddenId}"]`)).toHaveCount(0);
  const close = page.getByRole("dialog").getByRole("button", { name: "Close" });
  await expect(close).toBeFocused();
  await close.click();
  // The day hides one post fewer.
  if (hiddenCount > 1) await expect(cell.getByTestId("more")).toHaveText(`+${hiddenCount - 1} more`);
  else await expect(cell.getByTestId("more")).toHaveCount(0);

  await page.goto(`/calendar?view=week&date=${dest}`);
  await hydrated(page);
  await expect(page.locator(`[data-date="${dest}"][data-hour="15"] [data-post-id="${hiddenId}"]`)).toBeVisible();
  expect(errors).toEqual([]);
});

test("without JavaScript the composer saves a draft and shows errors on the page", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Email").fill(demo.email);
  await page.getByLabel("Password").fill(demo.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto("/compose");
  await page.getByLabel(/\(Facebook\)/).check();
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.locator("#field-content-error")).toHaveText("Content is required");

  await page.getByLabel(/\(Facebook\)/).check();
  await page.getByLabel("Caption").fill("Written without JavaScript");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page).toHaveURL(/\/posts\?notice=drafted&count=1/);
  await expect(page.getByTestId("notice")).toHaveText("1 post saved as draft.");
  await shots(page, "38-compose-no-js-saved");
  await context.close();
});

test("a first visit to the calendar hydrates within the 400 KB budget, and what it transfers is printed", async ({ browser }) => {
  // Signing in happens in a context of its own; the visit gets its cookies and an empty cache.
  const signing = await browser.newContext();
  await signIn(await signing.newPage());
  const context = await browser.newContext();
  await context.addCookies(await signing.cookies());
  await signing.close();
  const page = await context.newPage();
  const errors = watchErrors(page);
  const wasm: string[] = [];
  page.on("request", (req) => {
    if (req.url().endsWith(".wasm")) wasm.push(new URL(req.url()).pathname);
  });
  await page.goto("/calendar");
  await hydrated(page);
  // Bytes on the wire as Chromium counts them: the document and every resource it fetched
  // until hydrated, each body as served (compressed by the server).
  const bytes = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
    return [nav, ...resources]
      .filter((e) => !e.name.includes("/fonts/"))
      .map((e) => ({ name: new URL(e.name).pathname, bytes: e.encodedBodySize }));
  });
  const total = bytes.reduce((sum, e) => sum + e.bytes, 0);
  for (const e of bytes) console.log(`  ${e.name}: ${(e.bytes / 1024).toFixed(1)} KB`);
  console.log(`first visit to /calendar (HTML + JS + wasm + CSS, fonts apart): ${(total / 1024).toFixed(1)} KB`);
  expect(wasm).toEqual(["/pkg/postpilot.wasm"]);
  // The budget (README): under 400 KB. `make bench-pages` measures it too, with a month of
  // 1,000 posts; this month has fewer, so the wasm is nearly all of it.
  expect(total).toBeLessThan(400 * 1024);
  // Hydration is done: the page works (the view tabs navigate in the browser).
  await page.getByRole("link", { name: "Week" }).click();
  await expect(page.getByTestId("calendar")).toHaveAttribute("data-view", "week");
  expect(errors).toEqual([]);
  await context.close();
});
