//! The media library (`/media`): upload photos and videos (drop or pick, several at once, a
//! progress bar each), see each file's shape, size and length, which platforms would refuse
//! it and why, which posts use it, search by name, delete what no scheduled post needs, and
//! the storage used against the plan's quota.
//!
//! Rendered on the server only (`nav::SERVER_RENDERED_PAGES`): the list is markup, search is a
//! GET form and delete a confirmed form. The browser runs just the uploader, mounted over its
//! server-rendered twin, and after each upload swaps in the server's fresh list and meter.

#[cfg(not(feature = "ssr"))]
use leptos::prelude::*;

use crate::model::{byte_size_label, MediaItem};
use crate::platforms::{aspect_label, duration_label, media_type_label};

/// The elements the browser refreshes after an upload, by id: the storage meter and the list.
const LIVE_PARTS: [&str; 2] = ["media-storage", "media-files"];

/// Where the browser mounts the uploader.
const UPLOADER_SLOT: &str = "media-uploader";

#[cfg(feature = "ssr")]
pub use server_page::MediaPage;

#[cfg(feature = "ssr")]
mod server_page {
    use leptos::prelude::*;
    use leptos_meta::Title;
    use leptos_router::hooks::use_query_map;
    use server_fn::ServerFn;

    use super::{byte_size_label, describe, LIVE_PARTS, UPLOADER_SLOT};
    use crate::components::button::{button_class, Size, Variant};
    use crate::components::display::{platform_class, Card, EmptyState, PageHeader, StatusBadge};
    use crate::components::feedback::ErrorPanel;
    use crate::components::forms::CONTROL_CLASS;
    use crate::components::shell::DashboardShell;
    use crate::components::upload::MediaUploader;
    use crate::fns::media::{list_media, DeleteMedia};
    use crate::model::{MediaItem, MediaKind, MediaLibrary, Platform, PostStatus};
    use crate::pages::server_kit::{last_error, ActionError, ConfirmForm, Notice};
    use crate::pages::server_rendered::ServerBody;
    use crate::platforms::duration_label;

    #[component]
    pub fn MediaPage() -> impl IntoView {
        view! {
            <Title text=crate::nav::page_title("/media") />
            <DashboardShell>
                <ServerBody>
                    <LibraryPage />
                </ServerBody>
            </DashboardShell>
        }
    }

