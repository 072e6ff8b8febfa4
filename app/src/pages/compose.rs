//! The composer (`/compose`, `/posts/{id}/edit`): accounts, caption with a live counter per
//! platform, hashtag chips, media with thumbnails, a time in the user's zone with its UTC
//! equivalent, best times, templates and a preview per platform. It is one `ActionForm`, so
//! saving a draft or scheduling works without JavaScript too; the rules (caption length,
//! hashtags, media, DST) are the post service's, shown at the field they concern.

use std::collections::BTreeSet;

use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{platform_class, platform_initial, Card, PageHeader, StatusBadge};
use crate::components::feedback::{ErrorPanel, PlanLimitPrompt, Skeleton};
use crate::components::forms::{DateTimeField, FieldError, FormAlert, TextArea, CONTROL_CLASS};
use crate::components::shell::DashboardShell;
use crate::components::upload::MediaUploader;
use crate::error::AppError;
use crate::fns::media::list_media;
use crate::fns::posts::{
    check_time, compose_data, split_media, split_tags, ComposeContext, SavePost,
};
use crate::model::{MediaItem, Platform, PostStatus};

#[component]
pub fn ComposePage() -> impl IntoView {
    view! {
        <Title text="New post · PostPilot" />
        <DashboardShell>
            <Composer post_id=None />
        </DashboardShell>
    }
}

#[component]
pub fn EditPostPage() -> impl IntoView {
    let params = use_params_map();
    let post_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    };
    view! {
        <Title text="Edit post · PostPilot" />
        <DashboardShell>
            {move || match post_id() {
                Some(id) => view! { <Composer post_id=Some(id) /> }.into_any(),
                None => view! { <ErrorPanel error=AppError::not_found("Post") /> }.into_any(),
            }}
        </DashboardShell>
    }
}

