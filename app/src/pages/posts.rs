//! The posts page (`/posts`): every post in a table, filtered, searched, sorted and paged
//! through the URL; failed posts with their reason and a retry; bulk delete, reschedule and
//! move to draft; CSV import with a checked preview, and CSV export of the filtered view.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use uuid::Uuid;

use crate::components::button::{button_class, LinkButton, Size, Variant};
use crate::components::display::{DataTable, PageHeader, PlatformBadge, StatusBadge};
use crate::components::feedback::{ErrorPanel, SkeletonRows, Toasts};
use crate::components::forms::{navigate_on_submit, CONTROL_CLASS};
use crate::components::overlay::{ConfirmButton, DropdownMenu, MENU_ITEM_CLASS};
use crate::components::shell::DashboardShell;
use crate::components::url_state::{encode, Pagination};
use crate::fns::posts::{
    bulk_posts, delete_post, import_posts, list_posts, preview_import, retry_post, PostQuery,
    PostRow, PostsPage as PostsData,
};
use crate::model::{ImportPreview, Platform, PostSort, PostStatus};

#[component]
pub fn PostsPage() -> impl IntoView {
    view! {
        <Title text="Posts · PostPilot" />
        <DashboardShell>
            <Posts />
        </DashboardShell>
    }
}

/// The page's filters, read from the URL.
fn query_of(q: &leptos_router::params::ParamsMap) -> PostQuery {
    PostQuery {
        status: q.get("status"),
        platform: q.get("platform"),
        account: q.get("account"),
        q: q.get("q"),
        sort: q.get("sort"),
        page: q.get("page").and_then(|p| p.parse().ok()),
    }
}

/// The same filters as a query string, for the export link.
fn export_href(query: &PostQuery) -> String {
    let pairs: Vec<String> = [
        ("status", &query.status),
        ("platform", &query.platform),
        ("account", &query.account),
        ("q", &query.q),
        ("sort", &query.sort),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| format!("{k}={}", encode(v)))
    })
    .collect();
    if pairs.is_empty() {
        "/posts/export.csv".to_string()
    } else {
        format!("/posts/export.csv?{}", pairs.join("&"))
    }
}

