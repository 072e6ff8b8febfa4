//! The media library (`/media`): upload photos and videos (drop or pick, several at once, a
//! progress bar each), see each file's shape, size and length, which platforms would refuse
//! it and why, which posts use it, search by name, delete what no scheduled post needs, and
//! the storage used against the plan's quota.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{platform_class, Card, EmptyState, PageHeader, StatusBadge};
use crate::components::feedback::{ErrorPanel, Skeleton, Toasts};
use crate::components::forms::CONTROL_CLASS;
use crate::components::overlay::ConfirmButton;
use crate::components::shell::DashboardShell;
use crate::components::upload::MediaUploader;
use crate::fns::media::{delete_media, list_media};
use crate::model::{byte_size_label, MediaItem, MediaKind, MediaLibrary, Platform};
use crate::platforms::{aspect_label, duration_label, media_type_label};

#[component]
pub fn MediaPage() -> impl IntoView {
    let search = RwSignal::new(String::new());
    let library = crate::fns::resource(
        move || search.get(),
        |search| async move {
            let search = Some(search).filter(|s| !s.trim().is_empty());
            list_media(search).await
        },
    );
    let refresh = Callback::new(move |_: ()| library.refetch());
    view! {
        <Title text=crate::nav::page_title("/media") />
        <DashboardShell>
            <PageHeader title="Media" subtitle="Photos and videos for your posts, checked against each platform's rules as they arrive." />
            <div class="space-y-6">
                <Card>
                    <h2 class="sr-only">"Upload"</h2>
                    <MediaUploader on_uploaded=Callback::new(move |_item: MediaItem| library.refetch()) />
                </Card>
                <div class="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
                    <label class="block w-full sm:max-w-xs">
                        <span class="sr-only">"Search files by name"</span>
                        <input
                            type="search"
                            class=CONTROL_CLASS
                            placeholder="Search by file name"
                            data-testid="media-search"
                            prop:value=move || search.get()
                            on:input=move |ev| search.set(event_target_value(&ev))
                        />
                    </label>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            library.await.ok().map(|l| view! { <StorageMeter used=l.used_bytes quota=l.quota_bytes /> })
                        })}
                    </Transition>
                </div>
                <Transition fallback=|| view! { <LibrarySkeleton /> }>
                    {move || Suspend::new(async move {
                        match library.await {
                            Ok(library) => view! { <LibraryGrid library searching=!search.get_untracked().trim().is_empty() refresh /> }.into_any(),
                            Err(error) => view! { <ErrorPanel error retry=refresh /> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </DashboardShell>
    }
}

#[component]
fn LibrarySkeleton() -> impl IntoView {
    view! {
        <div class="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
            {(0..4).map(|_| view! { <Skeleton class="h-56 w-full" /> }).collect_view()}
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
        <div class="w-full sm:w-72" data-testid="storage-meter">
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
fn LibraryGrid(library: MediaLibrary, searching: bool, refresh: Callback<()>) -> impl IntoView {
    if library.items.is_empty() {
        return if searching {
            view! { <EmptyState title="No files match" hint="Try another part of the file name." /> }.into_any()
        } else {
            view! { <EmptyState title="No media yet" hint="Drop product photos or clips above: each is checked against Instagram's, Facebook's and TikTok's rules." /> }.into_any()
        };
    }
    view! {
        <ul class="grid grid-cols-1 gap-4 min-[420px]:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4" data-testid="media-grid">
            {library.items.into_iter().map(|item| view! { <MediaCard item refresh /> }).collect_view()}
        </ul>
    }
    .into_any()
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

#[component]
fn MediaCard(item: MediaItem, refresh: Callback<()>) -> impl IntoView {
    let toasts = Toasts::get();
    let error = RwSignal::new(None::<String>);
    let id = item.id;
    let name = item.filename.clone();
    let delete = Action::new(move |_: &()| async move { delete_media(id).await });
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            toasts.success("File deleted.");
            refresh.run(());
        }
        Some(Err(err)) => error.set(Some(err.to_string())),
        None => {}
    });
    let summary = describe(&item);
    let is_video = item.kind == MediaKind::Video;
    let duration = item.duration_ms.map(duration_label);
    let uses = item.used_by.clone();
    let scheduled = uses
        .iter()
        .filter(|u| u.status.allows(crate::model::PostStatus::HOLDS_MEDIA))
        .count();
    view! {
        <li class="flex flex-col overflow-hidden rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="media-card" data-file=name.clone()>
            <a href=item.url.clone() target="_blank" rel="noopener" class="relative block aspect-[4/3] bg-zinc-100 dark:bg-zinc-800">
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
                    <ConfirmButton
                        label="Delete"
                        title="Delete this file?"
                        message=Signal::derive({
                            let name = name.clone();
                            move || format!("{name} leaves your library and its address stops working. Drafts that use it keep the address.")
                        })
                        confirm_label="Delete"
                        variant=Variant::Danger
                        size=Size::Small
                        key=id.simple().to_string()
                        disabled=delete.pending()
                        on_confirm=Callback::new(move |_| {
                            error.set(None);
                            delete.dispatch(());
                        })
                    />
                </div>
                {move || error.get().map(|message| view! {
                    <p role="alert" class="text-xs font-semibold text-red-700 dark:text-red-300" data-testid="media-error">{message}</p>
                })}
            </div>
        </li>
    }
}

/// Which platforms take the file, and why the others would refuse it.
#[component]
pub fn PlatformFit(item: MediaItem) -> impl IntoView {
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