    #[component]
    fn LibraryPage() -> impl IntoView {
        let search = use_query_map()
            .get_untracked()
            .get("q")
            .map(|q| q.trim().to_string())
            .filter(|q| !q.is_empty());
        let error = last_error::<DeleteMedia>();
        view! {
            <PageHeader title="Media" subtitle="Photos and videos for your posts, checked against each platform's rules as they arrive." />
            <Notice message=notice />
            <ActionError error />
            <Suspense>
                {Suspend::new(async move {
                    match list_media(search.clone()).await {
                        Ok(library) => view! { <Library library search /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        }
    }

    fn notice(code: &str) -> Option<&'static str> {
        match code {
            "deleted" => Some("File deleted. Its address no longer works."),
            _ => None,
        }
    }

    #[component]
    fn Library(library: MediaLibrary, search: Option<String>) -> impl IntoView {
        let MediaLibrary {
            items,
            used_bytes,
            quota_bytes,
        } = library;
        let [storage_id, files_id] = LIVE_PARTS;
        view! {
            <div class="space-y-6">
                <Card>
                    <h2 class="sr-only">"Upload"</h2>
                    // The browser mounts the working uploader here; without the wasm this copy
                    // shows what is to come.
                    <div id=UPLOADER_SLOT>
                        <MediaUploader on_uploaded=Callback::new(|_: String| ()) />
                    </div>
                </Card>
                <div class="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
                    <form method="get" action="/media" role="search" class="flex w-full gap-2 sm:max-w-md">
                        <label class="block min-w-0 flex-1">
                            <span class="sr-only">"Search files by name"</span>
                            <input
                                type="search"
                                name="q"
                                class=CONTROL_CLASS
                                placeholder="Search by file name"
                                value=search.clone().unwrap_or_default()
                                data-testid="media-search"
                            />
                        </label>
                        <button type="submit" class=button_class(Variant::Secondary, Size::Medium)>"Search"</button>
                        {search.is_some().then(|| view! {
                            <a href="/media" rel="external" class=button_class(Variant::Ghost, Size::Medium) data-testid="media-search-clear">"Clear"</a>
                        })}
                    </form>
                    <div id=storage_id class="w-full sm:w-72">
                        <StorageMeter used=used_bytes quota=quota_bytes />
                    </div>
                </div>
                <section id=files_id aria-label="Your files">
                    <LibraryGrid items search />
                </section>
            </div>
        }
    }

    /// Storage used against the plan's quota.
    #[component]
    fn StorageMeter(used: i64, quota: i64) -> impl IntoView {
        let share = if quota > 0 {
            (used as f64 / quota as f64 * 100.0).clamp(0.0, 100.0)
        } else {
            0.0
        };
        let bar = if share >= 90.0 {
            "h-full rounded-full bg-red-600"
        } else {
            "h-full rounded-full bg-brand"
        };
        view! {
            <div data-testid="storage-meter">
                <p class="text-sm text-zinc-700 dark:text-zinc-300">
                    <span class="font-semibold">{byte_size_label(used)}</span>
                    {format!(" of {} used", byte_size_label(quota))}
                </p>
                <div
                    class="mt-1.5 h-2 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
                    role="meter"
                    aria-label="Media storage used"
                    aria-valuemin="0"
                    aria-valuemax=quota.to_string()
                    aria-valuenow=used.to_string()
                >
                    <div class=bar style=format!("width: {share:.1}%")></div>
                </div>
            </div>
        }
    }

    #[component]
    fn LibraryGrid(items: Vec<MediaItem>, search: Option<String>) -> impl IntoView {
        if items.is_empty() {
            return match search {
                Some(_) => view! { <EmptyState title="No files match" hint="Try another part of the file name." /> }.into_any(),
                None => view! { <EmptyState title="No media yet" hint="Drop product photos or clips above: each is checked against Instagram's, Facebook's and TikTok's rules." /> }.into_any(),
            };
        }
        let search = search.unwrap_or_default();
        view! {
            <ul class="grid grid-cols-1 gap-4 min-[420px]:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" data-testid="media-grid">
                {items.into_iter().map(|item| view! { <MediaCard item search=search.clone() /> }).collect_view()}
            </ul>
        }
        .into_any()
    }

    #[component]
    fn MediaCard(
        item: MediaItem,
        /// The search shown, which deleting keeps.
        search: String,
    ) -> impl IntoView {
        let name = item.filename.clone();
        let summary = describe(&item);
        let is_video = item.kind == MediaKind::Video;
        let duration = item.duration_ms.map(duration_label);
        let uses = item.used_by.clone();
        let scheduled = uses
            .iter()
            .filter(|u| u.status.allows(PostStatus::HOLDS_MEDIA))
            .count();
        view! {
            <li class="flex flex-col rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="media-card" data-file=name.clone()>
                <a href=item.url.clone() target="_blank" rel="noopener" class="relative block aspect-[4/3] overflow-hidden rounded-t-2xl bg-zinc-100 dark:bg-zinc-800">
                    <img src=item.thumbnail_url.clone() alt=format!("Preview of {name}") loading="lazy" class="h-full w-full object-contain" />
                    {is_video.then(|| view! {
                        <span class="absolute bottom-2 right-2 rounded-md bg-black/75 px-1.5 py-0.5 text-xs font-semibold text-white">
                            {format!("▶ {}", duration.clone().unwrap_or_default())}
                        </span>
                    })}
                </a>
                <div class="flex flex-1 flex-col gap-2 p-3">
                    <div>
                        <p class="truncate text-sm font-semibold" title=name.clone()>{name.clone()}</p>
                        <p class="text-xs text-zinc-600 dark:text-zinc-400">{summary}</p>
                    </div>
                    <PlatformFit item=item.clone() />
                    <div class="text-xs text-zinc-600 dark:text-zinc-400" data-testid="media-usage">
                        {if uses.is_empty() {
                            view! { <span>"Not used in a post yet"</span> }.into_any()
                        } else {
                            view! {
                                <details>
                                    <summary class="cursor-pointer">
                                        {format!("Used by {} post{}", uses.len(), if uses.len() == 1 { "" } else { "s" })}
                                        {(scheduled > 0).then(|| format!(" ({scheduled} scheduled)"))}
                                    </summary>
                                    <ul class="mt-1 space-y-1">
                                        {uses.iter().map(|u| view! {
                                            <li class="flex items-center gap-2">
                                                <StatusBadge status=u.status />
                                                <a class="underline underline-offset-2" href=format!("/posts/{}/edit", u.post_id)>{format!("{} post", u.platform.label())}</a>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                </details>
                            }.into_any()
                        }}
                    </div>
                    <div class="mt-auto flex items-center justify-between gap-2 pt-1">
                        <a href=format!("/compose?media={}", crate::components::url_state::encode(&item.url)) class=button_class(Variant::Secondary, Size::Small)>"Use in a post"</a>
                        <ConfirmForm
                            label="Delete"
                            name=format!("Delete {name}")
                            warning=format!("Delete \u{201c}{name}\u{201d}? It leaves your library and its address stops working. Drafts that use it keep the address.")
                            action=DeleteMedia::PATH
                            fields=vec![("id", item.id.to_string()), ("search", search)]
                            confirm="Delete file"
                        />
                    </div>
                </div>
            </li>
        }
    }

    /// Which platforms take the file, and why the others would refuse it.
    #[component]
    fn PlatformFit(item: MediaItem) -> impl IntoView {
        let problems = item.problems.clone();
        view! {
            <div class="space-y-1" data-testid="platform-fit">
                <div class="flex flex-wrap gap-1">
                    {Platform::ALL.iter().map(|platform| {
                        let refused = problems.iter().any(|p| p.platform == *platform);
                        let mark = if refused { "✕" } else { "✓" };
                        let class = if refused {
                            "inline-flex items-center gap-1 rounded-full bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-900 dark:bg-red-950 dark:text-red-100".to_string()
                        } else {
                            format!("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold {}", platform_class(*platform))
                        };
                        let label = if refused {
                            format!("{} would refuse it", platform.label())
                        } else {
                            format!("Fits {}", platform.label())
                        };
                        view! {
                            <span class=class title=label.clone()>
                                <span aria-hidden="true">{format!("{mark} {}", platform.label())}</span>
                                <span class="sr-only">{label.clone()}</span>
                            </span>
                        }
                    }).collect_view()}
                </div>
                {problems.into_iter().map(|p| view! {
                    <p class="text-xs text-red-800 dark:text-red-300" data-testid="media-problem">{p.message}</p>
                }).collect_view()}
            </div>
        }
    }
}

/// The browser's page: the server's markup as it is, with the uploader brought to life.
#[cfg(not(feature = "ssr"))]
#[component]
pub fn MediaPage() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        // Dropped with the page, which unmounts the uploader.
        let uploader = StoredValue::new_local(None::<Box<dyn std::any::Any>>);
        Effect::new(move |_| uploader.set_value(browser::mount_uploader()));
    }
    view! { <crate::pages::server_rendered::ServerRenderedDashboard /> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    use super::{LIVE_PARTS, UPLOADER_SLOT};
    use crate::components::upload::{fetch_page, MediaUploader};

    /// Replaces the server's still copy of the uploader with a working one.
    pub fn mount_uploader() -> Option<Box<dyn std::any::Any>> {
        let slot = document()
            .get_element_by_id(UPLOADER_SLOT)?
            .dyn_into::<web_sys::HtmlElement>()
            .ok()?;
        slot.set_inner_html("");
        let handle = leptos::mount::mount_to(slot, || {
            view! { <MediaUploader on_uploaded=Callback::new(|_: String| leptos::task::spawn_local(refresh())) /> }
        });
        Some(Box::new(handle))
    }

    thread_local! {
        /// How many refreshes have started: only the latest one's answer is shown.
        static REFRESHES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    /// Brings in the server's current storage meter and list (this URL, so a search stays).
    /// Files finishing together each ask; an answer that a later request has overtaken is
    /// dropped, so an older list never replaces a newer one.
    async fn refresh() {
        let this = REFRESHES.with(|n| {
            n.set(n.get().wrapping_add(1));
            n.get()
        });
        let Ok(url) = window().location().href() else {
            return;
        };
        let Some(fresh) = fetch_page(&url).await else {
            return;
        };
        if REFRESHES.with(|n| n.get()) != this {
            return;
        }
        for id in LIVE_PARTS {
            if let (Some(old), Some(new)) = (
                document().get_element_by_id(id),
                fresh.get_element_by_id(id),
            ) {
                old.set_inner_html(&new.inner_html());
            }
        }
    }
}

/// "JPEG · 1080 × 1350 (4:5) · 240 KB", with the length of a video.
pub fn describe(item: &MediaItem) -> String {
    let mut parts = vec![
        media_type_label(&item.content_type).to_string(),
        format!(
            "{} × {} ({})",
            item.width,
            item.height,
            aspect_label(item.width, item.height)
        ),
    ];
    if let Some(ms) = item.duration_ms {
        parts.push(duration_label(ms));
    }
    parts.push(byte_size_label(item.byte_size));
    parts.join(" · ")
}
