//! The admin console (`/admin`, `/admin/logs`, `/admin/users`, `/admin/system`), where admins
//! answer "what happened?". Anyone else gets the not-found page: the console does not exist
//! for them. Rendered on the server only (see `server_rendered`): filters are GET forms whose
//! state is the URL, changes are plain forms, and the live tail is a small script over a
//! server-sent event stream (`GET /admin/logs/stream`, in the server binary).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

use super::not_found::NotFoundPage;
use super::server_kit::{last_error, ActionError, ConfirmForm, Notice};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{Card, EmptyState, PageHeader};
use crate::components::feedback::ErrorPanel;
use crate::components::forms::CONTROL_CLASS;
use crate::components::shell::DashboardShell;
use crate::components::url_state::encode;
use crate::fns::admin::{
    logs_page, require_admin, system_page, users_page, AdminUpdateUser, LogQuery, LogRow, LogsPage,
    SystemPage, UserRow, UsersPage,
};
use crate::model::{EventKind, EventLevel, PlanTier, Role};

/// The console's sections, in the order of its tabs.
const SECTIONS: [(&str, &str); 3] = [
    ("/admin/logs", "Logs"),
    ("/admin/users", "Users"),
    ("/admin/system", "System"),
];

/// The frame of every console page: the dashboard shell, the section tabs and the page, for
/// admins; the not-found page for everyone else. Every link of the console loads a document
/// (`rel="external"`): in the browser the pages are a stand-in that keeps the server's markup,
/// so the router changing only the query would leave the old page in place.
#[component]
fn AdminFrame(path: &'static str, children: ChildrenFn) -> impl IntoView {
    if require_admin().is_err() {
        return view! { <NotFoundPage /> }.into_any();
    }
    let children = StoredValue::new(children);
    view! {
        <Title text=crate::nav::page_title(path) />
        <DashboardShell>
            <ServerBody>
                <nav aria-label="Admin console" class="mb-6 flex flex-wrap items-center gap-1 border-b border-zinc-200 dark:border-zinc-800">
                    <a href="/admin" rel="external" class="mr-3 pb-2 font-heading text-sm font-bold text-zinc-900 dark:text-zinc-100">"Admin"</a>
                    {SECTIONS
                        .into_iter()
                        .map(|(href, label)| {
                            let current = href == path;
                            view! {
                                <a
                                    href=href
                                    rel="external"
                                    aria-current=current.then_some("page")
                                    class=if current {
                                        "-mb-px border-b-2 border-primary px-3 pb-2 text-sm font-semibold text-brand"
                                    } else {
                                        "-mb-px border-b-2 border-transparent px-3 pb-2 text-sm font-medium text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100"
                                    }
                                >
                                    {label}
                                </a>
                            }
                        })
                        .collect_view()}
                </nav>
                {move || children.read_value()()}
            </ServerBody>
        </DashboardShell>
    }
    .into_any()
}

/// `/admin`: where each section answers which question.
#[component]
pub fn AdminPage() -> impl IntoView {
    const CARDS: [(&str, &str, &str); 3] = [
        (
            "/admin/logs",
            "Logs",
            "What happened: every publishing attempt, sign-in, webhook and admin action, filtered and followed live.",
        ),
        (
            "/admin/users",
            "Users",
            "Who uses PostPilot: plans, roles and activity; change a plan or role, deactivate or reactivate.",
        ),
        (
            "/admin/system",
            "System",
            "Whether it is healthy: each instance's scheduler, what is due and failing, the database.",
        ),
    ];
    view! {
        <AdminFrame path="/admin">
            <PageHeader title="Admin console" subtitle="Everything an operator needs to answer \u{201c}what happened?\u{201d}" />
            <div class="grid gap-4 md:grid-cols-3">
                {CARDS
                    .into_iter()
                    .map(|(href, title, text)| view! {
                        <a href=href rel="external" class="group block rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm transition hover:border-primary dark:border-zinc-800 dark:bg-zinc-900">
                            <h2 class="font-heading text-lg font-semibold group-hover:text-brand">{title}</h2>
                            <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{text}</p>
                        </a>
                    })
                    .collect_view()}
            </div>
        </AdminFrame>
    }
}

