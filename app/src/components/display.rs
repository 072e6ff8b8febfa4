//! Containers and labels: cards, page headers, status and platform badges, tables with an
//! empty state. Colours are chosen so text stays above 4.5:1 contrast in light and dark.

use leptos::prelude::*;

use crate::model::{Platform, PostStatus};

/// A white (dark: zinc) panel with a border.
#[component]
pub fn Card(#[prop(optional, into)] class: String, children: Children) -> impl IntoView {
    view! {
        <section class=format!("rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm sm:p-6 dark:border-zinc-800 dark:bg-zinc-900 {class}")>
            {children()}
        </section>
    }
}

/// A page's title, a line under it and its actions on the right.
#[component]
pub fn PageHeader(
    #[prop(into)] title: String,
    #[prop(optional, into)] subtitle: String,
    /// The page's actions, on the right.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
            <div>
                <h1 class="font-heading text-2xl font-bold sm:text-3xl">{title}</h1>
                {(!subtitle.is_empty()).then(|| view! { <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{subtitle}</p> })}
            </div>
            {children.map(|actions| view! { <div class="flex flex-wrap items-center gap-2">{actions()}</div> })}
        </div>
    }
}

/// Classes of a post status, shared by badges and calendar chips.
pub fn status_class(status: PostStatus) -> &'static str {
    match status {
        PostStatus::Draft => "bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-100",
        PostStatus::Scheduled => "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-100",
        PostStatus::Publishing => {
            "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100"
        }
        PostStatus::Posted => {
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
        }
        PostStatus::Failed => "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-100",
    }
}

/// A status as people say it.
pub fn status_label(status: PostStatus) -> &'static str {
    match status {
        PostStatus::Draft => "Draft",
        PostStatus::Scheduled => "Scheduled",
        PostStatus::Publishing => "Publishing",
        PostStatus::Posted => "Posted",
        PostStatus::Failed => "Failed",
    }
}

/// A small mark for a status, for places with no room for the word (calendar chips).
pub fn status_mark(status: PostStatus) -> &'static str {
    match status {
        PostStatus::Draft => "○",
        PostStatus::Scheduled => "◷",
        PostStatus::Publishing => "↻",
        PostStatus::Posted => "✓",
        PostStatus::Failed => "!",
    }
}

#[component]
pub fn StatusBadge(status: PostStatus) -> impl IntoView {
    view! {
        <span class=format!("inline-flex items-center rounded-full px-2 py-0.5 text-xs font-semibold {}", status_class(status)) data-status=status.as_str()>
            {status_label(status)}
        </span>
    }
}

/// Background classes of a platform (white text on top).
pub fn platform_class(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "bg-instagram text-white",
        Platform::Facebook => "bg-facebook text-white",
        Platform::Tiktok => "bg-tiktok text-white",
    }
}

/// The platform's initial in its colour: the avatar-sized mark used in lists and chips.
pub fn platform_initial(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "IG",
        Platform::Facebook => "FB",
        Platform::Tiktok => "TT",
    }
}

#[component]
pub fn PlatformBadge(platform: Platform) -> impl IntoView {
    view! {
        <span class=format!("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold {}", platform_class(platform))>
            {platform.label()}
        </span>
    }
}

/// A table with a friendly message when empty. On phones its headings are for screen readers
/// only and rows may lay their cells out as a card (`max-sm:` classes on the rows).
#[component]
pub fn DataTable(
    /// Column headings; an empty heading is for a column of controls and gets a
    /// visually hidden name instead.
    headings: Vec<&'static str>,
    #[prop(into)] empty: bool,
    #[prop(into)] empty_title: String,
    #[prop(optional, into)] empty_hint: String,
    #[prop(optional, into)] caption: String,
    children: Children,
) -> impl IntoView {
    if empty {
        return view! { <EmptyState title=empty_title hint=empty_hint /> }.into_any();
    }
    view! {
        <div class="overflow-x-auto rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <table class="min-w-full divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
                {(!caption.is_empty()).then(|| view! { <caption class="sr-only">{caption}</caption> })}
                <thead class="bg-zinc-50 text-left text-xs font-semibold uppercase tracking-wide text-zinc-600 max-sm:sr-only dark:bg-zinc-900 dark:text-zinc-400">
                    <tr>
                        {headings
                            .into_iter()
                            .map(|h| if h.is_empty() {
                                view! { <th scope="col" class="px-4 py-3"><span class="sr-only">"Select"</span></th> }.into_any()
                            } else {
                                view! { <th scope="col" class="px-4 py-3">{h}</th> }.into_any()
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800">{children()}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// What an empty list says, and what to do about it.
#[component]
pub fn EmptyState(
    #[prop(into)] title: String,
    #[prop(optional, into)] hint: String,
) -> impl IntoView {
    view! {
        <div data-testid="empty-state" class="rounded-2xl border border-dashed border-zinc-300 bg-white px-6 py-12 text-center dark:border-zinc-700 dark:bg-zinc-900">
            <p class="font-heading text-lg font-semibold">{title}</p>
            {(!hint.is_empty()).then(|| view! { <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{hint}</p> })}
        </div>
    }
}
