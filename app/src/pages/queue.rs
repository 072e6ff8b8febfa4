//! The content queue (`/queue`): products in, captions written and reviewed, approved into
//! posts. Tabs by status in the URL; add a product by hand or from its page (the imported
//! fields open for review); write a caption in a tone, edit it, write it again, with the AI
//! caption quota in sight; approve after seeing the posts it will create (`?plan=`), reject;
//! both in bulk with what happened to each item; the next week's posts beside. Rendered on
//! the server only (see `server_rendered`): every action is a plain form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};
use server_fn::ServerFn;
use uuid::Uuid;

use super::server_kit::{last_error, ActionError, ConfirmForm};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{Card, PageHeader, PlatformBadge};
use crate::components::feedback::ErrorPanel;
use crate::components::forms::CONTROL_CLASS;
use crate::components::shell::DashboardShell;
use crate::components::url_state::Pagination;
use crate::fns::queue::{
    load_queue, AddProduct, ApprovalPlan, ApproveItem, BulkQueue, GenerateCaption, ImportProduct,
    QueueData, QueueQuery, QueueRow, RejectItem, SaveCaption, SaveProduct, PER_PAGE,
};
use crate::model::{CaptionFallback, Platform, QueueStatus};
use crate::server::captions::Tone;

const LABEL: &str = "block text-sm font-medium text-zinc-700 dark:text-zinc-200";

#[component]
pub fn QueuePage() -> impl IntoView {
    let query = use_query_map().with_untracked(|q| QueueQuery {
        status: q.get("status"),
        page: q.get("page").and_then(|p| p.parse().ok()),
        plan: q.get("plan"),
        accounts: q.get_all("accounts").unwrap_or_default(),
        at: q.get("at"),
        best: q.get("best"),
        imported: q.get("imported"),
    });
    let query = StoredValue::new(query);
    view! {
        <Title text=crate::nav::page_title("/queue") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {
                        let query = query.get_value();
                        Suspend::new(async move {
                            let imported = query.imported.clone();
                            match load_queue(query).await {
                                Ok(data) => view! { <Queue data imported /> }.into_any(),
                                Err(error) => view! { <ErrorPanel error /> }.into_any(),
                            }
                        })
                    }
                </Suspense>
            </ServerBody>
        </DashboardShell>
    }
}

/// The page's URL as it is, for the forms to come back to.
fn this_page() -> String {
    let location = use_location();
    let search = location.search.get_untracked();
    if search.is_empty() {
        "/queue".to_string()
    } else {
        format!("/queue?{}", search.trim_start_matches('?'))
    }
}

fn back_field() -> impl IntoView {
    view! { <input type="hidden" name="back" value=this_page() /> }
}