#[component]
fn Posts() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_of(&query_map.read()));
    let data = crate::fns::resource(move || query.get(), list_posts);
    let notice = Memo::new(move |_| {
        let q = query_map.read();
        q.get("notice").map(|n| {
            let count: u64 = q.get("count").and_then(|c| c.parse().ok()).unwrap_or(1);
            let posts = if count == 1 {
                "1 post".to_string()
            } else {
                format!("{count} posts")
            };
            match n.as_str() {
                "scheduled" => format!("{posts} scheduled."),
                "drafted" => format!("{posts} saved as draft."),
                "publishing" => format!("{posts} on the way: publishing now."),
                "updated" => "Post saved.".to_string(),
                _ => "Done.".to_string(),
            }
        })
    });
    let refetch = Callback::new(move |_| data.refetch());
    view! {
        <PageHeader title="Posts" subtitle="Everything you have drafted, scheduled and published.">
            <LinkButton href="/compose">"New post"</LinkButton>
            <DropdownMenu label="CSV" align_right=true>
                <a class=MENU_ITEM_CLASS href=move || export_href(&query.get()) download="">
                    "Export these posts"
                </a>
                <a class=MENU_ITEM_CLASS href="/posts/import-template.csv" download="">
                    "Download the import template"
                </a>
            </DropdownMenu>
        </PageHeader>
        {move || notice.get().map(|message| view! {
            <p role="status" data-testid="notice" class="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
                {message}
            </p>
        })}
        <ImportPanel on_imported=refetch />
        <Transition fallback=|| view! { <SkeletonRows rows=6 /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Filters page=page.clone() query=query.get_untracked() /> <PostTable page on_change=refetch /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error retry=refetch /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Filters(page: PostsData, query: PostQuery) -> impl IntoView {
    let option = |value: &str, label: &str, current: &Option<String>| {
        let selected = current.as_deref() == Some(value);
        view! { <option value=value.to_string() selected=selected>{label.to_string()}</option> }
    };
    view! {
        <form method="get" action="/posts" on:submit=navigate_on_submit(use_navigate()) class="mb-4 grid gap-3 rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-6 dark:border-zinc-800 dark:bg-zinc-900" role="search" aria-label="Filter posts">
            <div class="lg:col-span-2">
                <label for="filter-q" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"Search"</label>
                <input id="filter-q" type="search" name="q" value=query.q.clone().unwrap_or_default() placeholder="Caption or hashtag" class=CONTROL_CLASS />
            </div>
            <div>
                <label for="filter-status" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"Status"</label>
                <select id="filter-status" name="status" class=CONTROL_CLASS>
                    <option value="">"Any status"</option>
                    {PostStatus::ALL.iter().map(|s| option(s.as_str(), crate::components::display::status_label(*s), &query.status)).collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-platform" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"Platform"</label>
                <select id="filter-platform" name="platform" class=CONTROL_CLASS>
                    <option value="">"Any platform"</option>
                    {Platform::ALL.iter().map(|p| option(p.as_str(), p.label(), &query.platform)).collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-account" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"Account"</label>
                <select id="filter-account" name="account" class=CONTROL_CLASS>
                    <option value="">"Any account"</option>
                    {page.accounts.iter().map(|a| option(&a.id.to_string(), &a.name, &query.account)).collect_view()}
                </select>
            </div>
            <div>
                <label for="filter-sort" class="block text-xs font-semibold text-zinc-700 dark:text-zinc-300">"Sort"</label>
                <select id="filter-sort" name="sort" class=CONTROL_CLASS>
                    {PostSort::ALL.iter().map(|s| option(s.as_str(), s.label(), &query.sort)).collect_view()}
                </select>
            </div>
            <div class="flex items-end gap-2 sm:col-span-2 lg:col-span-6">
                <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Apply filters"</button>
                <a href="/posts" class=button_class(Variant::Ghost, Size::Medium)>"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn PostTable(page: PostsData, on_change: Callback<()>) -> impl IntoView {
    let toasts = Toasts::get();
    let selected = RwSignal::new(BTreeSet::<Uuid>::new());
    let ids: Vec<Uuid> = page.rows.items.iter().map(|r| r.post.id).collect();
    let all_ids = StoredValue::new(ids);
    let offset = RwSignal::new("1d".to_string());

    let bulk = Action::new(move |(action, offset): &(String, Option<String>)| {
        let ids: Vec<Uuid> = selected.get_untracked().into_iter().collect();
        let (action, offset) = (action.clone(), offset.clone());
        async move { bulk_posts(ids, action, offset).await }
    });
    Effect::new(move |_| {
        if let Some(result) = bulk.value().get() {
            match result {
                Ok(outcome) => {
                    let mut message = format!(
                        "{} post{} changed.",
                        outcome.done,
                        if outcome.done == 1 { "" } else { "s" }
                    );
                    if let Some(first) = outcome.refused.first() {
                        message.push_str(&format!(
                            " {} left as they were: {}",
                            outcome.refused.len(),
                            first.reason
                        ));
                    }
                    if outcome.refused.is_empty() {
                        toasts.success(message)
                    } else {
                        toasts.error(message)
                    }
                    selected.set(BTreeSet::new());
                    on_change.run(());
                }
                Err(err) => toasts.error(err.to_string()),
            }
        }
    });

    let empty = page.rows.items.is_empty();
    let (page_no, per_page, total) = (page.rows.page, page.rows.per_page, page.rows.total);
    let all_selected = move || {
        let chosen = selected.get();
        all_ids.with_value(|ids| !ids.is_empty() && ids.iter().all(|id| chosen.contains(id)))
    };
    view! {
        <Show when=move || !selected.get().is_empty()>
            <div class="sticky top-2 z-20 mb-3 flex flex-wrap items-center gap-2 rounded-xl border border-primary/40 bg-white p-3 shadow-md dark:bg-zinc-900" data-testid="bulk-bar" role="region" aria-label="Bulk actions">
                <span class="text-sm font-semibold">{move || format!("{} selected", selected.get().len())}</span>
                <ConfirmButton
                    label="Delete"
                    title="Delete the selected posts?"
                    message=Signal::derive(move || format!("{} posts will be deleted. Posts that are publishing or published stay.", selected.get().len()))
                    confirm_label="Delete"
                    variant=Variant::Danger
                    size=Size::Small
                    on_confirm=Callback::new(move |_| { bulk.dispatch(("delete".into(), None)); })
                />
                <button type="button" class=button_class(Variant::Secondary, Size::Small) on:click=move |_| { bulk.dispatch(("draft".into(), None)); }>
                    "Move to draft"
                </button>
                <label for="bulk-offset" class="text-sm">"Reschedule by"</label>
                <select id="bulk-offset" class="rounded-lg border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900" on:change=move |ev| offset.set(event_target_value(&ev))>
                    <option value="1h">"+1 hour"</option>
                    <option value="1d" selected=true>"+1 day"</option>
                    <option value="7d">"+1 week"</option>
                    <option value="-1h">"−1 hour"</option>
                    <option value="-1d">"−1 day"</option>
                </select>
                <button type="button" class=button_class(Variant::Secondary, Size::Small) on:click=move |_| {
                    bulk.dispatch(("shift".into(), Some(offset.get_untracked())));
                }>"Move"</button>
            </div>
        </Show>
        <DataTable
            headings=vec!["", "Post", "Account", "Status", "When", "Actions"]
            empty=empty
            empty_title="No posts here yet"
            empty_hint="Write one with New post, import a CSV, or clear the filters."
            caption="Your posts"
        >
            {page.rows.items.into_iter().map(|row| view! { <PostRowView row selected on_change /> }).collect_view()}
        </DataTable>
        {(!empty).then(|| view! {
            <div class="mt-2 flex items-center gap-2 text-sm">
                <input
                    id="select-all"
                    type="checkbox"
                    class="h-4 w-4 accent-primary"
                    prop:checked=all_selected
                    on:change=move |ev| {
                        if event_target_checked(&ev) {
                            selected.set(all_ids.get_value().into_iter().collect());
                        } else {
                            selected.set(BTreeSet::new());
                        }
                    }
                />
                <label for="select-all">"Select every post on this page"</label>
            </div>
            <Pagination page=page_no per_page total />
        })}
    }
}

#[component]
fn PostRowView(
    row: PostRow,
    selected: RwSignal<BTreeSet<Uuid>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let toasts = Toasts::get();
    let PostRow {
        post,
        account_name,
        when,
    } = row;
    let id = post.id;
    let retry = Action::new(move |_: &()| retry_post(id));
    let delete = Action::new(move |_: &()| delete_post(id));
    Effect::new(move |_| match retry.value().get() {
        Some(Ok(_)) => {
            toasts.success("Retrying: the post is back in line to publish now.");
            on_change.run(());
        }
        Some(Err(err)) => toasts.error(err.to_string()),
        None => {}
    });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("Post deleted.");
            on_change.run(());
        }
        Some(Err(err)) => toasts.error(err.to_string()),
        None => {}
    });
    let excerpt: String = post.content.chars().take(140).collect();
    let more = post.content.chars().count() > 140;
    let editable = post.status.allows(PostStatus::EDITABLE);
    let deletable = post.status.allows(PostStatus::DELETABLE);
    let checkbox_id = format!("select-{id}");
    view! {
        <tr data-testid="post-row" data-status=post.status.as_str() class="align-top hover:bg-zinc-50 max-sm:flex max-sm:flex-wrap max-sm:items-start max-sm:gap-x-1 max-sm:py-2 dark:hover:bg-zinc-800/50">
            <td class="px-4 py-3 max-sm:py-1">
                <input
                    id=checkbox_id.clone()
                    type="checkbox"
                    class="h-4 w-4 accent-primary"
                    aria-label="Select this post"
                    prop:checked=move || selected.read().contains(&id)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                    }
                />
            </td>
            <td class="max-w-md px-4 py-3 max-sm:w-[calc(100%-3.5rem)] max-sm:max-w-none max-sm:px-1">
                <p class="break-words">{excerpt}{more.then_some("…")}</p>
                {(!post.hashtags.is_empty()).then(|| view! {
                    <p class="mt-1 text-xs text-brand">{post.hashtags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")}</p>
                })}
            </td>
            <td class="px-4 py-3 max-sm:py-1">
                <div class="flex flex-col items-start gap-1">
                    <PlatformBadge platform=post.platform />
                    <span class="text-xs text-zinc-600 dark:text-zinc-400">{account_name}</span>
                </div>
            </td>
            <td class="px-4 py-3 max-sm:py-1">
                <StatusBadge status=post.status />
                {(post.status == PostStatus::Failed).then(|| view! {
                    <p class="mt-1 max-w-56 text-xs text-red-800 dark:text-red-200" data-testid="failure-reason">
                        {post.error_message.clone().unwrap_or_else(|| "The platform refused the post.".to_string())}
                    </p>
                })}
            </td>
            <td class="whitespace-nowrap px-4 py-3 text-zinc-700 max-sm:py-1 dark:text-zinc-300" data-testid="post-when">
                {if when.is_empty() { "Not scheduled".to_string() } else { when }}
            </td>
            <td class="px-4 py-3 max-sm:py-1">
                <div class="flex flex-wrap gap-1">
                    {editable.then(|| view! {
                        <a href=format!("/posts/{id}/edit") class=button_class(Variant::Secondary, Size::Small)>"Edit"</a>
                    })}
                    {post.status.allows(PostStatus::RETRYABLE).then(|| view! {
                        <button type="button" class=button_class(Variant::Primary, Size::Small) disabled=move || retry.pending().get() on:click=move |_| { retry.dispatch(()); }>
                            "Retry"
                        </button>
                    })}
                    {deletable.then(|| view! {
                        <ConfirmButton
                            label="Delete"
                            title="Delete this post?"
                            message="It will be gone for good."
                            key=id.to_string()
                            confirm_label="Delete"
                            variant=Variant::Danger
                            size=Size::Small
                            on_confirm=Callback::new(move |_| { delete.dispatch(()); })
                        />
                    })}
                </div>
            </td>
        </tr>
    }
}

/// Import posts from a CSV file: check every row first, then import all in one go.
#[component]
fn ImportPanel(on_imported: Callback<()>) -> impl IntoView {
    let toasts = Toasts::get();
    let csv = RwSignal::new(String::new());
    let preview = Action::new(move |text: &String| preview_import(text.clone()));
    let import = Action::new(move |text: &String| import_posts(text.clone()));
    Effect::new(move |_| match import.value().get() {
        Some(Ok(count)) => {
            toasts.success(format!("{count} posts imported."));
            csv.set(String::new());
            preview.value().set(None);
            on_imported.run(());
        }
        Some(Err(err)) => toasts.error(err.to_string()),
        None => {}
    });
    let read_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = event_target(&ev);
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                let promise = file.text();
                leptos::task::spawn_local(async move {
                    if let Ok(text) = wasm_bindgen_futures::JsFuture::from(promise).await {
                        if let Some(text) = text.as_string() {
                            csv.set(text.clone());
                            preview.dispatch(text);
                        }
                    }
                });
            }
            let _ = input.dyn_ref::<web_sys::HtmlInputElement>();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <details class="mb-4 rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="import-panel">
            <summary class="cursor-pointer list-none px-4 py-3 text-sm font-semibold">"Import posts from a CSV file"</summary>
            <div class="space-y-3 border-t border-zinc-200 p-4 dark:border-zinc-800">
                <p class="text-sm text-zinc-700 dark:text-zinc-300">
                    "Columns: account, content, hashtags, media, time (YYYY-MM-DD HH:MM in your time zone; empty for a draft). Every row is checked before anything is saved. "
                    <a href="/posts/import-template.csv" download="" class="font-semibold text-brand underline">"Download the template"</a>
                </p>
                <div>
                    <label for="import-file" class="block text-sm font-medium">"CSV file"</label>
                    <input id="import-file" type="file" accept=".csv,text/csv" class="mt-1 block text-sm" on:change=read_file />
                </div>
                <div>
                    <label for="import-csv" class="block text-sm font-medium">"…or paste its content"</label>
                    <textarea id="import-csv" rows=4 class=format!("{CONTROL_CLASS} font-mono text-xs") prop:value=move || csv.get() on:input=move |ev| csv.set(event_target_value(&ev))></textarea>
                </div>
                <div class="flex flex-wrap gap-2">
                    <button type="button" class=button_class(Variant::Secondary, Size::Medium) disabled=move || csv.read().trim().is_empty() || preview.pending().get() on:click=move |_| { preview.dispatch(csv.get_untracked()); }>
                        "Check rows"
                    </button>
                    {move || {
                        let ready = matches!(preview.value().get(), Some(Ok(ref p)) if p.invalid == 0 && p.valid > 0);
                        let count = match preview.value().get() { Some(Ok(p)) => p.valid, _ => 0 };
                        view! {
                            <button type="button" class=button_class(Variant::Primary, Size::Medium) disabled=move || !ready || import.pending().get() on:click=move |_| { import.dispatch(csv.get_untracked()); }>
                                {format!("Import {count} posts")}
                            </button>
                        }
                    }}
                </div>
                {move || match preview.value().get() {
                    Some(Ok(result)) => view! { <ImportResult result /> }.into_any(),
                    Some(Err(error)) => view! { <ErrorPanel error /> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </details>
    }
}

#[component]
fn ImportResult(result: ImportPreview) -> impl IntoView {
    let summary = if result.invalid == 0 {
        format!("All {} rows are ready to import.", result.valid)
    } else {
        format!(
            "{} of {} rows have a problem: fix them in the file and check again. Nothing has been saved.",
            result.invalid,
            result.valid + result.invalid
        )
    };
    view! {
        <div data-testid="import-preview" class="space-y-2">
            <p role="status" class=if result.invalid == 0 { "text-sm font-semibold text-emerald-800 dark:text-emerald-200" } else { "text-sm font-semibold text-red-800 dark:text-red-200" }>
                {summary}
            </p>
            <div class="overflow-x-auto">
                <table class="min-w-full text-left text-xs">
                    <caption class="sr-only">"Rows of the file"</caption>
                    <thead>
                        <tr class="text-zinc-600 dark:text-zinc-400">
                            <th scope="col" class="px-2 py-1">"Line"</th>
                            <th scope="col" class="px-2 py-1">"Account"</th>
                            <th scope="col" class="px-2 py-1">"Caption"</th>
                            <th scope="col" class="px-2 py-1">"Time"</th>
                            <th scope="col" class="px-2 py-1">"Check"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {result.rows.into_iter().map(|row| {
                            let bad = row.error.is_some();
                            let excerpt: String = row.content.chars().take(60).collect();
                            view! {
                                <tr data-testid="import-row" data-valid=if bad { "false" } else { "true" } class=if bad { "bg-red-50 dark:bg-red-950" } else { "" }>
                                    <td class="px-2 py-1">{row.line}</td>
                                    <td class="px-2 py-1">{row.account}</td>
                                    <td class="px-2 py-1">{excerpt}</td>
                                    <td class="px-2 py-1 whitespace-nowrap">{if row.time.is_empty() { "Draft".to_string() } else { row.time }}</td>
                                    <td class=if bad { "px-2 py-1 font-semibold text-red-800 dark:text-red-200" } else { "px-2 py-1 text-emerald-800 dark:text-emerald-200" }>
                                        {row.error.unwrap_or_else(|| "Ready".to_string())}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </div>
    }
}
