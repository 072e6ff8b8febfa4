//! The public marketing pages (`/`, `/pricing`) and what they share: the layout with its
//! navbar and footer, the search and sharing tags, and the plan figures as visitors read them.
//! These pages ship no wasm: the shell leaves the hydration scripts out for them and this
//! module is compiled for the server only. Everything here works as HTML and CSS, the mobile
//! menu and the FAQ with `<details>`.

pub mod landing;
pub mod pricing;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

use crate::components::icon::IconSvg;
use crate::nav::{Icon, BRAND};
use crate::plans::{all_plans, decimal_price};
use crate::server::AppState;
use crate::site_files::SHARING_IMAGE;

/// The absolute URL of a path on this site (`server.public_url`), for canonical and sharing
/// tags.
fn site_url(path: &str) -> String {
    match use_context::<AppState>() {
        Some(state) => {
            let base = state.settings.server.public_url.trim_end_matches('/');
            format!("{base}{path}")
        }
        None => path.to_string(),
    }
}

/// The URL of a file of the built site, content-hashed when the server has loaded it.
fn asset_url(path: &str) -> String {
    match use_context::<AppState>() {
        Some(state) => state.site_assets.url(path),
        None => format!("/{path}"),
    }
}

/// Whether the visitor is signed in (the navbar then offers the dashboard).
fn signed_in() -> bool {
    crate::server::auth::session::session_user().is_some()
}

/// Title, description, canonical URL and the OpenGraph / Twitter card of a marketing page.
#[component]
fn PageMeta(title: &'static str, description: String, path: &'static str) -> impl IntoView {
    let url = site_url(path);
    let image = site_url(&asset_url(SHARING_IMAGE));
    view! {
        <Title text=title />
        <Meta name="description" content=description.clone() />
        <Link rel="canonical" href=url.clone() />
        <Meta property="og:type" content="website" />
        <Meta property="og:site_name" content=BRAND.name />
        <Meta property="og:title" content=title />
        <Meta property="og:description" content=description.clone() />
        <Meta property="og:url" content=url />
        <Meta property="og:image" content=image.clone() />
        <Meta property="og:image:width" content="1200" />
        <Meta property="og:image:height" content="630" />
        <Meta property="og:image:alt" content=SHARING_IMAGE_ALT />
        <Meta name="twitter:card" content="summary_large_image" />
        <Meta name="twitter:title" content=title />
        <Meta name="twitter:description" content=description />
        <Meta name="twitter:image" content=image />
        <Meta name="twitter:image:alt" content=SHARING_IMAGE_ALT />
    }
}

const SHARING_IMAGE_ALT: &str =
    "PostPilot: a content calendar of Instagram, Facebook and TikTok posts";

/// Schema.org data for search results: the product and its offers, from the plan table.
fn software_application_json_ld() -> String {
    let offers: Vec<serde_json::Value> = all_plans()
        .iter()
        .map(|plan| {
            serde_json::json!({
                "@type": "Offer",
                "name": plan.name,
                "price": decimal_price(plan.price_monthly_cents),
                "priceCurrency": "USD",
                // A monthly price, not a one-time one.
                "priceSpecification": {
                    "@type": "UnitPriceSpecification",
                    "price": decimal_price(plan.price_monthly_cents),
                    "priceCurrency": "USD",
                    "referenceQuantity": {"@type": "QuantitativeValue", "value": 1, "unitCode": "MON"},
                },
                "url": site_url("/pricing"),
            })
        })
        .collect();
    let data = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "SoftwareApplication",
        "name": BRAND.name,
        "description": BRAND.description,
        "url": site_url("/"),
        "applicationCategory": "BusinessApplication",
        "operatingSystem": "Web",
        "offers": offers,
    });
    // Inside <script>, "</" would end the element early: JSON may spell "<" as \u003c.
    data.to_string().replace('<', "\\u003c")
}

#[component]
fn JsonLd() -> impl IntoView {
    view! { <script type="application/ld+json" inner_html=software_application_json_ld()></script> }
}

const NAV_LINKS: [(&str, &str); 4] = [
    ("Features", "/#features"),
    ("How it works", "/#how-it-works"),
    ("Pricing", "/pricing"),
    ("API", "/docs"),
];

/// The page frame: navbar, the page, footer.
#[component]
fn MarketingLayout(children: Children) -> impl IntoView {
    view! {
        <div class="min-h-screen bg-white text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
            <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded-lg focus:bg-white focus:px-4 focus:py-2 dark:focus:bg-zinc-900">
                "Skip to content"
            </a>
            <Navbar />
            <main id="main">{children()}</main>
            <Footer />
        </div>
    }
}

#[component]
fn Logo() -> impl IntoView {
    view! {
        <a href="/" class="flex items-center gap-2 rounded-lg">
            <span class="grid h-8 w-8 place-items-center rounded-lg bg-primary font-heading text-sm font-bold text-white" aria-hidden="true">"P"</span>
            <span class="font-heading text-lg font-bold">{BRAND.name}</span>
        </a>
    }
}