#[component]
fn Queue(data: QueueData, imported: Option<String>) -> impl IntoView {
    let error = last_error::<AddProduct>()
        .or_else(last_error::<ImportProduct>)
        .or_else(last_error::<SaveProduct>)
        .or_else(last_error::<GenerateCaption>)
        .or_else(last_error::<SaveCaption>)
        .or_else(last_error::<ApproveItem>)
        .or_else(last_error::<RejectItem>)
        .or_else(last_error::<BulkQueue>);
    let quota = match data.captions_left() {
        None => "Unlimited AI captions".to_string(),
        Some(1) => "1 AI caption left this month".to_string(),
        Some(left) => format!("{left} AI captions left this month"),
    };
    let out_of_captions = data.captions_left() == Some(0);
    let pending_tab = data.tab == Some(QueueStatus::Pending);
    let rows = data.items.items.clone();
    let (page, total) = (data.items.page, data.items.total);
    let data = StoredValue::new(data);
    view! {
        <PageHeader title="Content queue" subtitle="Products in, captions reviewed, posts out.">
            <span data-testid="caption-quota" class=format!("rounded-full px-3 py-1 text-sm font-semibold {}", if out_of_captions {
                "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100"
            } else {
                "bg-primary/10 text-brand"
            })>{quota}</span>
        </PageHeader>
        <QueueNotice rows=rows.clone() />
        <ActionError error />
        <div class="grid gap-6 xl:grid-cols-[minmax(0,1fr)_18rem]">
            <div class="min-w-0 space-y-6">
                <AddProductCard />
                <div class="flex flex-wrap items-center justify-between gap-3">
                    <StatusTabs tab=data.with_value(|d| d.tab) counts=data.with_value(|d| d.counts.clone()) />
                </div>
                {pending_tab.then(|| view! { <BulkBar has_items=!rows.is_empty() /> })}
                {if rows.is_empty() {
                    view! {
                        <div data-testid="empty-state" class="rounded-2xl border border-dashed border-zinc-300 bg-white px-6 py-12 text-center dark:border-zinc-700 dark:bg-zinc-900">
                            <p class="font-heading text-lg font-semibold">"Nothing here"</p>
                            <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">"Add a product above: its caption is written here for you to review."</p>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <h2 class="sr-only">"Items"</h2>
                        <ul class="space-y-4" data-testid="queue-items">
                            {rows.into_iter().map(|row| {
                                let open = imported.as_deref() == Some(row.id.to_string().as_str());
                                let plan = data.with_value(|d| d.plan.clone().filter(|p| p.item == row.id));
                                view! { <ItemCard row open plan data out_of_captions selectable=pending_tab /> }
                            }).collect_view()}
                        </ul>
                        <Pagination page per_page=PER_PAGE total />
                    }.into_any()
                }}
            </div>
            <NextWeek data />
        </div>
    }
}

/// What the last action did, from the URL (bulk actions name each refused item).
#[component]
fn QueueNotice(rows: Vec<QueueRow>) -> impl IntoView {
    let q = use_query_map().get_untracked();
    let count = |key: &str| q.get(key).and_then(|c| c.parse::<u64>().ok()).unwrap_or(0);
    let posts = |n: u64| {
        if n == 1 {
            "1 post".to_string()
        } else {
            format!("{n} posts")
        }
    };
    let items = |n: u64| {
        if n == 1 {
            "1 item".to_string()
        } else {
            format!("{n} items")
        }
    };
    // A failed form comes back to the URL it was sent from, last notice included.
    let failed = q.get("__err").is_some();
    let message = match q.get("notice").as_deref().filter(|_| !failed) {
        Some("added") => Some("Product added. Write its caption below.".to_string()),
        Some("imported") => {
            Some("Product imported. Check its details below, then write its caption.".to_string())
        }
        Some("product-saved") => Some("Product saved.".to_string()),
        Some("generated") => Some(
            match q.get("why").as_deref().and_then(CaptionFallback::parse) {
                Some(why) => why.message(count("after")),
                None => "Caption written.".to_string(),
            },
        ),
        Some("caption-saved") => Some("Caption saved.".to_string()),
        Some("approved") => Some(format!("Approved: {} created.", posts(count("count")))),
        Some("rejected") => Some("Item rejected.".to_string()),
        Some("bulk-approve") => Some(format!("{} approved.", items(count("done")))),
        Some("bulk-reject") => Some(format!("{} rejected.", items(count("done")))),
        _ => None,
    };
    let refused: Vec<(String, String)> = q
        .get_all("refused")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| {
            let (id, reason) = entry.split_once('~')?;
            let name = Uuid::parse_str(id)
                .ok()
                .and_then(|id| rows.iter().find(|r| r.id == id))
                .map(|r| r.title.clone())
                .unwrap_or_else(|| "An item".to_string());
            Some((name, reason.to_string()))
        })
        .collect();
    let more = count("more");
    message.map(|text| view! {
        <div role="status" data-testid="notice" class="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
            <p>{text}</p>
            {(!refused.is_empty()).then(|| view! {
                <p class="mt-2 font-semibold">{format!("Not done ({}):", refused.len())}</p>
                <ul class="list-disc pl-5" data-testid="bulk-refused">
                    {refused.into_iter().map(|(name, reason)| view! { <li><span class="font-medium">{name}</span>": "{reason}</li> }).collect_view()}
                    {(more > 0).then(|| view! { <li>{format!("and {more} more")}</li> })}
                </ul>
            })}
        </div>
    })
}

