//! `/`: what PostPilot does for an e-commerce marketer, in the order a visitor asks: what is
//! it, can I trust it, what does it do, how do I start, what does it cost.

use leptos::prelude::*;

use super::pricing::PricingCards;
use super::{JsonLd, MarketingLayout, PageMeta, Section};
use crate::model::Platform;
use crate::nav::{Icon, BRAND};
use crate::plans::{limit_label, price_label, PlanTier};

/// The page's description, with the prices from the plan table.
fn page_description() -> String {
    format!(
        "Turn your products into scheduled Instagram, Facebook and TikTok posts with AI-written \
         captions, a content queue and a calendar. Published on time, exactly once. Free plan, \
         Pro {} a month.",
        price_label(PlanTier::Pro.limits().price_monthly_cents)
    )
}

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <PageMeta title="PostPilot · Social media scheduler for e-commerce brands" description=page_description() path="/" />
        <JsonLd />
        <MarketingLayout>
            <Hero />
            <StatsBar />
            <Features />
            <HowItWorks />
            <Section id="pricing" kicker="Pricing" title="Start free, grow when your store does" lead="No seats, no setup fee. Every plan has the calendar, the queue and exactly-once publishing." tinted=true>
                <div class="mx-auto mt-12 max-w-6xl">
                    <PricingCards />
                </div>
                <p class="mt-8 text-center">
                    <a href="/pricing" class="font-semibold text-brand hover:underline">"Compare every plan and read the FAQ →"</a>
                </p>
            </Section>
            <CallToAction />
        </MarketingLayout>
    }
}

#[component]
fn Hero() -> impl IntoView {
    let free = PlanTier::Free.limits();
    view! {
        <section class="overflow-hidden bg-gradient-to-b from-pink-50 via-white to-white px-4 pt-12 pb-16 sm:px-6 lg:pt-20 dark:from-zinc-900 dark:via-zinc-950 dark:to-zinc-950">
            <div class="mx-auto grid max-w-6xl items-center gap-12 lg:grid-cols-[1fr_1.1fr]">
                <div>
                    <p class="inline-flex rounded-full bg-white px-3 py-1 text-sm font-semibold text-brand shadow-sm ring-1 ring-pink-200 dark:bg-zinc-900 dark:ring-zinc-700">
                        "For e-commerce brands on Instagram, Facebook and TikTok"
                    </p>
                    <h1 class="mt-6 font-heading text-4xl font-extrabold tracking-tight text-balance sm:text-5xl lg:text-6xl">
                        "Your products, posted everywhere. On time. Once."
                    </h1>
                    <p class="mt-6 max-w-xl text-lg text-zinc-600 dark:text-zinc-300">
                        "PostPilot turns your product pages into captions, lines them up for your approval and publishes them at the hour your customers scroll. You plan the month in one calendar; it never posts twice."
                    </p>
                    <div class="mt-8 flex flex-wrap gap-3">
                        <a href="/register" data-testid="hero-start" class="rounded-xl bg-primary px-6 py-3 font-semibold text-white shadow-lg shadow-pink-200 hover:bg-accent dark:shadow-none">
                            "Start free"
                        </a>
                        <a href="/pricing" class="rounded-xl border border-zinc-300 bg-white px-6 py-3 font-semibold hover:border-primary hover:text-brand dark:border-zinc-700 dark:bg-zinc-900">
                            "See pricing"
                        </a>
                    </div>
                    <p class="mt-4 text-sm text-zinc-600 dark:text-zinc-400">
                        {format!(
                            "Free plan forever, no card needed: {} posts a month.",
                            limit_label(free.max_items)
                        )}
                    </p>
                </div>
                <CalendarPicture />
            </div>
        </section>
    }
}

/// Posts drawn on the hero's calendar: (weekday column, week row, platform, second line).
const PICTURE_POSTS: [(u8, u8, Platform, u8); 14] = [
    (0, 0, Platform::Instagram, 2),
    (2, 0, Platform::Facebook, 1),
    (4, 0, Platform::Tiktok, 2),
    (1, 1, Platform::Instagram, 1),
    (3, 1, Platform::Instagram, 2),
    (3, 1, Platform::Facebook, 0),
    (5, 1, Platform::Tiktok, 1),
    (0, 2, Platform::Facebook, 2),
    (2, 2, Platform::Tiktok, 1),
    (4, 2, Platform::Instagram, 2),
    (6, 2, Platform::Facebook, 1),
    (1, 3, Platform::Tiktok, 2),
    (3, 3, Platform::Instagram, 1),
    (5, 3, Platform::Instagram, 2),
];

