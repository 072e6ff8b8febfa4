//! The templates page (`/templates`): the list (rendered on the server only, see
//! `server_rendered`) with edit, "Use" (the composer, filled in) and delete; and the editor,
//! the one hydrated part, for its live preview: placeholders offered as chips, the text filled
//! from a sample product or one of the user's queue items as it is typed.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::Card;
use crate::components::feedback::{ErrorPanel, Skeleton};
use crate::components::forms::{FieldError, FormAlert, CONTROL_CLASS};
use crate::components::shell::DashboardShell;
use crate::fns::templates::{template_editor, SaveTemplate, TemplateEditorData};
use crate::model::Platform;
use crate::placeholders::{self, OFFERED};
use server_fn::ServerFn;

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let edit = use_query_map()
        .read_untracked()
        .get("edit")
        .and_then(|id| Uuid::parse_str(&id).ok());
    view! {
        <Title text=crate::nav::page_title("/templates") />
        <DashboardShell>
            // The editor comes first in the document: the list's server-only content must not
            // take hydration ids before the editor's (its resource would be looked up under
            // another id in the browser). The list (its heading and notices) shows first on
            // phones and on the left on wide screens.
            <div class="grid gap-6 xl:grid-cols-[minmax(0,1fr)_32rem]">
                <div class="xl:col-start-2 xl:row-start-1"><TemplateEditor edit /></div>
                <div class="order-first min-w-0 xl:order-none xl:col-start-1 xl:row-start-1">{list()}</div>
            </div>
        </DashboardShell>
    }
}

#[cfg(not(feature = "ssr"))]
fn list() -> impl IntoView {
    view! { <ServerBody /> }
}