#[component]
fn StatusTabs(tab: Option<QueueStatus>, counts: Vec<u64>) -> impl IntoView {
    let link = |value: Option<QueueStatus>, label: String| {
        let active = value == tab;
        let href = match value {
            Some(QueueStatus::Pending) => "/queue".to_string(),
            Some(status) => format!("/queue?status={}", status.as_str()),
            None => "/queue?status=all".to_string(),
        };
        view! {
            <a href=href rel="external" aria-current=active.then_some("page") class=if active {
                "rounded-md bg-primary px-3 py-1.5 text-sm font-semibold text-white"
            } else {
                "rounded-md px-3 py-1.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
            }>{label}</a>
        }
    };
    view! {
        <nav aria-label="Queue status" class="inline-flex flex-wrap rounded-lg border border-zinc-300 bg-white p-0.5 dark:border-zinc-700 dark:bg-zinc-900">
            {QueueStatus::ALL.iter().zip(counts).map(|(status, count)| {
                let name = match status {
                    QueueStatus::Pending => "To review",
                    QueueStatus::Approved => "Approved",
                    QueueStatus::Rejected => "Rejected",
                    QueueStatus::Posted => "Posted",
                };
                link(Some(*status), format!("{name} ({count})"))
            }).collect_view()}
            {link(None, "All".to_string())}
        </nav>
    }
}

#[component]
fn AddProductCard() -> impl IntoView {
    let platform_boxes = |prefix: &'static str| {
        view! {
            <fieldset>
                <legend class=LABEL>"Publish on"</legend>
                <div class="mt-1.5 flex flex-wrap gap-4">
                    {Platform::ALL.iter().map(|p| view! {
                        <label class="inline-flex items-center gap-2 text-sm">
                            <input type="checkbox" name="platforms[]" value=p.as_str() checked=*p != Platform::Tiktok
                                id=format!("{prefix}-{}", p.as_str()) class="h-4 w-4 rounded border-zinc-400 accent-primary" />
                            {p.label()}
                        </label>
                    }).collect_view()}
                </div>
            </fieldset>
        }
    };
    view! {
        <Card>
            <h2 class="font-heading text-lg font-semibold">"Add a product"</h2>
            <form method="post" action=ImportProduct::PATH class="mt-3 space-y-3" data-testid="import-form">
                <div class="space-y-1.5">
                    <label for="import-url" class=LABEL>"Product page address"</label>
                    <div class="flex flex-col gap-2 sm:flex-row">
                        <input id="import-url" name="url" type="url" required placeholder="https://yourshop.com/products/linen-dress" class=CONTROL_CLASS />
                        <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Import"</button>
                    </div>
                    <p class="text-xs text-zinc-600 dark:text-zinc-400">"PostPilot reads the product's title, price, description and photo from the page; you check them before anything is written."</p>
                </div>
                {platform_boxes("import")}
            </form>
            <details class="mt-4 rounded-xl border border-zinc-200 p-3 dark:border-zinc-700">
                <summary class="cursor-pointer text-sm font-semibold">"Or type it in"</summary>
                <form method="post" action=AddProduct::PATH class="mt-3 space-y-3" data-testid="add-form">
                    <ProductFields prefix="add" row=None />
                    {platform_boxes("add")}
                    <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Add to the queue"</button>
                </form>
            </details>
        </Card>
    }
}

