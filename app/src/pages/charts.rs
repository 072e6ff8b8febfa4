//! Charts drawn on the server as SVG (no script, dark mode through classes): each has a
//! `role="img"` name and description, and its numbers in a table under a disclosure, so it
//! reads without eyes and without JavaScript.

use leptos::prelude::*;

/// A round number at or above `value`: 1, 2 or 5 times a power of ten.
pub fn nice_ceiling(value: i64) -> i64 {
    if value <= 0 {
        return 1;
    }
    let mut step = 1_i64;
    while step.saturating_mul(10) <= value {
        step = step.saturating_mul(10);
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| step.saturating_mul(m))
        .find(|v| *v >= value)
        .unwrap_or(value)
}

/// "12.3k", "4.5M", "980".
pub fn compact(value: i64) -> String {
    let v = value as f64;
    // Where rounding to one decimal would write "1000.0k", it is "1.0M".
    match value.abs() {
        0..=9_999 => value.to_string(),
        10_000..=999_949 => format!("{:.1}k", v / 1_000.0),
        _ => format!("{:.1}M", v / 1_000_000.0),
    }
}

// Close to the drawn size of a half-width card, so 12px text stays about 12px.
const WIDTH: f64 = 420.0;
const HEIGHT: f64 = 190.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

/// One series over days: a line with its area, three grid lines and the first, middle and
/// last day named.
#[component]
pub fn LineChart(
    /// The chart's name ("Impressions per day"), also its heading.
    title: &'static str,
    id: &'static str,
    values: Vec<i64>,
    labels: Vec<String>,
    /// Stroke and fill colour classes.
    stroke: &'static str,
    fill: &'static str,
) -> impl IntoView {
    let max = nice_ceiling(values.iter().copied().max().unwrap_or(0));
    let n = values.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        } else {
            LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: i64| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - v as f64 / max as f64);
    let line: String = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{}{:.1},{:.1}", if i == 0 { "M" } else { "L" }, x(i), y(*v)))
        .collect();
    let area = format!(
        "{line}L{:.1},{:.1}L{:.1},{:.1}Z",
        x(values.len().saturating_sub(1)),
        y(0),
        x(0),
        y(0)
    );
    let total: i64 = values.iter().sum();
    let best = values
        .iter()
        .enumerate()
        .max_by_key(|(_, v)| **v)
        .map(|(i, v)| (labels.get(i).cloned().unwrap_or_default(), *v));
    let description = match best {
        Some((day, v)) if v > 0 => format!(
            "{} in all over {} days; the highest, {}, on {day}.",
            total,
            values.len(),
            v
        ),
        _ => format!("Nothing over these {} days yet.", values.len()),
    };
    let mut ticks = vec![0, max / 2, max];
    ticks.dedup();
    let named: Vec<usize> = {
        let mut v = vec![0, values.len() / 2, values.len().saturating_sub(1)];
        v.dedup();
        v
    };
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let (labelled_by, described_by) = (title_id.clone(), desc_id.clone());
    view! {
        <figure class="space-y-2" data-testid=id>
            <figcaption class="font-heading text-base font-semibold">{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") class="h-auto w-full" role="img"
                aria-labelledby=labelled_by aria-describedby=described_by>
                <title id=title_id>{title}</title>
                {ticks.iter().map(|t| view! {
                    <line x1=LEFT x2=WIDTH - RIGHT y1=y(*t) y2=y(*t) class="stroke-zinc-200 dark:stroke-zinc-800" stroke-width="1" />
                    <text x=LEFT - 6.0 y=y(*t) + 4.0 text-anchor="end" class="fill-zinc-600 text-[12px] dark:fill-zinc-400">{compact(*t)}</text>
                }).collect_view()}
                <path d=area class=fill stroke="none" />
                <path d=line class=stroke fill="none" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round" />
                {named.into_iter().map(|i| view! {
                    <text x=x(i) y=HEIGHT - 8.0 text-anchor=if i == 0 { "start" } else if i + 1 == n { "end" } else { "middle" }
                        class="fill-zinc-600 text-[12px] dark:fill-zinc-400">{labels.get(i).cloned().unwrap_or_default()}</text>
                }).collect_view()}
            </svg>
            <p id=desc_id class="text-sm text-zinc-600 dark:text-zinc-400">{description}</p>
            <details class="text-sm">
                <summary class="cursor-pointer font-medium text-brand">{format!("{title}: the numbers")}</summary>
                <div class="mt-2 max-h-64 overflow-y-auto">
                    <table class="w-full text-left">
                        <thead><tr><th scope="col" class="py-1">"Day"</th><th scope="col" class="py-1 text-right">{title}</th></tr></thead>
                        <tbody>
                            {values.iter().zip(labels.iter()).map(|(v, day)| view! {
                                <tr class="border-t border-zinc-100 dark:border-zinc-800"><td class="py-1">{day.clone()}</td><td class="py-1 text-right tabular-nums">{v.to_string()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

/// Horizontal bars, one per row (label, value, a note beside the value).
#[component]
pub fn BarChart(
    title: &'static str,
    id: &'static str,
    rows: Vec<(String, i64, String)>,
    /// A fill class per row (platform colours).
    fills: Vec<&'static str>,
) -> impl IntoView {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let row_height = 52.0;
    let height = (rows.len().max(1) as f64) * row_height + 8.0;
    let bar_left = 0.0;
    let bar_width = WIDTH - 8.0;
    let description = if rows.is_empty() {
        "No published posts in this range.".to_string()
    } else {
        rows.iter()
            .map(|(label, value, note)| format!("{label}: {value} ({note})"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <figure class="space-y-2" data-testid=id>
            <figcaption class="font-heading text-base font-semibold">{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {height}") class="h-auto w-full" role="img"
                aria-labelledby=labelled_by>
                <title id=title_id>{title}</title>
                <desc>{description}</desc>
                {rows.iter().enumerate().map(|(i, (label, value, note))| {
                    let top = 4.0 + i as f64 * row_height;
                    let width = (bar_width * *value as f64 / max as f64).max(2.0);
                    view! {
                        <text x="0" y=top + 14.0 class="fill-zinc-800 text-[13px] font-medium dark:fill-zinc-200">
                            {format!("{label}: {}", compact(*value))}
                            <tspan class="fill-zinc-600 font-normal dark:fill-zinc-400">{format!(" · {note}")}</tspan>
                        </text>
                        <rect x=bar_left y=top + 22.0 width=width height="18" rx="4" class=fills.get(i).copied().unwrap_or("fill-primary") />
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round_and_numbers_short() {
        assert_eq!(nice_ceiling(0), 1);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(130), 200);
        assert_eq!(nice_ceiling(420), 500);
        assert_eq!(nice_ceiling(1000), 1000);
        assert_eq!(compact(980), "980");
        assert_eq!(compact(12_345), "12.3k");
        assert_eq!(compact(4_500_000), "4.5M");
        assert_eq!(compact(999_950), "1.0M");
    }
}