#[component]
fn Composer(post_id: Option<Uuid>) -> impl IntoView {
    let query = use_query_map();
    let data = crate::fns::resource(
        move || {
            let q = query.read();
            let id = |key: &str| q.get(key).and_then(|v| Uuid::parse_str(&v).ok());
            let (template, product) = (id("template"), id("product"));
            (
                post_id,
                q.get("at"),
                q.get("date"),
                q.get("tz"),
                template,
                product,
            )
        },
        |(post_id, at, date, tz, template, product)| {
            compose_data(post_id, at, date, tz, template, product)
        },
    );
    let title = if post_id.is_some() {
        "Edit post"
    } else {
        "New post"
    };
    view! {
        <PageHeader title=title subtitle="Write once, publish to every account you choose." />
        <Suspense fallback=|| view! { <ComposerSkeleton /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <ComposerForm data /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error retry=Callback::new(move |_| data.refetch()) /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ComposerSkeleton() -> impl IntoView {
    view! {
        <div class="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
            <div class="space-y-4">
                <Skeleton class="h-24 w-full" />
                <Skeleton class="h-48 w-full" />
                <Skeleton class="h-16 w-full" />
            </div>
            <Skeleton class="h-80 w-full" />
        </div>
    }
}

#[component]
fn ComposerForm(data: ComposeContext) -> impl IntoView {
    let ComposeContext {
        zone,
        accounts,
        templates,
        best_times,
        post,
        initial_time,
        prefill,
    } = data;
    let editing = post.clone();
    let locked_status = editing
        .as_ref()
        .map(|p| p.status)
        .filter(|status| !status.allows(PostStatus::EDITABLE));
    let locked = locked_status.is_some();

    let action = ServerAction::<SavePost>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));

    let (content, tags) = match (&post, prefill) {
        (Some(p), _) => (p.content.clone(), p.hashtags.join(" ")),
        (None, Some((content, hashtags))) => (content, hashtags.join(" ")),
        (None, None) => Default::default(),
    };
    let (content, tags) = (RwSignal::new(content), RwSignal::new(tags));
    // A post's own media, or a library file sent here by the media page's "Use in a post".
    let from_library = use_query_map()
        .read_untracked()
        .get("media")
        .filter(|url| url.starts_with("http"));
    let media = RwSignal::new(
        post.as_ref()
            .map(|p| p.media_urls.join("\n"))
            .or(from_library)
            .unwrap_or_default(),
    );
    let time = RwSignal::new(initial_time);
    let occurrence = RwSignal::new(String::new());
    let selected = RwSignal::new(
        post.as_ref()
            .map(|p| vec![p.account_id])
            .or_else(|| (accounts.len() == 1).then(|| vec![accounts[0].id]))
            .unwrap_or_default(),
    );

    // What the chosen time is in UTC, or why it does not exist (asked of the server, which
    // owns the zone rules).
    let check = Action::new(|(local, occurrence): &(String, String)| {
        let (local, occurrence) = (local.clone(), occurrence.clone());
        async move {
            if local.is_empty() {
                return Ok(String::new());
            }
            check_time(local, (!occurrence.is_empty()).then_some(occurrence)).await
        }
    });
    Effect::new(move |_| {
        let local = time.get();
        let occurrence = occurrence.get();
        check.dispatch((local, occurrence));
    });
    let time_note = Signal::derive(move || match check.value().get() {
        Some(Ok(note)) => note,
        _ => String::new(),
    });
    let time_problem = Signal::derive(move || match check.value().get() {
        Some(Err(err)) => Some(err.to_string()),
        _ => None,
    });
    // A repeated wall-clock time: asked live, or said by a failed save (also without
    // JavaScript), the form offers the choice.
    let ambiguous = Signal::derive(move || {
        let repeated = |message: String| message.contains("happens twice");
        time_problem.get().is_some_and(repeated)
            || error
                .get()
                .filter(|e| e.field() == Some("scheduled_for"))
                .is_some_and(|e| repeated(e.to_string()))
            || !occurrence.get().is_empty()
    });

    let accounts_by_id = StoredValue::new(accounts.clone());
    let platforms = Memo::new(move |_| {
        let chosen = selected.get();
        accounts_by_id.with_value(|accounts| {
            accounts
                .iter()
                .filter(|a| chosen.contains(&a.id))
                .map(|a| a.platform)
                .collect::<BTreeSet<Platform>>()
        })
    });

    let templates = StoredValue::new(templates);
    let apply_template = move |id: String| {
        templates.with_value(|templates| {
            if let Some(t) = templates.iter().find(|t| t.id.to_string() == id) {
                content.set(t.content.clone());
                tags.set(t.hashtags.join(" "));
            }
        });
    };

    let has_accounts = !accounts.is_empty();
    let zone_label = zone.clone();
    view! {
        <ActionForm action=action attr:class="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]" attr:data-testid="composer">
            <div class="min-w-0 space-y-6">
                {post.as_ref().map(|p| view! {
                    <input type="hidden" name="post_id" value=p.id.to_string() />
                    <div class="flex items-center gap-2 text-sm">"Status: " <StatusBadge status=p.status /></div>
                })}
                {locked_status.map(|status| view! {
                    <p role="alert" class="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                        {match status {
                            PostStatus::Failed => "This post failed to publish. Retry it from the posts page; its text can no longer change.",
                            _ => "This post is publishing or already published, so it can no longer be edited.",
                        }}
                    </p>
                })}
                <FormErrors error />
                <Card>
                    <fieldset>
                        <legend class="text-sm font-semibold">"Accounts"</legend>
                        <p class="mb-3 text-xs text-zinc-600 dark:text-zinc-400">
                            {if editing.is_some() { "The account this post goes to." } else { "One post is made for each account you choose." }}
                        </p>
                        {if has_accounts {
                            view! {
                                <div class="flex flex-wrap gap-2">
                                    {accounts.iter().map(|account| {
                                        let id = account.id;
                                        let checked = move || selected.read().contains(&id);
                                        let input_id = format!("account-{id}");
                                        let label_for = input_id.clone();
                                        let single = editing.is_some();
                                        view! {
                                            <label for=label_for class=move || format!(
                                                "flex cursor-pointer items-center gap-2 rounded-full border px-3 py-1.5 text-sm transition {}",
                                                if checked() { "border-primary bg-primary/10 font-semibold" } else { "border-zinc-300 dark:border-zinc-700" },
                                            )>
                                                <input
                                                    id=input_id
                                                    type=if single { "radio" } else { "checkbox" }
                                                    name="account_ids[]"
                                                    value=id.to_string()
                                                    class="h-4 w-4 accent-primary"
                                                    prop:checked=checked
                                                    checked=checked()
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        selected.update(|s| {
                                                            if single { s.clear(); }
                                                            s.retain(|x| *x != id);
                                                            if on { s.push(id); }
                                                        });
                                                    }
                                                />
                                                <span class=format!("grid h-6 w-6 place-items-center rounded-full text-[10px] font-bold {}", platform_class(account.platform))>
                                                    {platform_initial(account.platform)}
                                                </span>
                                                <span>{account.name.clone()}</span>
                                                <span class="sr-only">{format!("({})", account.platform.label())}</span>
                                            </label>
                                        }
                                    }).collect_view()}
                                </div>
                            }.into_any()
                        } else {
                            view! {
                                <p class="text-sm">
                                    "No connected accounts yet. "
                                    <a href="/accounts" class="font-semibold text-brand underline">"Connect an account"</a>
                                    " to publish; you can still save drafts later."
                                </p>
                            }.into_any()
                        }}
                        <FieldError field="account_ids" error />
                    </fieldset>
                </Card>

                <Card class="space-y-4">
                    {(!templates.with_value(Vec::is_empty)).then(|| view! {
                        <div class="flex flex-wrap items-end gap-2">
                            <div class="min-w-48 flex-1">
                                <label for="template" class="block text-sm font-medium">"Start from a template"</label>
                                <select id="template" class=CONTROL_CLASS on:change=move |ev| apply_template(event_target_value(&ev))>
                                    <option value="">"Choose a template…"</option>
                                    {templates.with_value(|templates| templates.iter().map(|t| view! {
                                        <option value=t.id.to_string()>{t.name.clone()}</option>
                                    }).collect_view())}
                                </select>
                            </div>
                        </div>
                    })}
                    <TextArea
                        name="content"
                        label="Caption"
                        value=content
                        on_input=Callback::new(move |v| content.set(v))
                        rows=7
                        error
                    />
                    <CaptionCounters content platforms />
                    <HashtagField tags platforms error />
                    <MediaField media error platforms />
                </Card>

                <Card class="space-y-4">
                    <DateTimeField
                        name="scheduled_for"
                        label="When to publish"
                        zone=zone_label
                        value=time
                        on_input=Callback::new(move |v: String| {
                            occurrence.set(String::new());
                            time.set(v);
                        })
                        note=time_note
                        error
                    />
                    // The live check, until a save says the same at the field.
                    <Show when=move || {
                        let said = error.get().filter(|e| e.field() == Some("scheduled_for")).map(|e| e.to_string());
                        time_problem.get().is_some_and(|p| Some(p) != said)
                    }>
                        <p role="alert" data-testid="time-problem" class="rounded-lg border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                            {move || time_problem.get()}
                        </p>
                    </Show>
                    <Show when=move || ambiguous.get()>
                        <fieldset class="flex flex-wrap gap-4 text-sm">
                            <legend class="mb-1 font-medium">"Which one?"</legend>
                            <label class="flex items-center gap-2"><input type="radio" name="occurrence" value="earlier" class="accent-primary" on:change=move |_| occurrence.set("earlier".into()) />"The first (before clocks turn back)"</label>
                            <label class="flex items-center gap-2"><input type="radio" name="occurrence" value="later" class="accent-primary" on:change=move |_| occurrence.set("later".into()) />"The second (after)"</label>
                        </fieldset>
                    </Show>
                    <BestTimes best_times platforms time />
                </Card>

                <div class="flex flex-wrap gap-2">
                    <button type="submit" name="intent" value="schedule" class=button_class(Variant::Primary, Size::Medium) disabled=move || action.pending().get() || locked>
                        "Schedule"
                    </button>
                    <button type="submit" name="intent" value="draft" class=button_class(Variant::Secondary, Size::Medium) disabled=move || action.pending().get() || locked>
                        "Save draft"
                    </button>
                    <button type="submit" name="intent" value="now" class=button_class(Variant::Ghost, Size::Medium) disabled=move || action.pending().get() || locked>
                        "Publish now"
                    </button>
                </div>
            </div>

            <aside class="min-w-0 space-y-4" aria-label="Preview">
                <h2 class="font-heading text-lg font-semibold">"Preview"</h2>
                <Previews content tags media platforms selected accounts=accounts_by_id />
            </aside>
        </ActionForm>
    }
}