fn platform_fill(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "fill-instagram",
        Platform::Facebook => "fill-facebook",
        Platform::Tiktok => "fill-tiktok dark:fill-zinc-500",
    }
}

/// The product picture: PostPilot's month calendar, drawn as SVG (no image request, sharp at
/// any size, in the page's light or dark colours).
#[component]
fn CalendarPicture() -> impl IntoView {
    const COL: f32 = 76.0;
    const ROW: f32 = 78.0;
    const LEFT: f32 = 24.0;
    const TOP: f32 = 96.0;
    let mut stacked = [[0u8; 7]; 4];
    let chips = PICTURE_POSTS
        .iter()
        .map(|&(day, week, platform, line)| {
            let slot = &mut stacked[week as usize][day as usize];
            let x = LEFT + f32::from(day) * COL + 6.0;
            let y = TOP + f32::from(week) * ROW + 26.0 + f32::from(*slot) * 22.0;
            *slot += 1;
            let fill = platform_fill(platform);
            let text_width = 28.0 + f32::from(line) * 10.0;
            view! {
                <g>
                    <rect x=x y=y width="64" height="18" rx="4" class=fill></rect>
                    <rect x=x + 6.0 y=y + 7.0 width=text_width height="4" rx="2" class="fill-white/80"></rect>
                </g>
            }
        })
        .collect_view();
    let days = (0..4u8)
        .flat_map(|week| (0..7u8).map(move |day| (week, day)))
        .map(|(week, day)| {
            let x = LEFT + f32::from(day) * COL;
            let y = TOP + f32::from(week) * ROW;
            let today = week == 1 && day == 3;
            view! {
                <rect x=x y=y width=COL height=ROW class="fill-none stroke-zinc-200 dark:stroke-zinc-700"></rect>
                {today.then(|| view! { <circle cx=x + 14.0 cy=y + 13.0 r="9" class="fill-primary"></circle> })}
                <text
                    x=x + 14.0
                    y=y + 17.0
                    text-anchor="middle"
                    class=if today { "fill-white text-[11px] font-semibold" } else { "fill-zinc-500 text-[11px] dark:fill-zinc-400" }
                >
                    {(week * 7 + day + 1).to_string()}
                </text>
            }
        })
        .collect_view();
    let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            view! {
                <text x=LEFT + i as f32 * COL + COL / 2.0 y="86" text-anchor="middle" class="fill-zinc-500 text-[11px] font-semibold dark:fill-zinc-400">{name}</text>
            }
        })
        .collect_view();
    view! {
        <div class="relative">
            <div class="absolute -inset-6 -z-0 rounded-[2rem] bg-gradient-to-tr from-pink-200/60 to-fuchsia-200/40 blur-2xl dark:from-pink-900/30 dark:to-fuchsia-900/20" aria-hidden="true"></div>
            <svg
                viewBox="0 0 580 430"
                width="580"
                height="430"
                role="img"
                aria-labelledby="hero-picture-title"
                class="relative h-auto w-full rounded-2xl bg-white shadow-2xl ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
            >
                <title id="hero-picture-title">
                    "PostPilot's calendar: a month of Instagram, Facebook and TikTok posts, coloured by platform"
                </title>
                <circle cx="28" cy="26" r="6" class="fill-red-400"></circle>
                <circle cx="48" cy="26" r="6" class="fill-amber-400"></circle>
                <circle cx="68" cy="26" r="6" class="fill-emerald-400"></circle>
                <text x="24" y="64" class="fill-zinc-900 font-heading text-[20px] font-bold dark:fill-white">"November"</text>
                <rect x="400" y="46" width="156" height="28" rx="8" class="fill-primary"></rect>
                <text x="478" y="65" text-anchor="middle" class="fill-white text-[13px] font-semibold">"+ New post"</text>
                {weekdays}
                {days}
                {chips}
            </svg>
        </div>
    }
}

