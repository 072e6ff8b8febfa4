//! `/pricing`: the plan cards, a comparison of every limit and an FAQ. Every figure comes from
//! the plan table (`plans`), the one billing enforces, so the page cannot promise what billing
//! would refuse.

use leptos::prelude::*;

use super::{JsonLd, MarketingLayout, PageMeta, Section};
use crate::model::{byte_size_label, Platform};
use crate::plans::{all_plans, limit_label, price_label, PlanLimits, PlanTier};

/// "Free for 10 posts a month, Pro at $29 and Enterprise at $99 a month."
fn page_description() -> String {
    let plans = all_plans();
    let paid = plans
        .iter()
        .filter(|plan| plan.price_monthly_cents > 0)
        .map(|plan| format!("{} at {}", plan.name, price_label(plan.price_monthly_cents)))
        .collect::<Vec<_>>()
        .join(" and ");
    let free = PlanTier::Free.limits();
    format!(
        "PostPilot plans: Free for {} posts a month, {paid} a month, with AI captions, a content \
         calendar and exactly-once publishing to Instagram, Facebook and TikTok.",
        limit_label(free.max_items)
    )
}

#[component]
pub fn PricingPage() -> impl IntoView {
    view! {
        <PageMeta title="Pricing · PostPilot social media scheduler" description=page_description() path="/pricing" />
        <JsonLd />
        <MarketingLayout>
            <section class="bg-gradient-to-b from-pink-50 to-white px-4 pt-16 pb-12 sm:px-6 dark:from-zinc-900 dark:to-zinc-950">
                <div class="mx-auto max-w-3xl text-center">
                    <p class="text-sm font-semibold tracking-wide text-brand uppercase">"Pricing"</p>
                    <h1 class="mt-2 font-heading text-4xl font-extrabold tracking-tight sm:text-5xl">
                        "Priced by posts and accounts, never by seats"
                    </h1>
                    <p class="mt-4 text-lg text-zinc-600 dark:text-zinc-400">
                        "Start on the Free plan. Move up when your catalogue and your channels grow: every plan has the calendar, the content queue and exactly-once publishing."
                    </p>
                </div>
                <div class="mx-auto mt-12 max-w-6xl">
                    <h2 class="sr-only">"Plans"</h2>
                    <PricingCards />
                </div>
            </section>
            <ComparisonTable />
            <Faq />
        </MarketingLayout>
    }
}

/// One card per plan, the middle one highlighted.
#[component]
pub fn PricingCards() -> impl IntoView {
    view! {
        <ul class="grid gap-6 md:grid-cols-3" data-testid="pricing-cards">
            {all_plans().into_iter().map(|plan| view! { <PlanCard plan /> }).collect_view()}
        </ul>
    }
}

#[component]
fn PlanCard(plan: PlanLimits) -> impl IntoView {
    let featured = plan.tier == PlanTier::Pro;
    let card = if featured {
        "relative flex flex-col rounded-2xl border-2 border-primary bg-white p-6 shadow-xl shadow-pink-200/60 dark:bg-zinc-900 dark:shadow-none"
    } else {
        "relative flex flex-col rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900"
    };
    let cta_class = if featured {
        "mt-8 block rounded-xl bg-primary px-4 py-3 text-center font-semibold text-white hover:bg-accent"
    } else {
        "mt-8 block rounded-xl border border-zinc-300 px-4 py-3 text-center font-semibold hover:border-primary hover:text-brand dark:border-zinc-700"
    };
    // Everyone starts on Free; a paid plan is chosen from the account once signed up.
    let cta = if plan.price_monthly_cents == 0 {
        "Start free"
    } else {
        "Get started"
    };
    view! {
        <li class=card data-plan=plan.tier.as_str()>
            {featured.then(|| view! {
                <p class="absolute -top-3 left-6 rounded-full bg-primary px-3 py-0.5 text-xs font-semibold text-white">"Most popular"</p>
            })}
            <h3 class="font-heading text-xl font-bold">{plan.name}</h3>
            <p class="mt-4 flex items-baseline gap-1">
                <span class="font-heading text-5xl font-extrabold tracking-tight" data-testid="plan-price">{price_label(plan.price_monthly_cents)}</span>
                <span class="text-sm text-zinc-600 dark:text-zinc-400">"/ month"</span>
            </p>
            <ul class="mt-6 flex-1 space-y-3 text-sm">
                {plan.features.iter().map(|feature| view! {
                    <li class="flex gap-2">
                        <svg class="mt-0.5 h-4 w-4 shrink-0 text-brand" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
                            <path d="M20 6 9 17l-5-5"></path>
                        </svg>
                        <span>{*feature}</span>
                    </li>
                }).collect_view()}
            </ul>
            <a href="/register" class=cta_class>{cta}</a>
        </li>
    }
}

