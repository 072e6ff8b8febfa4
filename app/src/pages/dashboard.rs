//! The dashboard home: a greeting and where to go next.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::icon::IconSvg;
use crate::components::shell::{DashboardShell, UserResource};
use crate::nav::NAV_ITEMS;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard · PostPilot" />
        <DashboardShell>
            <DashboardHome />
        </DashboardShell>
    }
}

#[component]
fn DashboardHome() -> impl IntoView {
    let UserResource(user) = expect_context::<UserResource>();
    view! {
        <Suspense fallback=|| view! { <p class="text-zinc-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let user = user.await.ok().flatten()?;
                let limits = user.plan.limits();
                Some(view! {
                    <section class="space-y-8">
                        <div>
                            <h1 class="font-heading text-3xl font-bold" data-testid="greeting">
                                {format!("Welcome, {}!", user.display_name())}
                            </h1>
                            <p class="mt-1 text-zinc-500 dark:text-zinc-400">
                                {format!(
                                    "You are on the {} plan: {} a month, {}.",
                                    limits.name,
                                    quantity(limits.max_items, "post", "posts"),
                                    quantity(limits.max_secondary, "connected account", "connected accounts"),
                                )}
                            </p>
                        </div>
                        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
                            {NAV_ITEMS[1..]
                                .iter()
                                .map(|item| view! {
                                    <a
                                        href=item.href
                                        class="group rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm transition hover:border-primary/40 hover:shadow-md dark:border-zinc-800 dark:bg-zinc-900"
                                    >
                                        <span class="grid h-10 w-10 place-items-center rounded-xl bg-primary/10 text-brand">
                                            <IconSvg icon=item.icon />
                                        </span>
                                        <p class="mt-3 font-heading font-semibold group-hover:text-brand">{item.label}</p>
                                    </a>
                                })
                                .collect_view()}
                        </div>
                    </section>
                })
            })}
        </Suspense>
    }
}

/// "1 post", "10 posts", "unlimited posts" (a limit of -1 is unlimited).
fn quantity(limit: i64, one: &str, many: &str) -> String {
    match limit {
        l if l < 0 => format!("unlimited {many}"),
        1 => format!("1 {one}"),
        l => format!("{l} {many}"),
    }
}
