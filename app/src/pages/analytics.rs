//! The analytics page (`/analytics`): a range (7, 30, 90 days or custom) and a platform in the
//! URL; totals beside the previous period; impressions and engagement per day, per platform,
//! and the engagement rate by weekday and hour (what "best times" learn from); the top posts;
//! the range as CSV. Rendered on the server only (see `server_rendered`), charts included.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::charts::{compact, BarChart, LineChart};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{Card, PageHeader, PlatformBadge};
use crate::components::feedback::ErrorPanel;
use crate::components::forms::CONTROL_CLASS;
use crate::components::shell::DashboardShell;
use crate::fns::analytics::{load_analytics, AnalyticsPage as Data, AnalyticsQuery, PRESETS};
use crate::model::{HeatCell, Platform};

#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let query = StoredValue::new(use_query_map().with_untracked(|q| AnalyticsQuery {
        range: q.get("range"),
        start: q.get("start"),
        end: q.get("end"),
        platform: q.get("platform"),
    }));
    view! {
        <Title text=crate::nav::page_title("/analytics") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {
                        let query = query.get_value();
                        Suspend::new(async move {
                            match load_analytics(query).await {
                                Ok(data) => view! { <Analytics data /> }.into_any(),
                                Err(error) => view! {
                                    <PageHeader title="Analytics" />
                                    <ErrorPanel error />
                                    <p class="mt-4"><a href="/analytics" rel="external" class="font-semibold text-brand hover:underline">"Show the last 30 days"</a></p>
                                }.into_any(),
                            }
                        })
                    }
                </Suspense>
            </ServerBody>
        </DashboardShell>
    }
}