/// Errors that belong to no field; a plan limit gets its own prompt.
#[component]
fn FormErrors(error: Signal<Option<AppError>>) -> impl IntoView {
    let plan_limit = move || match error.get() {
        Some(AppError::Forbidden(message)) => Some(message),
        _ => None,
    };
    let other =
        Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Forbidden(_))));
    view! {
        {move || plan_limit().map(|message| view! { <PlanLimitPrompt message /> })}
        <FormAlert error=other />
    }
}

/// "Instagram 120 / 2,200" for each chosen platform, red past the limit.
#[component]
fn CaptionCounters(
    content: RwSignal<String>,
    platforms: Memo<BTreeSet<Platform>>,
) -> impl IntoView {
    view! {
        <ul class="flex flex-wrap gap-3 text-xs" data-testid="caption-counters" aria-live="polite">
            {move || {
                let used = content.with(|c| c.chars().count());
                platforms.get().into_iter().map(|platform| {
                    let limit = platform.rules().max_content_chars;
                    let over = used > limit;
                    view! {
                        <li
                            data-platform=platform.as_str()
                            class=if over { "rounded-full bg-red-100 px-2 py-0.5 font-semibold text-red-900 dark:bg-red-950 dark:text-red-100" } else { "rounded-full bg-zinc-100 px-2 py-0.5 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-200" }
                        >
                            {format!("{} {} / {}", platform.label(), thousands(used), thousands(limit))}
                            {over.then(|| format!(" · {} too many", thousands(used - limit)))}
                        </li>
                    }
                }).collect_view()
            }}
        </ul>
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Hashtags typed with spaces or commas, shown as removable chips with the per-platform cap.
#[component]
fn HashtagField(
    tags: RwSignal<String>,
    platforms: Memo<BTreeSet<Platform>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let chips = Memo::new(move |_| split_tags(&tags.get()));
    let cap = Memo::new(move |_| {
        platforms
            .get()
            .into_iter()
            .filter_map(|p| p.rules().max_hashtags.map(|max| (p, max)))
            .min_by_key(|(_, max)| *max)
    });
    view! {
        <div class="space-y-1.5">
            <label for="field-hashtags" class="block text-sm font-medium">"Hashtags"</label>
            <p id="field-hashtags-hint" class="text-xs text-zinc-600 dark:text-zinc-400">"Words without #, separated by spaces or commas."</p>
            <input
                id="field-hashtags"
                name="hashtags"
                type="text"
                class=CONTROL_CLASS
                aria-describedby="field-hashtags-hint field-hashtags-error"
                prop:value=move || tags.get()
                value=tags.get_untracked()
                on:input=move |ev| tags.set(event_target_value(&ev))
            />
            <div class="flex flex-wrap items-center gap-1.5" data-testid="hashtag-chips">
                <For each=move || chips.get() key=|t| t.clone() let:tag>
                    <span class="inline-flex items-center gap-1 rounded-full bg-primary/10 px-2 py-0.5 text-xs font-semibold text-brand">
                        {format!("#{tag}")}
                        <button
                            type="button"
                            class="rounded-full px-1 hover:bg-primary/20"
                            aria-label=format!("Remove #{tag}")
                            on:click={
                                let tag = tag.clone();
                                move |_| {
                                    let rest: Vec<String> = split_tags(&tags.get_untracked()).into_iter().filter(|t| *t != tag).collect();
                                    tags.set(rest.join(" "));
                                }
                            }
                        >"×"</button>
                    </span>
                </For>
                {move || cap.get().map(|(platform, max)| {
                    let count = chips.with(Vec::len);
                    let class = if count > max { "text-xs font-semibold text-red-700 dark:text-red-300" } else { "text-xs text-zinc-600 dark:text-zinc-400" };
                    view! {
                        <span class=class>
                            {format!("{count} / {max} for {}", platform.label())}
                        </span>
                    }
                })}
            </div>
            <FieldError field="hashtags" error />
        </div>
    }
}

/// Photos and videos: uploaded here (dropped or picked, with a progress bar each) or pasted as
/// links, one per line. Each shows a thumbnail; a library file also says which of the chosen
/// platforms would refuse it, and why (scheduling is refused for the same reason).
#[component]
fn MediaField(
    media: RwSignal<String>,
    error: Signal<Option<AppError>>,
    platforms: Memo<BTreeSet<Platform>>,
) -> impl IntoView {
    let urls = Memo::new(move |_| split_media(&media.get()));
    // The user's library, to know what each of its files is (read in the browser).
    let library = RwSignal::new(Vec::<MediaItem>::new());
    // The page may have been left meanwhile: its signals are then gone (`try_`).
    let load_library = move || async move {
        if let Ok(found) = list_media(None).await {
            library.try_update(|known| {
                for item in found.items {
                    if !known.iter().any(|k| k.id == item.id) {
                        known.push(item);
                    }
                }
            });
        }
    };
    Effect::new(move |_| leptos::task::spawn_local(load_library()));
    // An upload joins the post once the library's copy of it is known, so its thumbnail and
    // the platforms' verdicts show at once.
    let add = Callback::new(move |url: String| {
        leptos::task::spawn_local(async move {
            load_library().await;
            let Some(mut list) = media.try_with_untracked(|m| split_media(m)) else {
                return;
            };
            if !list.contains(&url) {
                list.push(url);
            }
            media.try_set(list.join("\n"));
        })
    });
    view! {
        <div class="space-y-2">
            <p class="text-sm font-medium">"Photos and videos"</p>
            <MediaUploader on_uploaded=add compact=true />
            <ul class="grid grid-cols-1 gap-2 sm:grid-cols-2" data-testid="media-thumbs">
                // Not a keyed list (its code would weigh on every page): every edit of the list
                // rebuilds the thumbnails in place, each asking its image whether it has loaded.
                {move || urls.get().into_iter().map(|url| view! { <MediaThumb url library platforms media /> }).collect_view()}
            </ul>
            <TextArea
                name="media_urls"
                label="Media URLs"
                hint="Uploads are added here; you can also paste links to photos or videos, one per line (Instagram and TikTok need at least one)."
                value=media
                on_input=Callback::new(move |v| media.set(v))
                rows=2
                error
            />
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum LoadState {
    Checking,
    Loaded,
    Broken,
}

#[component]
fn MediaThumb(
    url: String,
    library: RwSignal<Vec<MediaItem>>,
    platforms: Memo<BTreeSet<Platform>>,
    media: RwSignal<String>,
) -> impl IntoView {
    let state = RwSignal::new(LoadState::Checking);
    let img = NodeRef::<html::Img>::new();
    // The image may have finished before the page hydrated: ask it.
    Effect::new(move |_| {
        if let Some(img) = img.get() {
            if img.complete() {
                state.set(if img.natural_width() > 0 {
                    LoadState::Loaded
                } else {
                    LoadState::Broken
                });
            }
        }
    });
    let item = {
        let url = url.clone();
        Memo::new(move |_| library.with(|known| known.iter().find(|i| i.url == url).cloned()))
    };
    // A library file shows its thumbnail (a video's too); a link shows itself.
    let src = {
        let url = url.clone();
        move || {
            item.get()
                .map(|i| i.thumbnail_url)
                .unwrap_or_else(|| url.clone())
        }
    };
    let problems = move || {
        let Some(item) = item.get() else {
            return Vec::new();
        };
        // The server judged the file against every platform; the chosen ones matter here.
        let chosen = platforms.get();
        item.problems
            .into_iter()
            .filter(|problem| chosen.contains(&problem.platform))
            .map(|problem| (problem.platform, problem.message))
            .collect::<Vec<_>>()
    };
    let remove = {
        let url = url.clone();
        move |_| {
            let rest: Vec<String> = split_media(&media.get_untracked())
                .into_iter()
                .filter(|u| *u != url)
                .collect();
            media.set(rest.join("\n"));
        }
    };
    let name = move || {
        item.get()
            .map(|i| i.filename)
            .unwrap_or_else(|| "Link".to_string())
    };
    view! {
        <li class="flex items-start gap-3 rounded-xl border border-zinc-200 p-2 dark:border-zinc-700" data-testid="media-thumb" data-file=move || item.get().map(|i| i.filename)>
            <div class="relative h-16 w-16 shrink-0 overflow-hidden rounded-lg bg-zinc-100 dark:bg-zinc-800">
                <img
                    node_ref=img
                    src=src
                    alt=""
                    loading="lazy"
                    class="h-full w-full object-cover"
                    // A broken image shows no browser icon: the caption beside it says so.
                    class:invisible=move || state.get() == LoadState::Broken
                    on:load=move |_| state.set(LoadState::Loaded)
                    on:error=move |_| state.set(LoadState::Broken)
                />
            </div>
            <div class="min-w-0 flex-1 space-y-0.5">
                <p class="truncate text-sm font-medium">{name}</p>
                {move || item.get().map(|i| view! { <p class="text-xs text-zinc-600 dark:text-zinc-400">{crate::pages::media::describe(&i)}</p> })}
                <p class=move || match state.get() {
                    LoadState::Broken => "text-xs font-semibold text-red-700 dark:text-red-300",
                    _ => "text-xs text-zinc-600 dark:text-zinc-400",
                } data-testid="media-state">
                    {move || match state.get() {
                        LoadState::Checking => "Checking…",
                        LoadState::Loaded => "Loads",
                        LoadState::Broken => "Does not load",
                    }}
                </p>
                {move || problems().into_iter().map(|(platform, message)| view! {
                    <p class="text-xs font-semibold text-red-700 dark:text-red-300" data-testid="media-problem" data-platform=platform.as_str()>
                        {message}
                    </p>
                }).collect_view()}
            </div>
            <button type="button" class="rounded-md px-1.5 text-lg leading-none text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 dark:hover:bg-zinc-800 dark:hover:text-zinc-100" aria-label=move || format!("Remove {}", name()) on:click=remove>
                "×"
            </button>
        </li>
    }
}

/// Suggested slots for the chosen platforms; a click fills the time.
#[component]
fn BestTimes(
    best_times: Vec<crate::model::BestTime>,
    platforms: Memo<BTreeSet<Platform>>,
    time: RwSignal<String>,
) -> impl IntoView {
    let best_times = StoredValue::new(best_times);
    view! {
        <div>
            <h3 class="text-sm font-semibold">"Best times"</h3>
            <p class="mb-2 text-xs text-zinc-600 dark:text-zinc-400">"From your own engagement when there is enough of it, else the usual peaks. Click to use one."</p>
            <div class="space-y-2" data-testid="best-times">
                {move || {
                    let chosen = platforms.get();
                    best_times.with_value(|slots| {
                        Platform::ALL.iter().copied()
                            .filter(|p| chosen.is_empty() || chosen.contains(p))
                            .map(|platform| {
                                let slots: Vec<_> = slots.iter().filter(|s| s.platform == platform).cloned().collect();
                                view! {
                                    <div class="flex flex-wrap items-center gap-2">
                                        <span class="w-20 text-xs font-semibold">{platform.label()}</span>
                                        {slots.into_iter().map(|slot| {
                                            let value = slot.next_local.clone();
                                            view! {
                                                <button
                                                    type="button"
                                                    class=button_class(Variant::Secondary, Size::Small)
                                                    title=if slot.from_history { "From your engagement" } else { "A usual peak" }
                                                    on:click=move |_| time.set(value.clone())
                                                >
                                                    {slot.label.clone()}
                                                    {slot.from_history.then_some(" ★")}
                                                </button>
                                            }
                                        }).collect_view()}
                                    </div>
                                }
                            })
                            .collect_view()
                    })
                }}
            </div>
        </div>
    }
}

/// How the post will look on each chosen platform.
#[component]
fn Previews(
    content: RwSignal<String>,
    tags: RwSignal<String>,
    media: RwSignal<String>,
    platforms: Memo<BTreeSet<Platform>>,
    selected: RwSignal<Vec<Uuid>>,
    accounts: StoredValue<Vec<crate::fns::posts::AccountChoice>>,
) -> impl IntoView {
    view! {
        <div class="space-y-4" data-testid="previews">
            {move || {
                let chosen = platforms.get();
                if chosen.is_empty() {
                    return view! {
                        <p class="rounded-xl border border-dashed border-zinc-300 p-4 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
                            "Choose an account to see how the post will look."
                        </p>
                    }.into_any();
                }
                chosen.into_iter().map(|platform| {
                    let name = accounts.with_value(|accounts| {
                        let ids = selected.get();
                        accounts.iter().find(|a| a.platform == platform && ids.contains(&a.id)).map(|a| a.name.clone()).unwrap_or_default()
                    });
                    view! { <PlatformPreview platform name content tags media /> }
                }).collect_view().into_any()
            }}
        </div>
    }
}

#[component]
fn PlatformPreview(
    platform: Platform,
    name: String,
    content: RwSignal<String>,
    tags: RwSignal<String>,
    media: RwSignal<String>,
) -> impl IntoView {
    let cut = platform.rules().preview_chars;
    let caption = move || {
        let mut text = content.get();
        let tags = split_tags(&tags.get());
        if !tags.is_empty() {
            text.push_str("\n\n");
            text.push_str(
                &tags
                    .iter()
                    .map(|t| format!("#{t}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        let count = text.chars().count();
        if count > cut {
            (text.chars().take(cut).collect::<String>(), true)
        } else {
            (text, false)
        }
    };
    let first_media = move || split_media(&media.get()).into_iter().next();
    let square = platform != Platform::Facebook;
    view! {
        <article class="overflow-hidden rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="preview" data-platform=platform.as_str()>
            <header class="flex items-center gap-2 px-3 py-2">
                <span class=format!("grid h-8 w-8 place-items-center rounded-full text-xs font-bold {}", platform_class(platform))>{platform_initial(platform)}</span>
                <div class="min-w-0">
                    <p class="truncate text-sm font-semibold">{name}</p>
                    <p class="text-xs text-zinc-600 dark:text-zinc-400">{platform.label()}</p>
                </div>
            </header>
            {move || match first_media() {
                Some(url) => {
                    let broken = RwSignal::new(false);
                    view! {
                        <div class=if square { "grid aspect-square w-full place-items-center bg-zinc-100 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400" } else { "grid aspect-video w-full place-items-center bg-zinc-100 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400" }>
                            <Show when=move || broken.get()>"This photo does not load"</Show>
                            <img src=url alt="" class="h-full w-full object-cover" class:hidden=move || broken.get() on:error=move |_| broken.set(true) />
                        </div>
                    }.into_any()
                }
                None => view! {
                    <div class=if square { "grid aspect-square w-full place-items-center bg-zinc-100 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400" } else { "hidden" }>
                        "No photo or video yet"
                    </div>
                }.into_any(),
            }}
            <p class="whitespace-pre-wrap break-words px-3 py-2 text-sm">
                {move || {
                    let (text, more) = caption();
                    view! { {text} {more.then(|| view! { <span class="text-zinc-600 dark:text-zinc-400">"… more"</span> })} }
                }}
            </p>
        </article>
    }
}