#[cfg(feature = "ssr")]
fn list() -> impl IntoView {
    view! {
        <ServerBody>
            <Suspense>
                {Suspend::new(async move {
                    match crate::fns::templates::list_templates().await {
                        Ok(templates) => view! { <list::TemplateList templates /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </ServerBody>
    }
}

#[cfg(feature = "ssr")]
mod list {
    use leptos::prelude::*;
    use server_fn::ServerFn;

    use crate::components::button::{button_class, Size, Variant};
    use crate::components::display::{PageHeader, PlatformBadge};
    use crate::fns::templates::DeleteTemplate;
    use crate::model::TemplateView;
    use crate::pages::server_kit::{last_error, ActionError, ConfirmForm, Notice};

    fn notice(code: &str) -> Option<&'static str> {
        match code {
            "created" => Some("Template created."),
            "saved" => Some("Template saved."),
            "deleted" => Some("Template deleted."),
            _ => None,
        }
    }

    #[component]
    pub fn TemplateList(templates: Vec<TemplateView>) -> impl IntoView {
        // Save errors are the editor's to show, beside its fields.
        let error = last_error::<DeleteTemplate>();
        view! {
            <div>
                <PageHeader title="Templates" subtitle="Captions with placeholders, filled in from each product.">
                    <a href="/templates#editor" rel="external" class=button_class(Variant::Primary, Size::Medium)>"New template"</a>
                </PageHeader>
                <Notice message=notice />
                <ActionError error />
                {if templates.is_empty() {
                    view! {
                        <div data-testid="empty-state" class="rounded-2xl border border-dashed border-zinc-300 bg-white px-6 py-12 text-center dark:border-zinc-700 dark:bg-zinc-900">
                            <p class="font-heading text-lg font-semibold">"No templates yet"</p>
                            <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">"Write one in the editor: a caption with placeholders such as {{product.title}}."</p>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <ul class="space-y-3" data-testid="templates">
                            {templates.into_iter().map(|t| view! { <TemplateCard template=t /> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        }
    }

    #[component]
    fn TemplateCard(template: TemplateView) -> impl IntoView {
        let TemplateView {
            id,
            name,
            content,
            hashtags,
            platforms,
            ..
        } = template;
        view! {
            <li class="rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="template" data-template-name=name.clone()>
                <div class="flex flex-wrap items-start justify-between gap-2">
                    <h2 class="font-heading text-base font-semibold">{name.clone()}</h2>
                    <div class="flex flex-wrap gap-1">
                        {platforms.into_iter().map(|p| view! { <PlatformBadge platform=p /> }).collect_view()}
                    </div>
                </div>
                <p class="mt-2 line-clamp-3 whitespace-pre-line text-sm text-zinc-700 dark:text-zinc-300">{content}</p>
                {(!hashtags.is_empty()).then(|| view! {
                    <p class="mt-1 text-sm text-brand">{hashtags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")}</p>
                })}
                <div class="mt-3 flex flex-wrap items-center justify-end gap-2">
                    <a href=format!("/compose?template={id}") class=button_class(Variant::Primary, Size::Small) aria-label=format!("Use {name}")>"Use"</a>
                    <a href=format!("/templates?edit={id}#editor") rel="external" class=button_class(Variant::Secondary, Size::Small) aria-label=format!("Edit {name}")>"Edit"</a>
                    <ConfirmForm
                        label="Delete"
                        name=format!("Delete {name}")
                        warning=format!("Delete the template {name}? Posts written with it stay as they are.")
                        action=DeleteTemplate::PATH
                        fields=vec![("id", id.to_string())]
                        confirm="Delete"
                    />
                </div>
            </li>
        }
    }
}

#[component]
fn TemplateEditor(edit: Option<Uuid>) -> impl IntoView {
    let data = crate::fns::resource(move || edit, template_editor);
    view! {
        <div id="editor" class="scroll-mt-4">
            <Suspense fallback=|| view! { <Skeleton class="h-96 w-full" /> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <EditorForm data /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn EditorForm(data: TemplateEditorData) -> impl IntoView {
    let TemplateEditorData { editing, samples } = data;
    let action = ServerAction::<SaveTemplate>::new();
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let content = RwSignal::new(
        editing
            .as_ref()
            .map(|t| t.content.clone())
            .unwrap_or_default(),
    );
    let tags = RwSignal::new(
        editing
            .as_ref()
            .map(|t| t.hashtags.join(" "))
            .unwrap_or_default(),
    );
    let sample = RwSignal::new(0usize);
    let samples = StoredValue::new(samples);
    let text_area = NodeRef::<leptos::html::Textarea>::new();

    // A chip puts its placeholder where the cursor is (at the end without one).
    let insert = move |field: &str| {
        let placeholder = placeholders::placeholder(field);
        let text = content.get_untracked();
        let element = text_area.get_untracked();
        let at = element
            .as_ref()
            .and_then(|el| el.selection_start().ok().flatten())
            .map(|units| byte_offset(&text, units as usize))
            .unwrap_or(text.len());
        content.set(format!("{}{placeholder}{}", &text[..at], &text[at..]));
        if let Some(el) = element {
            let _ = el.focus();
            let cursor = (text[..at].encode_utf16().count() + placeholder.len()) as u32;
            let _ = el.set_selection_range(cursor, cursor);
        }
    };
    let preview = move || {
        let text = content.get();
        samples.with_value(|samples| {
            let Some(product) = samples.get(sample.get()).or(samples.first()) else {
                return text;
            };
            placeholders::fill(&text, |field| product.value(field))
        })
    };
    let preview_tags = move || {
        let raw = tags.get();
        samples.with_value(|samples| {
            let Some(product) = samples.get(sample.get()).or(samples.first()) else {
                return String::new();
            };
            crate::fns::posts::split_tags(&raw)
                .iter()
                .map(|tag| placeholders::fill_tag(tag, |field| product.value(field)))
                .filter(|tag| !tag.is_empty())
                .map(|tag| format!("#{tag}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
    };
    // "Use" with the chosen queue item fills the composer with it.
    let use_href = {
        let id = editing.as_ref().map(|t| t.id);
        move || {
            id.map(|id| {
                samples.with_value(|samples| {
                    match samples.get(sample.get()).and_then(|s| s.queue_item) {
                        Some(item) => format!("/compose?template={id}&product={item}"),
                        None => format!("/compose?template={id}"),
                    }
                })
            })
        }
    };
    let chosen = editing
        .as_ref()
        .map(|t| t.platforms.clone())
        .unwrap_or_default();
    let title = match &editing {
        Some(t) => format!("Edit “{}”", t.name),
        None => "New template".to_string(),
    };
    view! {
        <Card class="space-y-4">
            <div class="flex items-baseline justify-between gap-2">
                <h2 class="font-heading text-lg font-semibold" data-testid="editor-title">{title}</h2>
                {editing.is_some().then(|| view! { <a href="/templates" rel="external" class="text-sm font-semibold text-brand hover:underline">"New instead"</a> })}
            </div>
            // A plain form: saving loads the page again, list and notice included (the router
            // would keep this page as it is on a redirect to the same route).
            <form method="post" action=SaveTemplate::PATH class="space-y-4" data-testid="template-form">
                <FormAlert error />
                <input type="hidden" name="id" value=editing.as_ref().map(|t| t.id.to_string()).unwrap_or_default() />
                <div class="space-y-1.5">
                    <label for="template-name" class="block text-sm font-medium text-zinc-700 dark:text-zinc-200">"Name"</label>
                    <input id="template-name" name="name" required maxlength="255" class=CONTROL_CLASS
                        value=editing.as_ref().map(|t| t.name.clone()).unwrap_or_default()
                        aria-describedby="field-name-error" />
                    <FieldError field="name" error />
                </div>
                <fieldset>
                    <legend class="text-sm font-medium text-zinc-700 dark:text-zinc-200">"Platforms"</legend>
                    <div class="mt-1.5 flex flex-wrap gap-4">
                        {Platform::ALL.iter().map(|p| view! {
                            <label class="inline-flex items-center gap-2 text-sm">
                                <input type="checkbox" name="platforms[]" value=p.as_str() checked=chosen.contains(p) class="h-4 w-4 rounded border-zinc-400 accent-primary" />
                                {p.label()}
                            </label>
                        }).collect_view()}
                    </div>
                </fieldset>
                <div class="space-y-1.5">
                    <label for="template-content" class="block text-sm font-medium text-zinc-700 dark:text-zinc-200">"Caption"</label>
                    <div class="flex flex-wrap gap-1.5" role="group" aria-label="Insert a placeholder">
                        {OFFERED.iter().map(|(field, label)| view! {
                            <button type="button" data-testid="placeholder-chip"
                                class="rounded-full border border-primary/40 bg-primary/5 px-2.5 py-1 text-xs font-semibold text-brand hover:bg-primary/10"
                                title=placeholders::placeholder(field)
                                on:click=move |_| insert(field)>
                                {format!("+ {label}")}
                            </button>
                        }).collect_view()}
                    </div>
                    <textarea id="template-content" name="content" rows="7" node_ref=text_area class=CONTROL_CLASS
                        aria-describedby="field-content-error"
                        prop:value=move || content.get()
                        on:input=move |ev| content.set(event_target_value(&ev))>
                        {content.get_untracked()}
                    </textarea>
                    <FieldError field="content" error />
                </div>
                <div class="space-y-1.5">
                    <label for="template-hashtags" class="block text-sm font-medium text-zinc-700 dark:text-zinc-200">"Hashtags"</label>
                    <input id="template-hashtags" name="hashtags" class=CONTROL_CLASS placeholder="summer {{product.title}}"
                        aria-describedby="field-hashtags-error"
                        prop:value=move || tags.get()
                        on:input=move |ev| tags.set(event_target_value(&ev))
                        value=tags.get_untracked() />
                    <FieldError field="hashtags" error />
                </div>
                <section aria-labelledby="preview-heading" class="rounded-xl border border-zinc-200 bg-zinc-50 p-3 dark:border-zinc-700 dark:bg-zinc-950">
                    <div class="flex flex-wrap items-center justify-between gap-2">
                        <h3 id="preview-heading" class="text-sm font-semibold">"Preview"</h3>
                        <label class="flex items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
                            "Preview with"
                            <select class="rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
                                data-testid="preview-product"
                                on:change=move |ev| sample.set(event_target_value(&ev).parse().unwrap_or(0))>
                                {samples.with_value(|samples| samples.iter().enumerate().map(|(i, s)| view! { <option value=i.to_string()>{s.label.clone()}</option> }).collect_view())}
                            </select>
                        </label>
                    </div>
                    <p class="mt-2 min-h-12 whitespace-pre-line text-sm" data-testid="preview-text">{preview}</p>
                    <p class="mt-1 text-sm text-brand" data-testid="preview-tags">{preview_tags}</p>
                </section>
                <div class="flex flex-wrap items-center justify-end gap-2">
                    {move || use_href().map(|href| view! { <a href=href class=button_class(Variant::Secondary, Size::Medium) data-testid="use-template">"Use in a post"</a> })}
                    <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Save template"</button>
                </div>
            </form>
        </Card>
    }
}

/// The byte offset of the `units`-th UTF-16 unit of `text` (textarea selections count those).
fn byte_offset(text: &str, units: usize) -> usize {
    let mut count = 0;
    for (offset, ch) in text.char_indices() {
        if count >= units {
            return offset;
        }
        count += ch.len_utf16();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::byte_offset;

    #[test]
    fn selection_units_map_to_byte_offsets() {
        assert_eq!(byte_offset("abc", 1), 1);
        assert_eq!(byte_offset("é😀x", 1), 2);
        assert_eq!(byte_offset("é😀x", 3), 6);
        assert_eq!(byte_offset("ab", 9), 2);
    }
}