#[component]
fn Analytics(data: Data) -> impl IntoView {
    let Data {
        start,
        end,
        preset,
        platform,
        range_label,
        days,
        report,
        day_labels,
        top_posts_when,
        export_href,
    } = data;
    let platform_param = platform
        .map(|p| format!("&platform={}", p.as_str()))
        .unwrap_or_default();
    let (current, previous) = (report.current.clone(), report.previous.clone());
    let versus = format!("vs the {days} days before");
    let has_posts = current.posts > 0;
    let impressions: Vec<i64> = report.daily.iter().map(|d| d.impressions).collect();
    let engagement: Vec<i64> = report.daily.iter().map(|d| d.engagement).collect();
    let platform_rows: Vec<(String, i64, String)> = report
        .by_platform
        .iter()
        .map(|p| {
            let posts = if p.posts == 1 {
                "1 post".to_string()
            } else {
                format!("{} posts", p.posts)
            };
            let note = format!("{:.2} % engagement, {posts}", p.engagement_rate);
            (p.platform.label().to_string(), p.totals.impressions, note)
        })
        .collect();
    let platform_fills: Vec<&'static str> = report
        .by_platform
        .iter()
        .map(|p| platform_fill(p.platform))
        .collect();
    let heat = report.heatmap.clone();
    let top_posts = report.top_posts.clone();
    let engagement_labels = day_labels.clone();
    view! {
        <PageHeader title="Analytics" subtitle=format!("{range_label} · posts published in this range")>
            <a href=export_href class=button_class(Variant::Secondary, Size::Medium) download="" data-testid="export-csv">"Export CSV"</a>
        </PageHeader>
        <form method="get" action="/analytics" role="search" aria-label="Analytics range"
            class="mb-6 flex flex-col gap-3 rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm lg:flex-row lg:items-end dark:border-zinc-800 dark:bg-zinc-900">
            <nav aria-label="Presets" class="inline-flex rounded-lg border border-zinc-300 p-0.5 dark:border-zinc-700">
                {PRESETS.iter().map(|d| {
                    let active = preset == Some(*d);
                    view! {
                        <a href=format!("/analytics?range={d}{platform_param}") rel="external" aria-current=active.then_some("page")
                            class=if active { "rounded-md bg-primary px-3 py-1.5 text-sm font-semibold text-white" } else { "rounded-md px-3 py-1.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800" }>
                            {format!("{d} days")}
                        </a>
                    }
                }).collect_view()}
            </nav>
            <div class="grid flex-1 gap-3 sm:grid-cols-3">
                <div>
                    <label for="range-start" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"From"</label>
                    <input id="range-start" type="date" name="start" value=start class=CONTROL_CLASS />
                </div>
                <div>
                    <label for="range-end" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"To"</label>
                    <input id="range-end" type="date" name="end" value=end class=CONTROL_CLASS />
                </div>
                <div>
                    <label for="range-platform" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"Platform"</label>
                    <select id="range-platform" name="platform" class=CONTROL_CLASS>
                        <option value="">"All platforms"</option>
                        {Platform::ALL.iter().map(|p| view! { <option value=p.as_str() selected=platform == Some(*p)>{p.label()}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Show"</button>
        </form>
        <section aria-label="Totals" class="mb-6 grid grid-cols-2 gap-2 sm:gap-4 xl:grid-cols-4">
            <Total label="Posts published" testid="total-posts" value=current.posts.to_string() change=change(current.posts as f64, previous.posts as f64) versus=versus.clone() />
            <Total label="Impressions" testid="total-impressions" value=compact(current.impressions) change=change(current.impressions as f64, previous.impressions as f64) versus=versus.clone() />
            <Total label="Engagement" testid="total-engagement" value=compact(current.engagement) change=change(current.engagement as f64, previous.engagement as f64) versus=versus.clone() />
            <Total label="Avg. engagement rate" testid="total-rate" value=format!("{:.2} %", current.avg_engagement_rate) change=change(current.avg_engagement_rate, previous.avg_engagement_rate) versus=versus.clone() />
        </section>
        {(!has_posts).then(|| view! {
            <p data-testid="empty-state" class="mb-6 rounded-2xl border border-dashed border-zinc-300 bg-white px-6 py-8 text-center text-sm text-zinc-600 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-400">
                "No posts were published in this range. Metrics appear here once published posts are measured (every few minutes)."
            </p>
        })}
        <div class="grid gap-6 xl:grid-cols-2">
            <Card>
                <LineChart title="Impressions per day" id="chart-impressions"
                    values=impressions labels=day_labels
                    stroke="stroke-primary" fill="fill-primary/10" />
            </Card>
            <Card>
                <LineChart title="Engagement per day" id="chart-engagement"
                    values=engagement labels=engagement_labels
                    stroke="stroke-sky-600 dark:stroke-sky-400" fill="fill-sky-500/10" />
            </Card>
            <Card>
                <BarChart title="Impressions by platform" id="chart-platforms"
                    rows=platform_rows fills=platform_fills />
            </Card>
            <Card>
                <Heatmap cells=heat />
            </Card>
        </div>
        <section aria-labelledby="top-heading" class="mt-6">
            <h2 id="top-heading" class="mb-3 font-heading text-lg font-semibold">"Top posts"</h2>
            {if top_posts.is_empty() {
                view! { <p class="text-sm text-zinc-600 dark:text-zinc-400">"No measured posts in this range yet."</p> }.into_any()
            } else {
                view! {
                    <div class="overflow-x-auto rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
                        <table class="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800" data-testid="top-posts">
                            <thead class="bg-zinc-50 text-left text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
                                <tr>
                                    <th scope="col" class="px-4 py-3">"Post"</th>
                                    <th scope="col" class="px-4 py-3">"Published"</th>
                                    <th scope="col" class="px-4 py-3 text-right">"Impressions"</th>
                                    <th scope="col" class="px-4 py-3 text-right">"Engagement"</th>
                                    <th scope="col" class="px-4 py-3 text-right">"Rate"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">
                                {top_posts.iter().zip(top_posts_when).map(|(post, when)| view! {
                                    <tr data-testid="top-post">
                                        <td class="max-w-md px-4 py-3">
                                            <div class="flex items-start gap-2">
                                                <PlatformBadge platform=post.platform />
                                                <a href=format!("/posts/{}/edit", post.id) class="line-clamp-2 hover:text-brand hover:underline">{post.excerpt.clone()}</a>
                                            </div>
                                        </td>
                                        <td class="whitespace-nowrap px-4 py-3 text-zinc-600 dark:text-zinc-400">{when}</td>
                                        <td class="px-4 py-3 text-right tabular-nums">{post.impressions.to_string()}</td>
                                        <td class="px-4 py-3 text-right tabular-nums">{post.engagement.to_string()}</td>
                                        <td class="whitespace-nowrap px-4 py-3 text-right tabular-nums">{format!("{:.2} %", post.rate)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

fn platform_fill(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "fill-instagram",
        Platform::Facebook => "fill-facebook",
        Platform::Tiktok => "fill-tiktok dark:fill-zinc-300",
    }
}

/// The change from `previous` to `current`, as a label and whether it went up.
fn change(current: f64, previous: f64) -> Option<(String, bool)> {
    if previous == 0.0 {
        return (current > 0.0).then(|| ("new".to_string(), true));
    }
    let percent = (current - previous) / previous * 100.0;
    Some((
        format!(
            "{}{:.0} %",
            if percent >= 0.0 { "+" } else { "−" },
            percent.abs()
        ),
        percent >= 0.0,
    ))
}

#[component]
fn Total(
    label: &'static str,
    testid: &'static str,
    value: String,
    change: Option<(String, bool)>,
    versus: String,
) -> impl IntoView {
    view! {
        <div class="rounded-2xl border border-zinc-200 bg-white p-3 shadow-sm sm:p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <p class="text-xs font-medium text-zinc-600 sm:text-sm dark:text-zinc-400">{label}</p>
            <p class="mt-2 font-heading text-2xl font-bold tabular-nums sm:text-3xl" data-testid=testid>{value}</p>
            <p class="mt-1 text-xs text-zinc-600 dark:text-zinc-400" data-testid="change">
                {match change {
                    Some((text, up)) => view! {
                        <span class=if up { "font-semibold text-emerald-700 dark:text-emerald-400" } else { "font-semibold text-red-700 dark:text-red-400" }>{text}</span>
                        " " {versus}
                    }.into_any(),
                    None => view! { <span>{format!("no change {versus}")}</span> }.into_any(),
                }}
            </p>
        </div>
    }
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Engagement rate by weekday and hour: a table whose cells are shaded by rate.
#[component]
fn Heatmap(cells: Vec<HeatCell>) -> impl IntoView {
    let best = cells.iter().map(|c| c.rate).fold(0.0_f64, f64::max);
    let top = cells
        .iter()
        .filter(|c| c.rate > 0.0)
        .max_by(|a, b| a.rate.total_cmp(&b.rate))
        .map(|c| {
            format!(
                "The best slot so far: {} at {}:00, {:.2} %.",
                WEEKDAYS[c.weekday as usize % 7],
                c.hour,
                c.rate
            )
        });
    view! {
        <figure class="space-y-2" data-testid="heatmap">
            <figcaption class="font-heading text-base font-semibold">"Engagement rate by weekday and hour"</figcaption>
            <p class="text-sm text-zinc-600 dark:text-zinc-400">
                {top.unwrap_or_else(|| "No engagement measured yet: the best times fill in as posts are measured.".to_string())}
            </p>
            <div class="overflow-x-auto">
                <table class="border-separate border-spacing-0.5 text-[10px]">
                    <caption class="sr-only">"Average engagement rate of the posts published in each hour, by weekday"</caption>
                    <thead>
                        <tr>
                            <td></td>
                            {(0..24).map(|h| view! { <th scope="col" class="w-5 font-normal text-zinc-600 dark:text-zinc-400">{if h % 3 == 0 { h.to_string() } else { String::new() }}<span class="sr-only">{if h % 3 == 0 { String::new() } else { h.to_string() }}":00"</span></th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {(0..7u32).map(|day| view! {
                            <tr>
                                <th scope="row" class="pr-2 text-left font-medium text-zinc-700 dark:text-zinc-300">{WEEKDAYS[day as usize]}</th>
                                {(0..24u32).map(|hour| {
                                    let cell = cells.iter().find(|c| c.weekday == day && c.hour == hour);
                                    let (shade, text) = match cell {
                                        Some(c) => (
                                            format!("background-color: color-mix(in oklab, var(--color-primary) {:.0}%, transparent)", 30.0 + 70.0 * c.rate / best.max(0.01)),
                                            format!("{:.2} %, {} post{}", c.rate, c.posts, if c.posts == 1 { "" } else { "s" }),
                                        ),
                                        None => (String::new(), "no posts".to_string()),
                                    };
                                    let tip = text.clone();
                                    view! {
                                        <td class="h-5 w-5 rounded-sm bg-zinc-100 dark:bg-zinc-800" style=shade title=tip>
                                            <span class="sr-only">{text}</span>
                                        </td>
                                    }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <p class="flex items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400" aria-hidden="true">
                "Lower"
                <span class="inline-block h-3 w-3 rounded-sm" style="background-color: color-mix(in oklab, var(--color-primary) 30%, transparent)"></span>
                <span class="inline-block h-3 w-3 rounded-sm" style="background-color: color-mix(in oklab, var(--color-primary) 65%, transparent)"></span>
                <span class="inline-block h-3 w-3 rounded-sm bg-primary"></span>
                "Higher engagement rate · empty: no posts"
            </p>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::change;

    #[test]
    fn changes_against_the_previous_period() {
        assert_eq!(change(150.0, 100.0), Some(("+50 %".to_string(), true)));
        assert_eq!(change(50.0, 100.0), Some(("−50 %".to_string(), false)));
        assert_eq!(change(5.0, 0.0), Some(("new".to_string(), true)));
        assert_eq!(change(0.0, 0.0), None);
    }
}