#[component]
fn Navbar() -> impl IntoView {
    let signed_in = signed_in();
    let (primary_href, primary_label) = if signed_in {
        ("/dashboard", "Go to dashboard")
    } else {
        ("/register", "Start free")
    };
    view! {
        <header class="sticky top-0 z-40 border-b border-zinc-200/70 bg-white/90 backdrop-blur dark:border-zinc-800/70 dark:bg-zinc-950/90">
            <nav aria-label="Main" class="mx-auto flex h-16 max-w-6xl items-center justify-between gap-4 px-4 sm:px-6">
                <Logo />
                <ul class="hidden items-center gap-1 text-sm font-medium md:flex">
                    {NAV_LINKS
                        .into_iter()
                        .map(|(label, href)| view! {
                            <li><a href=href class="rounded-lg px-3 py-2 text-zinc-700 hover:text-brand dark:text-zinc-300">{label}</a></li>
                        })
                        .collect_view()}
                </ul>
                <div class="flex items-center gap-2 text-sm font-semibold">
                    {(!signed_in).then(|| view! {
                        <a href="/login" class="hidden rounded-lg px-3 py-2 hover:text-brand sm:inline-block">"Sign in"</a>
                    })}
                    <a href=primary_href data-testid="nav-primary" class="rounded-lg bg-primary px-4 py-2 text-white shadow-sm hover:bg-accent">{primary_label}</a>
                    <details class="group relative md:hidden">
                        <summary class="grid h-10 w-10 cursor-pointer list-none place-items-center rounded-lg hover:bg-zinc-100 dark:hover:bg-zinc-800">
                            <IconSvg icon=Icon::Menu />
                            <span class="sr-only">"Menu"</span>
                        </summary>
                        <ul class="absolute right-0 mt-2 w-56 rounded-xl border border-zinc-200 bg-white p-2 text-base font-medium shadow-xl dark:border-zinc-800 dark:bg-zinc-900">
                            {NAV_LINKS
                                .into_iter()
                                .map(|(label, href)| view! {
                                    <li><a href=href class="block rounded-lg px-3 py-2.5 hover:bg-zinc-100 dark:hover:bg-zinc-800">{label}</a></li>
                                })
                                .collect_view()}
                            {(!signed_in).then(|| view! {
                                <li><a href="/login" class="block rounded-lg px-3 py-2.5 hover:bg-zinc-100 dark:hover:bg-zinc-800">"Sign in"</a></li>
                            })}
                        </ul>
                    </details>
                </div>
            </nav>
        </header>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-zinc-200 bg-zinc-50 dark:border-zinc-800 dark:bg-zinc-900/40">
            <div class="mx-auto grid max-w-6xl gap-8 px-4 py-12 sm:px-6 md:grid-cols-[2fr_1fr_1fr]">
                <div>
                    <Logo />
                    <p class="mt-3 max-w-sm text-sm text-zinc-600 dark:text-zinc-400">{BRAND.description}</p>
                </div>
                <div>
                    <h2 class="text-sm font-semibold">"Product"</h2>
                    <ul class="mt-3 space-y-2 text-sm text-zinc-600 dark:text-zinc-400">
                        <li><a href="/#features" class="hover:text-brand">"Features"</a></li>
                        <li><a href="/pricing" class="hover:text-brand">"Pricing"</a></li>
                        <li><a href="/docs" class="hover:text-brand">"API documentation"</a></li>
                    </ul>
                </div>
                <div>
                    <h2 class="text-sm font-semibold">"Account"</h2>
                    <ul class="mt-3 space-y-2 text-sm text-zinc-600 dark:text-zinc-400">
                        <li><a href="/register" class="hover:text-brand">"Create an account"</a></li>
                        <li><a href="/login" class="hover:text-brand">"Sign in"</a></li>
                        <li><a href="/forgot-password" class="hover:text-brand">"Forgot password"</a></li>
                    </ul>
                </div>
            </div>
            <p class="border-t border-zinc-200 py-6 text-center text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
                {format!("{} · {}", BRAND.name, BRAND.tagline)}
            </p>
        </footer>
    }
}

/// A section of a marketing page: its heading (kicker, title, lead), named by the heading's
/// `id` for screen readers and the navbar's anchors, then its content. Tinted sections
/// alternate with plain ones.
#[component]
fn Section(
    id: &'static str,
    kicker: &'static str,
    title: &'static str,
    lead: &'static str,
    #[prop(optional)] tinted: bool,
    children: Children,
) -> impl IntoView {
    let class = if tinted {
        "bg-zinc-50 px-4 py-20 sm:px-6 dark:bg-zinc-900/40"
    } else {
        "px-4 py-20 sm:px-6"
    };
    view! {
        <section aria-labelledby=id class=class>
            <div class="mx-auto max-w-2xl text-center">
                <p class="text-sm font-semibold tracking-wide text-brand uppercase">{kicker}</p>
                <h2 id=id class="mt-2 scroll-mt-24 font-heading text-3xl font-extrabold tracking-tight sm:text-4xl">{title}</h2>
                <p class="mt-4 text-lg text-zinc-600 dark:text-zinc-400">{lead}</p>
            </div>
            {children()}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_structured_data_offers_every_plan_and_cannot_close_its_script() {
        let json = software_application_json_ld();
        let data: serde_json::Value = serde_json::from_str(&json).unwrap();
        let offers = data["offers"].as_array().unwrap();
        assert_eq!(offers.len(), crate::plans::PlanTier::ALL.len());
        assert_eq!(offers[1]["price"], "29.00");
        assert_eq!(offers[2]["price"], "99.00");
        assert!(!json.contains('<'));
    }
}