/// The rows of the comparison, each read from the plan table.
fn comparison_rows() -> Vec<(&'static str, Vec<String>)> {
    let plans = all_plans();
    let row = |label: &'static str, cell: &dyn Fn(&PlanLimits) -> String| {
        (label, plans.iter().map(cell).collect::<Vec<_>>())
    };
    let yes_no = |yes: bool| if yes { "Included" } else { "—" }.to_string();
    let platforms = Platform::ALL
        .iter()
        .map(|platform| platform.label())
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        row("Price per month", &|p| price_label(p.price_monthly_cents)),
        row("Posts per month", &|p| limit_label(p.max_items)),
        row("Connected social accounts", &|p| {
            limit_label(p.max_secondary)
        }),
        row("AI captions per month", &|p| limit_label(p.ai_captions)),
        row("Media library storage", &|p| {
            byte_size_label(p.storage_bytes)
        }),
        row("Platforms", &|_| platforms.clone()),
        row("Calendar, content queue and CSV import", &|_| {
            "Included".into()
        }),
        row("REST API and API keys", &|p| yes_no(p.api_access)),
        row("API requests per minute", &|p| {
            if p.api_access {
                limit_label(i64::from(p.api_requests_per_minute))
            } else {
                "—".into()
            }
        }),
    ]
}