/// A product's fields, empty or filled with `row`'s.
#[component]
fn ProductFields(#[prop(into)] prefix: String, row: Option<QueueRow>) -> impl IntoView {
    let value = |f: fn(&QueueRow) -> String| row.as_ref().map(f).unwrap_or_default();
    let field = |name: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 value: String,
                 required: bool| {
        let id = format!("{prefix}-{name}");
        view! {
            <div class="space-y-1.5">
                <label for=id.clone() class=LABEL>{label}</label>
                <input id=id name=name type=kind value=value required=required class=CONTROL_CLASS />
            </div>
        }
    };
    let description_id = format!("{prefix}-description");
    view! {
        <div class="grid gap-3 sm:grid-cols-2">
            <div class="sm:col-span-2">{field("title", "Title", "text", value(|r| r.title.clone()), true)}</div>
            <div class="space-y-1.5 sm:col-span-2">
                <label for=description_id.clone() class=LABEL>"Description"</label>
                <textarea id=description_id name="description" rows="3" class=CONTROL_CLASS>{value(|r| r.description.clone())}</textarea>
            </div>
            {field("price", "Price", "text", value(|r| r.price.clone()), false)}
            {field("currency", "Currency", "text", value(|r| r.currency.clone()), false)}
            {field("url", "Product link", "url", value(|r| r.url.clone()), false)}
            {field("image_url", "Photo address", "url", value(|r| r.image.clone()), false)}
            <div class="sm:col-span-2">{field("tags", "Tags (comma separated)", "text", value(|r| r.tags.clone()), false)}</div>
        </div>
    }
}

#[component]
fn BulkBar(has_items: bool) -> impl IntoView {
    has_items.then(|| view! {
        <form id="bulk" method="post" action=BulkQueue::PATH data-testid="bulk-form"
            class="flex flex-col gap-3 rounded-2xl border border-zinc-200 bg-white p-3 shadow-sm sm:flex-row sm:items-end dark:border-zinc-800 dark:bg-zinc-900">
            {back_field()}
            <div class="flex-1 space-y-1.5">
                <label for="bulk-time" class=LABEL>"Selected items: schedule at"</label>
                <input id="bulk-time" name="scheduled_for" type="datetime-local" class=CONTROL_CLASS />
                <p class="text-xs text-zinc-600 dark:text-zinc-400">"On each item's accounts; leave empty to make drafts."</p>
            </div>
            <div class="flex gap-2">
                <button type="submit" name="action" value="approve" class=button_class(Variant::Primary, Size::Medium)>"Approve selected"</button>
                <button type="submit" name="action" value="reject" class=button_class(Variant::Secondary, Size::Medium)>"Reject selected"</button>
            </div>
        </form>
    })
}

fn status_badge(status: QueueStatus) -> impl IntoView {
    let (label, class) = match status {
        QueueStatus::Pending => (
            "To review",
            "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
        ),
        QueueStatus::Approved => (
            "Approved",
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100",
        ),
        QueueStatus::Rejected => (
            "Rejected",
            "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
        ),
        QueueStatus::Posted => (
            "Posted",
            "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-100",
        ),
    };
    view! { <span class=format!("rounded-full px-2 py-0.5 text-xs font-semibold {class}") data-testid="queue-status">{label}</span> }
}