#[component]
fn StatsBar() -> impl IntoView {
    let free = PlanTier::Free.limits();
    let pro = PlanTier::Pro.limits();
    let stats = [
        (
            Platform::ALL.len().to_string(),
            "platforms, one calendar".to_string(),
        ),
        (
            "1×".to_string(),
            "every post published exactly once".to_string(),
        ),
        (
            price_label(free.price_monthly_cents),
            format!(
                "to start, with {} posts a month",
                limit_label(free.max_items)
            ),
        ),
        (
            limit_label(pro.max_items),
            format!(
                "posts a month on Pro, {} a month",
                price_label(pro.price_monthly_cents)
            ),
        ),
    ];
    view! {
        <section aria-label="PostPilot in numbers" class="border-y border-zinc-200 bg-white px-4 py-10 sm:px-6 dark:border-zinc-800 dark:bg-zinc-950">
            <ul class="mx-auto grid max-w-6xl grid-cols-2 gap-8 text-center md:grid-cols-4">
                {stats.into_iter().map(|(figure, label)| view! {
                    <li>
                        <p class="font-heading text-3xl font-extrabold text-brand">{figure}</p>
                        <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{label}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

const FEATURES: [(Icon, &str, &str); 6] = [
    (
        Icon::Send,
        "Publishing that never double-posts",
        "Every due post is claimed by one publisher before it goes out, even with several servers running. Failures say why in plain words and wait for your retry.",
    ),
    (
        Icon::FileText,
        "Captions from your product data",
        "Import a product from its page or send your catalogue through the API: PostPilot writes a caption per platform, within its character and hashtag limits.",
    ),
    (
        Icon::ListOrdered,
        "A content queue you approve",
        "Generated captions wait for review. Approve or reject each one; nothing reaches your followers without a yes.",
    ),
    (
        Icon::Calendar,
        "A calendar in your time zone",
        "Drag posts between days and hours, plan for another market's zone, and see best times from your own engagement.",
    ),
    (
        Icon::BarChart3,
        "Analytics that follow the money",
        "Reach, likes, comments, shares and clicks per post and per platform, so you know which products your audience stops for.",
    ),
    (
        Icon::Key,
        "A REST API for your stack",
        "Create and schedule posts from your store or your scripts with API keys and a documented OpenAPI contract.",
    ),
];

#[component]
fn Features() -> impl IntoView {
    view! {
        <Section id="features" kicker="Features" title="Everything between a product page and a published post" lead="Built for shops that launch products every week and cannot babysit three apps to announce them.">
            <ul class="mx-auto mt-12 grid max-w-6xl gap-6 sm:grid-cols-2 lg:grid-cols-3">
                {FEATURES.into_iter().map(|(icon, title, text)| view! {
                    <li class="rounded-2xl border border-zinc-200 bg-white p-6 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
                        <span class="grid h-11 w-11 place-items-center rounded-xl bg-pink-50 text-brand dark:bg-pink-950/60">
                            <crate::components::icon::IconSvg icon />
                        </span>
                        <h3 class="mt-4 font-heading text-lg font-bold">{title}</h3>
                        <p class="mt-2 text-zinc-600 dark:text-zinc-400">{text}</p>
                    </li>
                }).collect_view()}
            </ul>
        </Section>
    }
}

const STEPS: [(&str, &str); 3] = [
    (
        "Connect your accounts",
        "Connect your Instagram business account, Facebook Page and TikTok. Their tokens are encrypted at rest and renewed before they expire.",
    ),
    (
        "Turn products into posts",
        "Import your products from their pages or your store. Captions and hashtags land in your queue, ready to approve.",
    ),
    (
        "Schedule and forget",
        "Drop approved posts on the calendar. PostPilot publishes each one on time, once, and tracks how it performs.",
    ),
];

#[component]
fn HowItWorks() -> impl IntoView {
    view! {
        <Section id="how-it-works" kicker="How it works" title="From catalogue to calendar in three steps" lead="No agency, no spreadsheet, no copying captions between three apps." tinted=true>
            <ol class="mx-auto mt-12 grid max-w-5xl gap-6 md:grid-cols-3">
                {STEPS.into_iter().enumerate().map(|(i, (title, text))| view! {
                    <li class="rounded-2xl bg-white p-6 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
                        <span class="grid h-10 w-10 place-items-center rounded-full bg-primary font-heading font-bold text-white" aria-hidden="true">
                            {(i + 1).to_string()}
                        </span>
                        <h3 class="mt-4 font-heading text-lg font-bold">{title}</h3>
                        <p class="mt-2 text-zinc-600 dark:text-zinc-400">{text}</p>
                    </li>
                }).collect_view()}
            </ol>
        </Section>
    }
}

#[component]
fn CallToAction() -> impl IntoView {
    view! {
        <section class="px-4 py-20 sm:px-6">
            <div class="mx-auto max-w-5xl rounded-3xl bg-gradient-to-br from-primary to-accent px-6 py-14 text-center text-white shadow-xl sm:px-12">
                <h2 class="font-heading text-3xl font-extrabold tracking-tight sm:text-4xl">"Your next launch, already scheduled"</h2>
                <p class="mx-auto mt-4 max-w-2xl text-lg text-pink-50">{BRAND.description}</p>
                <a href="/register" class="mt-8 inline-block rounded-xl bg-white px-6 py-3 font-semibold text-accent shadow-lg hover:bg-pink-50">
                    "Create your free account"
                </a>
            </div>
        </section>
    }
}