#[component]
fn ComparisonTable() -> impl IntoView {
    let plans = all_plans();
    view! {
        <Section id="compare" kicker="Compare" title="Every limit, side by side" lead="The same table the billing system enforces, so what you read here is what you get.">
            // On phones the table scrolls sideways: the region takes focus so keys scroll it too.
            <div
                class="mx-auto mt-10 max-w-5xl overflow-x-auto rounded-2xl border border-zinc-200 dark:border-zinc-800"
                role="region"
                aria-label="Plan comparison"
                tabindex="0"
            >
                <table class="w-full min-w-[36rem] text-left text-sm" data-testid="plan-comparison">
                    <thead class="bg-zinc-50 dark:bg-zinc-900">
                        <tr>
                            <th scope="col" class="px-4 py-3 font-semibold">"Plan"</th>
                            {plans.iter().map(|plan| view! {
                                <th scope="col" class="px-4 py-3 font-heading text-base font-bold">{plan.name}</th>
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-zinc-200 dark:divide-zinc-800">
                        {comparison_rows().into_iter().map(|(label, cells)| view! {
                            <tr>
                                <th scope="row" class="px-4 py-3 font-medium text-zinc-700 dark:text-zinc-300">{label}</th>
                                {cells.into_iter().map(|cell| view! { <td class="px-4 py-3">{cell}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </Section>
    }
}

/// "1 social account", "10 social accounts", "unlimited social accounts".
fn counted(limit: i64, one: &str, many: &str) -> String {
    match limit {
        1 => format!("1 {one}"),
        n => format!("{} {many}", limit_label(n).to_lowercase()),
    }
}

/// Questions and answers; the figures in them come from the plan table.
fn faq_entries() -> Vec<(&'static str, String)> {
    let free = PlanTier::Free.limits();
    let plans = all_plans();
    let caption_limits = Platform::ALL
        .iter()
        .map(|platform| {
            format!(
                "{} {}",
                platform.label(),
                limit_label(platform.rules().max_content_chars as i64)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let api_plans = plans
        .iter()
        .filter(|plan| plan.api_access)
        .map(|plan| {
            format!(
                "{} ({} requests a minute)",
                plan.name,
                limit_label(i64::from(plan.api_requests_per_minute))
            )
        })
        .collect::<Vec<_>>()
        .join(" and ");
    vec![
        (
            "Can I use PostPilot for free?",
            format!(
                "Yes. The Free plan costs nothing, needs no card and never expires: {} on {}, with {}.",
                counted(free.max_items, "post a month", "posts a month"),
                counted(free.max_secondary, "social account", "social accounts"),
                counted(free.ai_captions, "AI caption", "AI captions"),
            ),
        ),
        (
            "What counts as a post?",
            "One post on one account. A caption scheduled for Instagram and Facebook at once is two posts. The count restarts on the first of each month (UTC).".into(),
        ),
        (
            "Where do my photos and videos live?",
            format!(
                "In your media library: upload them in the composer or on the Media page and each file is checked against every platform's rules (Instagram's photo shapes, TikTok's video lengths) before you schedule it. Free keeps {} of media, Pro {} and Enterprise {}.",
                byte_size_label(free.storage_bytes),
                byte_size_label(PlanTier::Pro.limits().storage_bytes),
                byte_size_label(PlanTier::Enterprise.limits().storage_bytes),
            ),
        ),
        (
            "What happens when I reach my plan's limit?",
            "New posts are refused with a message that says which limit you reached. Nothing already scheduled is cancelled: it publishes on time.".into(),
        ),
        (
            "Which platforms can I publish to?",
            format!(
                "Instagram business accounts, Facebook Pages and TikTok. The composer checks each caption against its platform's limit as you type ({caption_limits} characters) and shows how the post will look."
            ),
        ),
        (
            "Can a post go out twice?",
            "No. Each due post is claimed by exactly one publisher before it is sent, even when several PostPilot servers run side by side. If a platform's answer is lost mid-publish, PostPilot never re-sends on its own: it asks you to check the profile first.".into(),
        ),
        (
            "Is there an API?",
            format!(
                "{api_plans} include the REST API with API keys, documented with OpenAPI so you can generate a client in your language."
            ),
        ),
    ]
}

#[component]
fn Faq() -> impl IntoView {
    view! {
        <Section id="faq" kicker="FAQ" title="Questions marketers ask us" lead="Short answers. The long ones are in the API documentation." tinted=true>
            <div class="mx-auto mt-10 max-w-3xl space-y-3">
                {faq_entries().into_iter().map(|(question, answer)| view! {
                    <details class="group rounded-xl border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
                        <summary class="flex cursor-pointer list-none items-center justify-between gap-4 px-5 py-4 font-semibold">
                            {question}
                            <span class="text-xl text-brand transition group-open:rotate-45" aria-hidden="true">"+"</span>
                        </summary>
                        <p class="px-5 pb-5 text-zinc-600 dark:text-zinc-400">{answer}</p>
                    </details>
                }).collect_view()}
            </div>
        </Section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comparison_has_a_cell_per_plan_and_reads_the_plan_table() {
        let rows = comparison_rows();
        assert!(rows
            .iter()
            .all(|(_, cells)| cells.len() == PlanTier::ALL.len()));
        let cells = |label: &str| rows.iter().find(|(l, _)| *l == label).unwrap().1.clone();
        assert_eq!(cells("Price per month"), ["$0", "$29", "$99"]);
        assert_eq!(cells("Posts per month"), ["10", "200", "Unlimited"]);
        assert_eq!(cells("Connected social accounts"), ["1", "10", "Unlimited"]);
        assert_eq!(
            cells("REST API and API keys"),
            ["—", "Included", "Included"]
        );
        assert_eq!(cells("API requests per minute"), ["—", "600", "3,000"]);
        assert_eq!(
            cells("Media library storage"),
            ["500 MB", "10 GB", "100 GB"]
        );
    }

    #[test]
    fn the_faq_quotes_the_plan_table() {
        let answers = faq_entries();
        assert!(answers[0]
            .1
            .contains("10 posts a month on 1 social account, with 5 AI captions"));
        assert!(answers[2]
            .1
            .contains("Free keeps 500 MB of media, Pro 10 GB and Enterprise 100 GB"));
        assert!(answers[4].1.contains("Instagram 2,200"));
        assert!(answers[6]
            .1
            .starts_with("Pro (600 requests a minute) and Enterprise (3,000 requests a minute)"));
        assert!(page_description().contains("Pro at $29 and Enterprise at $99 a month"));
    }
}