#[component]
fn ItemCard(
    row: QueueRow,
    open: bool,
    plan: Option<ApprovalPlan>,
    data: StoredValue<QueueData>,
    out_of_captions: bool,
    /// Whether the bulk form is on the page (the review tab).
    selectable: bool,
) -> impl IntoView {
    let pending = row.status == QueueStatus::Pending;
    let id = row.id.to_string();
    let title = row.title.clone();
    let has_caption = !row.caption.is_empty();
    view! {
        <li id=format!("item-{id}") class="scroll-mt-4 rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm sm:p-5 dark:border-zinc-800 dark:bg-zinc-900"
            data-testid="queue-item" data-title=title.clone()>
            <div class="flex gap-3">
                {(pending && selectable).then(|| view! {
                    <input type="checkbox" form="bulk" name="ids[]" value=id.clone() aria-label=format!("Select {title}")
                        class="mt-1 h-4 w-4 shrink-0 rounded border-zinc-400 accent-primary" data-testid="select-item" />
                })}
                {(!row.image.is_empty()).then(|| view! {
                    <img src=row.image.clone() alt="" loading="lazy" class="h-16 w-16 shrink-0 rounded-lg border border-zinc-200 object-cover dark:border-zinc-700" />
                })}
                <div class="min-w-0 flex-1">
                    <div class="flex flex-wrap items-center gap-2">
                        <h3 class="font-heading text-base font-semibold">{title.clone()}</h3>
                        {status_badge(row.status)}
                    </div>
                    <p class="mt-0.5 flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
                        {(!row.price_label.is_empty()).then(|| view! { <span class="font-semibold text-zinc-800 dark:text-zinc-200">{row.price_label.clone()}</span> })}
                        {row.platforms.iter().map(|p| view! { <PlatformBadge platform=*p /> }).collect_view()}
                        <span>{format!("Added {}", row.added)}</span>
                    </p>
                </div>
            </div>
            <details class="mt-3 rounded-xl border border-zinc-200 p-3 dark:border-zinc-700" open=open data-testid="product-details">
                <summary class="cursor-pointer text-sm font-semibold">"Product details"</summary>
                {if pending {
                    view! {
                        <form method="post" action=SaveProduct::PATH class="mt-3 space-y-3">
                            <input type="hidden" name="id" value=id.clone() />
                            {back_field()}
                            <ProductFields prefix=format!("item-{id}") row=Some(row.clone()) />
                            <button type="submit" class=button_class(Variant::Secondary, Size::Small) aria-label=format!("Save product {title}")>"Save product"</button>
                        </form>
                    }.into_any()
                } else {
                    view! {
                        <dl class="mt-2 grid gap-1 text-sm sm:grid-cols-[8rem_1fr]">
                            <dt class="text-zinc-600 dark:text-zinc-400">"Description"</dt><dd>{row.description.clone()}</dd>
                            <dt class="text-zinc-600 dark:text-zinc-400">"Link"</dt><dd class="break-all">{row.url.clone()}</dd>
                            <dt class="text-zinc-600 dark:text-zinc-400">"Tags"</dt><dd>{row.tags.clone()}</dd>
                        </dl>
                    }.into_any()
                }}
            </details>
            <div class="mt-3 rounded-xl bg-zinc-50 p-3 dark:bg-zinc-950">
                <p class="text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">"Caption"</p>
                {if has_caption {
                    view! {
                        <p class="mt-1 whitespace-pre-line text-sm" data-testid="caption">{row.caption.clone()}</p>
                        <p class="mt-1 text-sm text-brand" data-testid="caption-tags">{row.hashtags.iter().map(|t| format!("#{t}")).collect::<Vec<_>>().join(" ")}</p>
                    }.into_any()
                } else {
                    view! { <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">"No caption yet."</p> }.into_any()
                }}
                {pending.then(|| view! {
                    <div class="mt-3 flex flex-wrap items-end gap-2">
                        <form method="post" action=GenerateCaption::PATH class="flex flex-wrap items-end gap-2" data-testid="generate-form">
                            <input type="hidden" name="id" value=id.clone() />
                            {back_field()}
                            <div>
                                <label for=format!("tone-{id}") class="block text-xs font-medium text-zinc-700 dark:text-zinc-300">"Tone"</label>
                                <select id=format!("tone-{id}") name="tone" class="rounded-lg border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900">
                                    {Tone::ALL.iter().map(|t| view! { <option value=t.as_str()>{t.label()}</option> }).collect_view()}
                                </select>
                            </div>
                            <button type="submit" disabled=out_of_captions class=button_class(Variant::Secondary, Size::Small)
                                aria-label=format!("{} for {title}", if has_caption { "Write the caption again" } else { "Write the caption" })>
                                {if has_caption { "Write again" } else { "Write caption" }}
                            </button>
                        </form>
                        {has_caption.then(|| view! {
                            <details class="w-full" data-testid="edit-caption">
                                <summary class=format!("list-none cursor-pointer {}", button_class(Variant::Ghost, Size::Small)) aria-label=format!("Edit caption of {title}")>"Edit caption"</summary>
                                <form method="post" action=SaveCaption::PATH class="mt-2 space-y-2">
                                    <input type="hidden" name="id" value=id.clone() />
                                    {back_field()}
                                    <label for=format!("caption-{id}") class=LABEL>"Caption"</label>
                                    <textarea id=format!("caption-{id}") name="content" rows="5" class=CONTROL_CLASS>{row.caption.clone()}</textarea>
                                    <label for=format!("hashtags-{id}") class=LABEL>"Hashtags"</label>
                                    <input id=format!("hashtags-{id}") name="hashtags" value=row.hashtags.join(" ") class=CONTROL_CLASS />
                                    <button type="submit" class=button_class(Variant::Primary, Size::Small) aria-label=format!("Save caption of {title}")>"Save caption"</button>
                                </form>
                            </details>
                        })}
                    </div>
                })}
            </div>
            {pending.then(|| view! {
                <div class="mt-3 flex flex-col items-end gap-2">
                    {has_caption.then(|| view! { <ApproveForm row=row.clone() plan=plan.clone() data /> })}
                    <ConfirmForm
                        label="Reject"
                        name=format!("Reject {title}")
                        warning=format!("Reject {title}? It leaves the review list; nothing is posted.")
                        action=RejectItem::PATH
                        fields=vec![("id", id.clone()), ("back", this_page())]
                        confirm="Reject"
                    />
                </div>
            })}
        </li>
    }
}

/// Approving: choose accounts and a time (or a best time), see the posts it will make
/// (`?plan=`), then confirm.
#[component]
fn ApproveForm(
    row: QueueRow,
    plan: Option<ApprovalPlan>,
    data: StoredValue<QueueData>,
) -> impl IntoView {
    let id = row.id.to_string();
    let (status, page) = use_query_map().with_untracked(|q| (q.get("status"), q.get("page")));
    let chosen = plan.as_ref().map(|p| p.account_ids.clone());
    let time = plan
        .as_ref()
        .map(|p| p.local_time.clone())
        .unwrap_or_default();
    let accounts = data.with_value(|d| d.accounts.clone());
    let best_times = data.with_value(|d| d.best_times.clone());
    let zone = data.with_value(|d| d.zone.clone());
    let planned = plan.is_some();
    view! {
        <details class="group w-full open:rounded-xl open:border open:border-primary/30 open:p-3" open=planned data-testid="approve">
            <summary class=format!("ml-auto w-fit list-none cursor-pointer {}", button_class(Variant::Primary, Size::Small)) aria-label=format!("Approve {}", row.title)>"Approve…"</summary>
            <form method="get" action="/queue" class="mt-3 space-y-3" data-testid="plan-form">
                <input type="hidden" name="plan" value=id.clone() />
                {status.map(|s| view! { <input type="hidden" name="status" value=s /> })}
                {page.map(|p| view! { <input type="hidden" name="page" value=p /> })}
                <fieldset>
                    <legend class=LABEL>"Accounts"</legend>
                    <div class="mt-1.5 space-y-1">
                        {accounts.iter().map(|a| {
                            let checked = match &chosen {
                                Some(ids) => ids.contains(&a.id),
                                None => row.platforms.contains(&a.platform),
                            };
                            view! {
                                <label class="flex items-center gap-2 text-sm">
                                    <input type="checkbox" name="accounts" value=a.id.to_string() checked=checked class="h-4 w-4 rounded border-zinc-400 accent-primary" />
                                    {format!("{} ({})", a.name, a.platform.label())}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
                <div class="grid gap-3 sm:grid-cols-2">
                    <div class="space-y-1.5">
                        <label for=format!("at-{id}") class=LABEL>"When"</label>
                        <input id=format!("at-{id}") name="at" type="datetime-local" value=time.clone() class=CONTROL_CLASS />
                        <p class="text-xs text-zinc-600 dark:text-zinc-400">{format!("In {zone}; empty makes drafts.")}</p>
                    </div>
                    <div class="space-y-1.5">
                        <label for=format!("best-{id}") class=LABEL>"Or a best time"</label>
                        <select id=format!("best-{id}") name="best" class=CONTROL_CLASS>
                            <option value="">"—"</option>
                            {best_times.iter().map(|b| view! {
                                <option value=b.next_local.clone()>{format!("{} · {}", b.label, b.platform.label())}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <button type="submit" class=button_class(Variant::Secondary, Size::Small) aria-label=format!("Preview the posts of {}", row.title)>"Preview the posts"</button>
            </form>
            {plan.map(|plan| view! { <PlanBox plan /> })}
        </details>
    }
}

#[component]
fn PlanBox(plan: ApprovalPlan) -> impl IntoView {
    if !plan.problem.is_empty() {
        return view! {
            <p role="alert" data-testid="plan-problem" class="mt-3 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                {plan.problem}
            </p>
        }
        .into_any();
    }
    let back = use_query_map().with_untracked(|q| {
        let mut back = String::from("/queue?");
        for key in ["status", "page"] {
            if let Some(value) = q.get(key) {
                back.push_str(&format!(
                    "{key}={}&",
                    crate::components::url_state::encode(&value)
                ));
            }
        }
        back.trim_end_matches(['?', '&']).to_string()
    });
    view! {
        <div class="mt-3 rounded-lg border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-800 dark:bg-emerald-950" data-testid="plan">
            <p class="text-sm font-semibold text-emerald-900 dark:text-emerald-100">
                {format!("This creates {}:", if plan.posts.len() == 1 { "1 post".to_string() } else { format!("{} posts", plan.posts.len()) })}
            </p>
            <ul class="mt-1 space-y-1 text-sm text-emerald-900 dark:text-emerald-100" data-testid="planned-posts">
                {plan.posts.iter().map(|p| view! {
                    <li>{format!("{} on {} · {}", p.account_name, p.platform.label(), if p.when.is_empty() { "draft".to_string() } else { p.when.clone() })}</li>
                }).collect_view()}
            </ul>
            <form method="post" action=ApproveItem::PATH class="mt-3">
                <input type="hidden" name="id" value=plan.item.to_string() />
                <input type="hidden" name="back" value=back />
                <input type="hidden" name="scheduled_for" value=plan.local_time.clone() />
                {plan.account_ids.iter().map(|a| view! { <input type="hidden" name="accounts[]" value=a.to_string() /> }).collect_view()}
                <button type="submit" class=button_class(Variant::Primary, Size::Small)>"Approve and schedule"</button>
            </form>
        </div>
    }
    .into_any()
}

#[component]
fn NextWeek(data: StoredValue<QueueData>) -> impl IntoView {
    let days = data.with_value(|d| d.next_week.clone());
    let empty = days.iter().all(|d| d.posts.is_empty());
    view! {
        <aside aria-labelledby="next-week-heading">
            <Card class="xl:sticky xl:top-4">
                <div class="flex items-baseline justify-between">
                    <h2 id="next-week-heading" class="font-heading text-lg font-semibold">"Next 7 days"</h2>
                    <a href="/calendar?view=week" class="text-sm font-semibold text-brand hover:underline">"Calendar"</a>
                </div>
                {if empty {
                    view! { <p class="mt-2 text-sm text-zinc-600 dark:text-zinc-400">"Nothing scheduled yet."</p> }.into_any()
                } else {
                    view! {
                        <ol class="mt-3 space-y-3" data-testid="next-week">
                            {days.into_iter().filter(|d| !d.posts.is_empty()).map(|day| view! {
                                <li>
                                    <p class="text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">{day.label}</p>
                                    <ul class="mt-1 space-y-1">
                                        {day.posts.into_iter().map(|(time, platform, excerpt)| view! {
                                            <li class="flex items-start gap-2 text-sm">
                                                <span class="w-16 shrink-0 tabular-nums text-zinc-600 dark:text-zinc-400">{time}</span>
                                                <span class="sr-only">{platform.label()}</span>
                                                <span class="min-w-0 flex-1 truncate">{excerpt}</span>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
            </Card>
        </aside>
    }
}