// ---------------------------------------------------------------------------------------------
// Logs

#[component]
pub fn AdminLogsPage() -> impl IntoView {
    let pairs: Vec<(String, String)> = use_query_map()
        .get_untracked()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let query = StoredValue::new(LogQuery::from_pairs(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    ));
    view! {
        <AdminFrame path="/admin/logs">
            <Suspense>
                {Suspend::new(async move {
                    let query = query.get_value();
                    let page = logs_page(&query).await;
                    view! { <Logs query page /> }
                })}
            </Suspense>
        </AdminFrame>
    }
}

/// The query string of the filter, `&`-joined and encoded ("" when nothing is filtered).
fn filter_query(query: &LogQuery) -> String {
    query
        .filter_params()
        .into_iter()
        .map(|(k, v)| format!("{k}={}", encode(&v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn with_query(path: &str, query: &str, extra: &str) -> String {
    match (query.is_empty(), extra.is_empty()) {
        (true, true) => path.to_string(),
        (false, true) => format!("{path}?{query}"),
        (true, false) => format!("{path}?{extra}"),
        (false, false) => format!("{path}?{query}&{extra}"),
    }
}

#[component]
fn Logs(query: LogQuery, page: Result<LogsPage, crate::error::AppError>) -> impl IntoView {
    let filter = filter_query(&query);
    let csv = with_query("/admin/logs/export.csv", &filter, "");
    let json = with_query("/admin/logs/export.json", &filter, "");
    let zone = page.as_ref().map(|p| p.zone.clone()).unwrap_or_default();
    let subtitle = if zone.is_empty() {
        "Everything PostPilot did, newest first.".to_string()
    } else {
        format!("Everything PostPilot did, newest first. Times are in {zone}.")
    };
    view! {
        <PageHeader title="Event log" subtitle>
            <a rel="external" href=csv class=button_class(Variant::Secondary, Size::Small) data-testid="export-csv" download="">"Export CSV"</a>
            <a rel="external" href=json class=button_class(Variant::Secondary, Size::Small) data-testid="export-json" download="">"Export JSON"</a>
        </PageHeader>
        <LogFilterForm query=query.clone() />
        {match page {
            Err(error) => view! { <ErrorPanel error /> }.into_any(),
            Ok(page) => view! { <LogList page filter /> }.into_any(),
        }}
    }
}

#[component]
fn LogFilterForm(query: LogQuery) -> impl IntoView {
    let label =
        "block text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400";
    let selected = |current: &Option<String>, value: &str| current.as_deref() == Some(value);
    view! {
        <form method="get" action="/admin/logs" role="search" aria-label="Filter the event log" data-testid="log-filter"
            class="mb-6 grid grid-cols-1 gap-3 rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-4 dark:border-zinc-800 dark:bg-zinc-900">
            <div class="space-y-1 sm:col-span-2">
                <label for="log-q" class=label>"Message contains"</label>
                <input id="log-q" name="q" type="search" value=query.q.clone() maxlength="200" placeholder="rate limit, a post id, an email…" class=CONTROL_CLASS />
            </div>
            <div class="space-y-1">
                <label for="log-kind" class=label>"Kind"</label>
                <select id="log-kind" name="kind" class=CONTROL_CLASS>
                    <option value="">"All kinds"</option>
                    {EventKind::ALL.iter().map(|kind| view! {
                        <option value=kind.as_str() selected=selected(&query.kind, kind.as_str())>{kind_label(kind.as_str())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="space-y-1">
                <label for="log-level" class=label>"Level"</label>
                <select id="log-level" name="level" class=CONTROL_CLASS>
                    <option value="">"All levels"</option>
                    {EventLevel::ALL.iter().map(|level| view! {
                        <option value=level.as_str() selected=selected(&query.level, level.as_str())>{level_label(level.as_str())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="space-y-1">
                <label for="log-user" class=label>"User (email or id)"</label>
                <input id="log-user" name="user" value=query.user.clone() autocomplete="off" class=CONTROL_CLASS />
            </div>
            <div class="space-y-1">
                <label for="log-post" class=label>"Post id"</label>
                <input id="log-post" name="post" value=query.post.clone() autocomplete="off" spellcheck="false" class=format!("{CONTROL_CLASS} font-mono") />
            </div>
            <div class="space-y-1">
                <label for="log-since" class=label>"From"</label>
                <input id="log-since" name="since" type="datetime-local" value=query.since.clone() class=format!("{CONTROL_CLASS} dark:[color-scheme:dark]") />
            </div>
            <div class="space-y-1">
                <label for="log-until" class=label>"Until"</label>
                <input id="log-until" name="until" type="datetime-local" value=query.until.clone() class=format!("{CONTROL_CLASS} dark:[color-scheme:dark]") />
            </div>
            <div class="flex items-end gap-2 sm:col-span-2 lg:col-span-4 lg:justify-end">
                <a rel="external" href="/admin/logs" class=button_class(Variant::Ghost, Size::Medium)>"Clear"</a>
                <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Apply filters"</button>
            </div>
        </form>
    }
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "publish" => "Publishing",
        "audit" => "Audit",
        "webhook" => "Webhooks",
        "scheduler" => "Scheduler",
        "auth" => "Sign-ins",
        "error" => "Errors",
        _ => "Other",
    }
}

fn level_label(level: &str) -> &'static str {
    match level {
        "info" => "Info",
        "warn" => "Warning",
        "error" => "Error",
        _ => "Other",
    }
}

fn level_class(level: &str) -> &'static str {
    match level {
        "error" => "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
        "warn" => "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-100",
        _ => "bg-sky-100 text-sky-900 dark:bg-sky-950 dark:text-sky-100",
    }
}

#[component]
fn LogList(page: LogsPage, filter: String) -> impl IntoView {
    let LogsPage {
        rows,
        older,
        paged,
        tail_after: after,
        zone: _,
    } = page;
    let stream = with_query("/admin/logs/stream", &filter, &format!("after={after}"));
    let empty = rows.is_empty();
    view! {
        {(!paged).then(|| view! {
            <div class="mb-3 flex flex-wrap items-center gap-3">
                <button type="button" id="tail-toggle" hidden aria-pressed="false" data-stream=stream data-testid="tail-toggle" class=button_class(Variant::Secondary, Size::Small)>
                    "Follow new entries"
                </button>
                <p id="tail-status" role="status" class="text-sm text-zinc-600 dark:text-zinc-400"></p>
            </div>
        })}
        {empty.then(|| view! {
            <div id="log-empty">
                <EmptyState title="No entry matches" hint="Clear a filter or widen the time range." />
            </div>
        })}
        <ol id="log-list" data-testid="log-list" class="space-y-2">
            {rows.into_iter().map(|row| view! { <LogItem row /> }).collect_view()}
        </ol>
        <div class="mt-4 flex flex-wrap justify-between gap-2">
            {paged.then(|| view! {
                <a rel="external" href=with_query("/admin/logs", &filter, "") class=button_class(Variant::Ghost, Size::Small)>"← Newest entries"</a>
            })}
            <span></span>
            {older.map(|cursor| view! {
                <a rel="external" href=with_query("/admin/logs", &filter, &format!("before={cursor}")) data-testid="older" class=button_class(Variant::Secondary, Size::Small)>"Older entries →"</a>
            })}
        </div>
        {(!paged).then(|| view! { <TailScript /> })}
    }
}

/// One entry: its line, and behind it the entry's data with what it names linked.
#[component]
pub fn LogItem(row: LogRow) -> impl IntoView {
    let LogRow {
        id,
        at,
        at_iso,
        kind,
        level,
        message,
        user,
        post_id,
        account,
        data,
    } = row;
    let who = user
        .as_ref()
        .map(|u| u.email.clone().unwrap_or_else(|| "deleted user".into()));
    let full_message = message.clone();
    view! {
        <li id=format!("log-{id}") data-testid="log-entry" data-level=level.clone() data-kind=kind.clone()
            class="rounded-xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <details class="group">
                <summary class="flex cursor-pointer list-none flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:gap-3">
                    <span class="flex shrink-0 items-center gap-2">
                        <time datetime=at_iso class="font-mono text-xs tabular-nums text-zinc-600 dark:text-zinc-400">{at}</time>
                        <span class=format!("rounded-full px-2 py-0.5 text-xs font-semibold {}", level_class(&level))>{level_label(&level)}</span>
                        <span class="rounded-full bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200">{kind_label(&kind)}</span>
                    </span>
                    <span class="min-w-0 flex-1 break-words text-sm text-zinc-900 sm:truncate dark:text-zinc-100" data-testid="log-message">{message}</span>
                    {who.map(|who| view! { <span class="shrink-0 truncate text-xs text-zinc-600 sm:max-w-[14rem] dark:text-zinc-400">{who}</span> })}
                </summary>
                <div class="space-y-3 border-t border-zinc-200 px-4 py-3 text-sm dark:border-zinc-800" data-testid="log-details">
                    <dl class="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
                        <dt class="font-medium text-zinc-600 dark:text-zinc-400">"Message"</dt>
                        <dd class="min-w-0 whitespace-pre-wrap break-words" data-testid="log-full-message">{full_message}</dd>
                        {user.map(|user| view! {
                            <dt class="font-medium text-zinc-600 dark:text-zinc-400">"User"</dt>
                            <dd class="min-w-0 break-words">
                                {match user.email {
                                    Some(email) => view! {
                                        <a rel="external" class="font-medium text-brand underline" href=format!("/admin/users?q={}", encode(&email))>{email.clone()}</a>
                                        " · "
                                        <a rel="external" class="text-brand underline" href=format!("/admin/logs?user={}", user.id)>"their entries"</a>
                                    }.into_any(),
                                    None => view! { <span class="font-mono text-xs">{format!("{} (deleted)", user.id)}</span> }.into_any(),
                                }}
                            </dd>
                        })}
                        {post_id.map(|post| view! {
                            <dt class="font-medium text-zinc-600 dark:text-zinc-400">"Post"</dt>
                            <dd class="min-w-0 break-all">
                                <a rel="external" class="font-mono text-xs text-brand underline" href=format!("/admin/logs?post={post}") data-testid="post-link">{post.to_string()}</a>
                                <span class="text-zinc-600 dark:text-zinc-400">" (every entry about it)"</span>
                            </dd>
                        })}
                        {account.map(|account| view! {
                            <dt class="font-medium text-zinc-600 dark:text-zinc-400">"Account"</dt>
                            <dd class="min-w-0 break-words" data-testid="account">
                                {match (account.name, account.platform) {
                                    (Some(name), Some(platform)) => format!(
                                        "{name} on {platform} · {}",
                                        if account.connected { "connected" } else { "disconnected" }
                                    ),
                                    _ => format!("{} (deleted)", account.id),
                                }}
                            </dd>
                        })}
                        <dt class="font-medium text-zinc-600 dark:text-zinc-400">"Entry"</dt>
                        <dd class="min-w-0 break-all font-mono text-xs">{id.to_string()}</dd>
                    </dl>
                    <pre class="max-h-96 overflow-auto rounded-lg bg-zinc-100 p-3 font-mono text-xs text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100" data-testid="log-data" tabindex="0" role="region" aria-label="The entry's data">{data}</pre>
                </div>
            </details>
        </li>
    }
}

/// An entry's markup, for the live tail's events: newlines written as character references
/// so that one event's data stays one line.
pub fn log_item_html(row: LogRow) -> String {
    view! { <LogItem row /> }
        .to_html()
        .replace('\r', "&#13;")
        .replace('\n', "&#10;")
}

/// The live tail: the button follows the stream and puts each new entry on top (once, even
/// after a reconnection), until paused or the page is left; following again goes on from the
/// last entry received. Without JavaScript the button stays hidden and reloading shows new
/// entries.
const TAIL_SCRIPT: &str = "(function(){var b=document.getElementById('tail-toggle'),l=document.getElementById('log-list'),s=document.getElementById('tail-status');if(!b||!l||!s||!window.EventSource)return;b.hidden=false;var es=null,n=0,last='';function stop(msg){if(es){es.close();es=null}b.setAttribute('aria-pressed','false');b.textContent='Follow new entries';s.textContent=msg}function start(){var u=b.getAttribute('data-stream');if(last)u=u.replace(/([?&])after=[^&]*/,'$1after='+encodeURIComponent(last));es=new EventSource(u);b.setAttribute('aria-pressed','true');b.textContent='Pause';s.textContent='Following new entries\u{2026}';es.addEventListener('entry',function(e){if(e.lastEventId)last=e.lastEventId;var t=document.createElement('template');t.innerHTML=e.data;var li=t.content.firstElementChild;if(!li||document.getElementById(li.id))return;li.classList.add('border-l-4','border-l-primary');l.prepend(li);n++;var x=document.getElementById('log-empty');if(x)x.remove();s.textContent='Following new entries: '+n+' new.'});es.addEventListener('end',function(){stop('The live tail ended. Reload to follow again.')});es.onerror=function(){if(es&&es.readyState===2){stop('The live tail stopped. Reload to follow again.')}else{s.textContent='Connection lost; reconnecting\u{2026}'}}}b.addEventListener('click',function(){if(es){stop('Paused.')}else{start()}});window.addEventListener('pagehide',function(){if(es)es.close()})})()";

#[component]
fn TailScript() -> impl IntoView {
    view! { <script nonce=leptos::nonce::use_nonce() inner_html=TAIL_SCRIPT></script> }
}

// ---------------------------------------------------------------------------------------------
// Users

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let q = StoredValue::new(query.get("q").filter(|q| !q.trim().is_empty()));
    let page = query.get("page").and_then(|p| p.parse::<u64>().ok());
    view! {
        <AdminFrame path="/admin/users">
            <Suspense>
                {Suspend::new(async move {
                    let q = q.get_value();
                    let found = users_page(q.as_deref(), page).await;
                    view! { <Users q found /> }
                })}
            </Suspense>
        </AdminFrame>
    }
}

fn users_notice(code: &str) -> Option<&'static str> {
    match code {
        "updated" => Some("Saved. The change is recorded in the event log."),
        _ => None,
    }
}

#[component]
fn Users(q: Option<String>, found: Result<UsersPage, crate::error::AppError>) -> impl IntoView {
    let error = last_error::<AdminUpdateUser>();
    let subtitle = match &found {
        Ok(found) if q.is_some() && found.total == 1 => "1 user matches.".to_string(),
        Ok(found) if q.is_some() => format!("{} users match.", found.total),
        Ok(found) if found.total == 1 => "1 user in all.".to_string(),
        Ok(found) => format!("{} users in all.", found.total),
        Err(_) => String::new(),
    };
    view! {
        <PageHeader title="Users" subtitle />
        <Notice message=users_notice />
        <ActionError error />
        <form method="get" action="/admin/users" role="search" aria-label="Search users" class="mb-4 flex max-w-xl gap-2">
            <label for="user-q" class="sr-only">"Email contains"</label>
            <input id="user-q" name="q" type="search" value=q.clone() placeholder="Search by email" class=CONTROL_CLASS />
            <button type="submit" class=button_class(Variant::Secondary, Size::Medium)>"Search"</button>
        </form>
        {match found {
            Err(error) => view! { <ErrorPanel error /> }.into_any(),
            Ok(found) if found.users.is_empty() => view! {
                <EmptyState title="No user matches" hint="Search for part of an email address." />
            }.into_any(),
            Ok(found) => view! { <UserTable found q /> }.into_any(),
        }}
    }
}

#[component]
fn UserTable(found: UsersPage, q: Option<String>) -> impl IntoView {
    let UsersPage {
        users,
        page,
        pages,
        total: _,
    } = found;
    let page_link = |to: u64| {
        let mut href = format!("/admin/users?page={to}");
        if let Some(q) = &q {
            href.push_str(&format!("&q={}", encode(q)));
        }
        href
    };
    let previous = (page > 1).then(|| page_link(page - 1));
    let next = (page < pages).then(|| page_link(page + 1));
    view! {
        <div class="relative max-w-full overflow-x-auto rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <table class="w-full min-w-[60rem] text-left text-sm" data-testid="users">
                <thead class="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
                    <tr>
                        <th scope="col" class="px-4 py-3 font-semibold">"User"</th>
                        <th scope="col" class="px-4 py-3 font-semibold">"Plan"</th>
                        <th scope="col" class="px-4 py-3 font-semibold">"Role"</th>
                        <th scope="col" class="px-4 py-3 font-semibold">"Status"</th>
                        <th scope="col" class="px-4 py-3 text-right font-semibold">"Posts"</th>
                        <th scope="col" class="px-4 py-3 text-right font-semibold">"Accounts"</th>
                        <th scope="col" class="px-4 py-3 font-semibold"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-200 dark:divide-zinc-800">
                    {users.into_iter().map(|user| view! { <UserLine user q=q.clone() page /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav aria-label="Pages" class="mt-4 flex items-center justify-between gap-2 text-sm">
            {match previous {
                Some(href) => view! { <a rel="external" href=href class=button_class(Variant::Ghost, Size::Small)>"← Previous"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
            <span class="text-zinc-600 dark:text-zinc-400">{format!("Page {page} of {pages}")}</span>
            {match next {
                Some(href) => view! { <a rel="external" href=href class=button_class(Variant::Ghost, Size::Small)>"Next →"</a> }.into_any(),
                None => view! { <span></span> }.into_any(),
            }}
        </nav>
    }
}

/// The hidden fields every change form of a line carries: the user, and the list to return to.
fn return_fields(id: &str, q: &Option<String>, page: u64) -> impl IntoView {
    view! {
        <input type="hidden" name="id" value=id.to_string() />
        {q.clone().map(|q| view! { <input type="hidden" name="q" value=q /> })}
        <input type="hidden" name="page" value=page.to_string() />
    }
}

#[component]
fn UserLine(user: UserRow, q: Option<String>, page: u64) -> impl IntoView {
    let id = user.id.to_string();
    let email = user.email.clone();
    let select_class = "rounded-lg border border-zinc-300 bg-white px-2 py-1 text-sm text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100";
    let status = if user.active {
        view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">"Active"</span> }.into_any()
    } else {
        view! { <span class="rounded-full bg-zinc-200 px-2 py-0.5 text-xs font-semibold text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200">"Deactivated"</span> }.into_any()
    };
    let mut fields = vec![("id", id.clone()), ("page", page.to_string())];
    if let Some(q) = &q {
        fields.push(("q", q.clone()));
    }
    let toggle = if user.is_you {
        view! { <span class="text-xs text-zinc-600 dark:text-zinc-400">"This is you"</span> }
            .into_any()
    } else if user.active {
        let mut fields = fields.clone();
        fields.push(("active", "false".into()));
        view! {
            <ConfirmForm
                label="Deactivate"
                name=format!("Deactivate {email}")
                warning=format!("Deactivate {email}? They are signed out everywhere, their API keys are refused and their scheduled posts are held until they are reactivated. Nothing is deleted.")
                action=AdminUpdateUser::PATH
                fields
                confirm="Deactivate user"
            />
        }.into_any()
    } else {
        view! {
            <form method="post" action=AdminUpdateUser::PATH>
                {return_fields(&id, &q, page)}
                <input type="hidden" name="active" value="true" />
                <button type="submit" aria-label=format!("Reactivate {email}") class=button_class(Variant::Secondary, Size::Small)>"Reactivate"</button>
            </form>
        }.into_any()
    };
    view! {
        <tr data-testid="user-row" data-email=user.email.clone()>
            <td class="px-4 py-3">
                <a rel="external" href=format!("/admin/logs?user={}", user.id) class="font-medium text-zinc-900 hover:text-brand hover:underline dark:text-zinc-100" title="Their event log entries">{user.email.clone()}</a>
                <p class="text-xs text-zinc-600 dark:text-zinc-400">{format!("Joined {}", user.joined)}</p>
            </td>
            <td class="px-4 py-3">
                <form method="post" action=AdminUpdateUser::PATH class="flex items-center gap-2">
                    {return_fields(&id, &q, page)}
                    <select name="plan" aria-label=format!("Plan of {email}") class=select_class>
                        {PlanTier::ALL.into_iter().map(|plan| view! {
                            <option value=plan.as_str() selected=plan == user.plan>{plan.limits().name}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" aria-label=format!("Save the plan of {email}") class=button_class(Variant::Ghost, Size::Small)>"Save"</button>
                </form>
            </td>
            <td class="px-4 py-3">
                {if user.is_you {
                    view! { <span class="text-sm">"Admin"</span> }.into_any()
                } else {
                    view! {
                        <form method="post" action=AdminUpdateUser::PATH class="flex items-center gap-2">
                            {return_fields(&id, &q, page)}
                            <select name="role" aria-label=format!("Role of {email}") class=select_class>
                                {Role::ALL.iter().map(|role| view! {
                                    <option value=role.as_str() selected=*role == user.role>{if *role == Role::Admin { "Admin" } else { "Member" }}</option>
                                }).collect_view()}
                            </select>
                            <button type="submit" aria-label=format!("Save the role of {email}") class=button_class(Variant::Ghost, Size::Small)>"Save"</button>
                        </form>
                    }.into_any()
                }}
            </td>
            <td class="px-4 py-3" data-testid="user-status">{status}</td>
            <td class="px-4 py-3 text-right tabular-nums">{user.posts}</td>
            <td class="px-4 py-3 text-right tabular-nums">{user.accounts}</td>
            <td class="px-4 py-3 text-right">{toggle}</td>
        </tr>
    }
}

// ---------------------------------------------------------------------------------------------
// System

#[component]
pub fn AdminSystemPage() -> impl IntoView {
    view! {
        <AdminFrame path="/admin/system">
            <Suspense>
                {Suspend::new(async move {
                    match system_page().await {
                        Ok(system) => view! { <System system /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error /> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminFrame>
    }
}

#[component]
fn Figure(
    label: &'static str,
    #[prop(into)] value: String,
    #[prop(into)] note: String,
) -> impl IntoView {
    view! {
        <div class="rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="figure">
            <p class="text-xs font-semibold uppercase tracking-wide text-zinc-600 dark:text-zinc-400">{label}</p>
            <p class="mt-1 font-heading text-2xl font-bold tabular-nums">{value}</p>
            <p class="mt-1 text-xs text-zinc-600 dark:text-zinc-400">{note}</p>
        </div>
    }
}

#[component]
fn System(system: SystemPage) -> impl IntoView {
    let SystemPage {
        instances,
        due_now,
        waiting_since,
        publishing,
        failed_24h,
        failure_reasons,
        published_1h,
        lateness_p50,
        lateness_p99,
        database,
        database_size,
        version,
        uptime,
        scheduler_enabled,
    } = system;
    let over = match published_1h {
        0 => "No post was published in the last hour".to_string(),
        1 => "Of the 1 post published in the last hour".to_string(),
        n => format!("Of the {n} posts published in the last hour"),
    };
    let lateness = match (lateness_p50, lateness_p99) {
        (Some(p50), Some(p99)) => format!("{p50} / {p99}"),
        _ => "–".to_string(),
    };
    view! {
        <PageHeader title="System" subtitle="The scheduler on every instance, the shared queue and the database." />
        <div class="grid grid-cols-2 gap-3 lg:grid-cols-4">
            <Figure label="Due now" value=due_now.to_string() note=waiting_since.map(|s| format!("Oldest waiting since {s}")).unwrap_or_else(|| "Nothing is waiting".into()) />
            <Figure label="Publishing" value=publishing.to_string() note="Claimed by an instance right now" />
            <Figure label="Failed, 24 h" value=failed_24h.to_string() note="Posts that gave up in the last day" />
            <Figure label="Lateness p50 / p99" value=lateness note=over />
        </div>
        <section aria-labelledby="instances-heading" class="mt-8 min-w-0">
            <h2 id="instances-heading" class="mb-3 font-heading text-lg font-semibold">"Scheduler instances"</h2>
            {if instances.is_empty() {
                view! {
                    <EmptyState title="No scheduler has ticked yet" hint="Instances appear here after their first tick (every few seconds while `serve` runs with the scheduler on)." />
                }.into_any()
            } else {
                view! {
                    <div class="relative max-w-full overflow-x-auto rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
                        <table class="w-full min-w-[44rem] text-left text-sm" data-testid="instances">
                            <thead class="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
                                <tr>
                                    <th scope="col" class="px-4 py-3 font-semibold">"Instance"</th>
                                    <th scope="col" class="px-4 py-3 font-semibold">"Health"</th>
                                    <th scope="col" class="px-4 py-3 font-semibold">"Last tick"</th>
                                    <th scope="col" class="px-4 py-3 text-right font-semibold">"Took"</th>
                                    <th scope="col" class="px-4 py-3 font-semibold">"Started"</th>
                                    <th scope="col" class="px-4 py-3 font-semibold">"Version"</th>
                                </tr>
                            </thead>
                            <tbody class="divide-y divide-zinc-200 dark:divide-zinc-800">
                                {instances.into_iter().map(|i| {
                                    let health = match (&i.error, i.silent) {
                                        (_, true) => view! { <span class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900 dark:bg-amber-950 dark:text-amber-100">"Silent"</span> }.into_any(),
                                        (Some(error), false) => view! {
                                            <span class="rounded-full bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-800 dark:bg-red-950 dark:text-red-200">"Failing"</span>
                                            <p class="mt-1 max-w-xs break-words text-xs text-red-800 dark:text-red-200">{error.clone()}</p>
                                        }.into_any(),
                                        (None, false) => view! { <span class="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100">"Healthy"</span> }.into_any(),
                                    };
                                    view! {
                                        <tr data-testid="instance">
                                            <td class="px-4 py-3 font-mono text-xs">{i.name}</td>
                                            <td class="px-4 py-3">{health}</td>
                                            <td class="px-4 py-3"><span class="tabular-nums">{i.last_tick_ago}</span><p class="text-xs text-zinc-600 dark:text-zinc-400">{i.last_tick}</p></td>
                                            <td class="px-4 py-3 text-right tabular-nums">{format!("{} ms", i.took_ms)}</td>
                                            <td class="px-4 py-3 text-xs tabular-nums">{i.started}</td>
                                            <td class="px-4 py-3">{i.version}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <div class="mt-8 grid gap-4 lg:grid-cols-2">
            <Card>
                <h2 class="font-heading text-lg font-semibold">"Why posts failed (24 h)"</h2>
                {if failure_reasons.is_empty() {
                    view! { <p class="mt-2 text-sm text-zinc-600 dark:text-zinc-400">"No post failed in the last day."</p> }.into_any()
                } else {
                    view! {
                        <ul class="mt-3 space-y-2 text-sm" data-testid="failure-reasons">
                            {failure_reasons.into_iter().map(|(reason, n)| view! {
                                <li class="flex items-start justify-between gap-4">
                                    <span class="min-w-0 break-words">{reason}</span>
                                    <span class="shrink-0 tabular-nums font-semibold">{n}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <a href="/admin/logs?kind=publish&level=error" rel="external" class="mt-3 inline-block text-sm font-semibold text-brand underline">"Their entries in the event log"</a>
                    }.into_any()
                }}
            </Card>
            <Card>
                <h2 class="font-heading text-lg font-semibold">"This instance"</h2>
                <dl class="mt-3 grid grid-cols-[auto_minmax(0,1fr)] gap-x-6 gap-y-2 text-sm" data-testid="this-instance">
                    <dt class="text-zinc-600 dark:text-zinc-400">"Database"</dt>
                    <dd data-testid="database">{format!("{database}, {database_size}")}</dd>
                    <dt class="text-zinc-600 dark:text-zinc-400">"Version"</dt>
                    <dd>{version}</dd>
                    <dt class="text-zinc-600 dark:text-zinc-400">"Up for"</dt>
                    <dd>{uptime}</dd>
                    <dt class="text-zinc-600 dark:text-zinc-400">"Scheduler"</dt>
                    <dd>{if scheduler_enabled { "On" } else { "Off (scheduler.enabled = false)" }}</dd>
                </dl>
            </Card>
        </div>
    }
}
