//! The accounts page (`/accounts`): the user's social accounts with their health (connected,
//! needs reconnection with the reason and a one-click reconnect, token expiring soon,
//! disconnected), connect, disconnect with a confirmation, and the plan's account limit.
//! Where a platform's sign-in is set up, its connect button leads there (`/oauth/{platform}/
//! start`) and the platform's answer comes back here; `/accounts/connect` is where the user
//! chooses which of the Pages and Instagram accounts found to connect.
//! Rendered on the server only (see `server_rendered`); every action is a plain form.

use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

use super::server_kit::{last_error, ActionError, ConfirmForm, Notice, UsageBar};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{platform_class, platform_initial, Card, PageHeader};
use crate::components::feedback::{ErrorPanel, PlanLimitPrompt};
use crate::components::forms::CONTROL_CLASS;
use crate::components::shell::DashboardShell;
use crate::fns::accounts::{
    list_accounts, oauth_choices, AccountRow, AccountsData, ChoiceData, ConnectAccount,
    ConnectChosen, DisconnectAccount, ReconnectAccount,
};
use crate::model::{AccountHealth, Platform};

#[component]
pub fn AccountsPage() -> impl IntoView {
    view! {
        <Title text=crate::nav::page_title("/accounts") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {Suspend::new(async move {
                        match list_accounts().await {
                            Ok(data) => view! { <Accounts data /> }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </ServerBody>
        </DashboardShell>
    }
}

fn notice(code: &str) -> Option<&'static str> {
    match code {
        "connected" => Some("Account connected. Its posts publish to the sandbox until the platform's sign-in is set up."),
        "disconnected" => Some("Account disconnected. Its posts and analytics are kept."),
        "reconnected" => Some("Account reconnected."),
        "oauth-connected" => Some("Connected. Posts to these accounts publish to the platform."),
        _ => None,
    }
}

#[component]
fn Accounts(data: AccountsData) -> impl IntoView {
    let error = last_error::<ConnectAccount>()
        .or_else(last_error::<DisconnectAccount>)
        .or_else(last_error::<ReconnectAccount>);
    let (connected, disconnected): (Vec<AccountRow>, Vec<AccountRow>) = data
        .accounts
        .iter()
        .cloned()
        .partition(|row| row.health != AccountHealth::Disconnected);
    let has_room = data.has_room();
    // At the limit the sidebar already says so: a refused connect needs no second prompt.
    let error = error.filter(|e| has_room || !matches!(e, crate::error::AppError::Forbidden(_)));
    let limit_message = data.limit_message.clone();
    let live = data.live.clone();
    view! {
        <PageHeader title="Accounts" subtitle="The Instagram, Facebook and TikTok profiles PostPilot publishes to." />
        <Notice message=notice />
        <OAuthError reason=data.oauth_error.clone() />
        <ActionError error />
        <div class="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
            <div class="space-y-6">
                <section aria-labelledby="connected-heading">
                    <h2 id="connected-heading" class="mb-3 font-heading text-lg font-semibold">"Connected"</h2>
                    {if connected.is_empty() {
                        view! {
                            <div data-testid="empty-state" class="rounded-2xl border border-dashed border-zinc-300 bg-white px-6 py-10 text-center dark:border-zinc-700 dark:bg-zinc-900">
                                <p class="font-heading text-lg font-semibold">"No account connected yet"</p>
                                <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">"Connect one to schedule posts to it."</p>
                            </div>
                        }.into_any()
                    } else {
                        view! {
                            <ul class="grid gap-3 sm:grid-cols-2" data-testid="connected-accounts">
                                {connected.into_iter().map(|row| view! { <AccountCard row connected_room=has_room /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                {(!disconnected.is_empty()).then(|| view! {
                    <section aria-labelledby="disconnected-heading">
                        <h2 id="disconnected-heading" class="mb-1 font-heading text-lg font-semibold">"Disconnected"</h2>
                        <p class="mb-3 text-sm text-zinc-600 dark:text-zinc-400">"Their posts and analytics are kept. Reconnect one to publish to it again."</p>
                        <ul class="grid gap-3 sm:grid-cols-2" data-testid="disconnected-accounts">
                            {disconnected.into_iter().map(|row| view! { <AccountCard row connected_room=has_room /> }).collect_view()}
                        </ul>
                    </section>
                })}
            </div>
            <aside class="space-y-6">
                <Card>
                    <h2 class="font-heading text-lg font-semibold">"Your plan"</h2>
                    <p class="mb-3 mt-1 text-sm text-zinc-600 dark:text-zinc-400">{format!("{} plan", data.plan_name)}</p>
                    <UsageBar label="Connected accounts" used=data.connected limit=data.limit />
                </Card>
                {if has_room {
                    view! { <ConnectCard live /> }.into_any()
                } else {
                    view! {
                        <PlanLimitPrompt message=limit_message.clone() />
                    }.into_any()
                }}
            </aside>
        </div>
    }
}

#[component]
fn AccountCard(row: AccountRow, connected_room: bool) -> impl IntoView {
    let AccountRow {
        id,
        platform,
        name,
        connected_since,
        health,
        detail,
        reconnect_blocked,
        oauth_reconnect,
    } = row;
    let (badge, badge_class) = match &health {
        AccountHealth::Connected => (
            "Connected",
            "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
        ),
        AccountHealth::NeedsReconnect { .. } => (
            "Needs reconnection",
            "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
        ),
        AccountHealth::ExpiringSoon { .. } => (
            "Access expiring soon",
            "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
        ),
        AccountHealth::Disconnected => (
            "Disconnected",
            "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
        ),
    };
    let detail = (!detail.is_empty()).then_some(detail);
    let broken = matches!(
        health,
        AccountHealth::NeedsReconnect { .. } | AccountHealth::Disconnected
    );
    // A disconnected account needs room in the plan to come back.
    let room = connected_room || health != AccountHealth::Disconnected;
    let sign_in_again =
        (broken && oauth_reconnect && room).then(|| format!("/oauth/{}/start", platform.as_str()));
    let can_reconnect = broken && !oauth_reconnect && reconnect_blocked.is_empty() && room;
    let why_not = match (broken, reconnect_blocked.is_empty(), room) {
        (true, false, _) => Some(reconnect_blocked),
        (true, true, false) => Some(
            "Your plan's accounts are all in use: upgrade or disconnect one to reconnect this one."
                .to_string(),
        ),
        _ => None,
    };
    let connected = health != AccountHealth::Disconnected;
    let id = id.to_string();
    view! {
        <li class="rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900" data-testid="account" data-account-name=name.clone()>
            <div class="flex items-start gap-3">
                <span class=format!("grid h-10 w-10 shrink-0 place-items-center rounded-full text-xs font-bold {}", platform_class(platform)) aria-hidden="true">
                    {platform_initial(platform)}
                </span>
                <div class="min-w-0 flex-1">
                    <p class="truncate font-semibold">{name.clone()}</p>
                    <p class="text-xs text-zinc-600 dark:text-zinc-400">
                        {platform.label()}
                        {(!connected_since.is_empty()).then(|| format!(" · connected since {connected_since}"))}
                    </p>
                </div>
                <span class=format!("shrink-0 rounded-full px-2 py-0.5 text-xs font-semibold {badge_class}") data-testid="health">{badge}</span>
            </div>
            {detail.map(|text| view! { <p class="mt-3 text-sm text-zinc-700 dark:text-zinc-300" data-testid="health-detail">{text}</p> })}
            {why_not.map(|text| view! { <p class="mt-2 text-sm text-zinc-600 dark:text-zinc-400" data-testid="reconnect-note">{text}</p> })}
            <div class="mt-4 flex flex-wrap items-center justify-end gap-2">
                {sign_in_again.map(|href| view! {
                    <a href=href rel="external" class=button_class(Variant::Primary, Size::Small) aria-label=format!("Reconnect {name} with {}", platform.label())>
                        {format!("Reconnect with {}", platform.label())}
                    </a>
                })}
                {can_reconnect.then(|| view! {
                    <form method="post" action=ReconnectAccount::PATH>
                        <input type="hidden" name="id" value=id.clone() />
                        <button type="submit" class=button_class(Variant::Primary, Size::Small) aria-label=format!("Reconnect {name}")>"Reconnect"</button>
                    </form>
                })}
                {connected.then(|| view! {
                    <ConfirmForm
                        label="Disconnect"
                        name=format!("Disconnect {name}")
                        warning=format!("Disconnect {name}? Its posts and analytics are kept. Scheduled posts to it will not publish until you reconnect it.")
                        action=DisconnectAccount::PATH
                        fields=vec![("id", id.clone())]
                        confirm="Disconnect"
                    />
                })}
            </div>
        </li>
    }
}

/// The platform's reason a sign-in did not connect (`AccountsData::oauth_error`).
#[component]
fn OAuthError(reason: Option<String>) -> impl IntoView {
    reason.filter(|e| !e.trim().is_empty()).map(|reason| {
        view! {
            <p role="alert" data-testid="oauth-error" class="mb-4 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                {reason}
            </p>
        }
    })
}

/// Connecting: a button per platform whose own sign-in is set up (`live`), and sandbox
/// accounts, which publish to the built-in sandbox, for the others.
#[component]
fn ConnectCard(live: Vec<Platform>) -> impl IntoView {
    let sandboxed: Vec<Platform> = Platform::ALL
        .iter()
        .copied()
        .filter(|p| !live.contains(p))
        .collect();
    let note = if live.is_empty() {
        "Signing in with Instagram, Facebook or TikTok is not set up on this server yet. A sandbox account publishes to PostPilot's built-in sandbox, so you can try everything now.".to_string()
    } else if sandboxed.is_empty() {
        "Sign in with the platform and choose the accounts PostPilot may publish to.".to_string()
    } else {
        format!(
            "Sign in with the platform and choose the accounts PostPilot may publish to. {} accounts connect to PostPilot's built-in sandbox until their sign-in is set up.",
            sandboxed.iter().map(|p| p.label()).collect::<Vec<_>>().join(" and ")
        )
    };
    view! {
        <Card>
            <h2 class="font-heading text-lg font-semibold">"Connect an account"</h2>
            <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400" data-testid="oauth-note">{note}</p>
            {(!live.is_empty()).then(|| view! {
                <div class="mt-4 space-y-2" data-testid="oauth-buttons">
                    {live.iter().map(|p| {
                        let label = match p {
                            Platform::Instagram => "Connect Instagram (via Facebook)".to_string(),
                            other => format!("Connect with {}", other.label()),
                        };
                        view! {
                            <a href=format!("/oauth/{}/start", p.as_str()) rel="external" data-testid="oauth-connect"
                                class=format!("flex w-full justify-center {}", button_class(Variant::Primary, Size::Medium))>
                                {label}
                            </a>
                        }
                    }).collect_view()}
                </div>
            })}
            {(!sandboxed.is_empty()).then(|| view! {
                <form method="post" action=ConnectAccount::PATH class="mt-4 space-y-3" data-testid="connect-form">
                    <div class="space-y-1.5">
                        <label for="connect-platform" class="block text-sm font-medium text-zinc-700 dark:text-zinc-200">"Platform"</label>
                        <select id="connect-platform" name="platform" class=CONTROL_CLASS>
                            {sandboxed.iter().map(|p| view! { <option value=p.as_str()>{p.label()}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="space-y-1.5">
                        <label for="connect-name" class="block text-sm font-medium text-zinc-700 dark:text-zinc-200">"Account name"</label>
                        <input id="connect-name" name="account_name" required maxlength="255" placeholder="@yourshop" class=CONTROL_CLASS />
                    </div>
                    <button type="submit" class=format!("w-full {}", button_class(Variant::Primary, Size::Medium))>"Connect sandbox account"</button>
                </form>
            })}
        </Card>
    }
}

/// `/accounts/connect?attempt=`: the Pages and Instagram accounts a Facebook sign-in found,
/// with a checkbox each; connecting them all must fit the plan's account limit.
#[component]
pub fn ConnectChoicePage() -> impl IntoView {
    let attempt = leptos_router::hooks::use_query_map()
        .get_untracked()
        .get("attempt")
        .and_then(|a| a.parse::<uuid::Uuid>().ok());
    view! {
        <Title text=crate::nav::page_title("/accounts") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {Suspend::new(async move {
                        let Some(attempt) = attempt else {
                            let error = crate::error::AppError::BadRequest("Nothing to choose here: connect an account from the accounts page.".into());
                            return view! { <ErrorPanel error /> }.into_any();
                        };
                        match oauth_choices(attempt).await {
                            Ok(data) => view! { <Choices attempt data /> }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </ServerBody>
        </DashboardShell>
    }
}

#[component]
fn Choices(attempt: uuid::Uuid, data: ChoiceData) -> impl IntoView {
    let error = last_error::<ConnectChosen>();
    let room = if data.limit < 0 {
        format!(
            "Your {} plan connects any number of accounts.",
            data.plan_name
        )
    } else {
        format!(
            "Your {} plan allows {} connected account{}; {} in use.",
            data.plan_name,
            data.limit,
            if data.limit == 1 { "" } else { "s" },
            data.connected
        )
    };
    view! {
        <PageHeader title="Choose accounts to connect" subtitle="The Facebook Pages you manage and the Instagram business accounts linked to them." />
        <ActionError error />
        <Card>
            <p class="mb-4 text-sm text-zinc-600 dark:text-zinc-400" data-testid="choice-room">{room}</p>
            <form method="post" action=ConnectChosen::PATH class="space-y-4" data-testid="choice-form">
                <input type="hidden" name="attempt" value=attempt.to_string() />
                <ul class="space-y-2">
                    {data.choices.into_iter().enumerate().map(|(i, row)| {
                        let id = format!("choice-{i}");
                        let label_for = id.clone();
                        view! {
                            <li class="rounded-xl border border-zinc-200 p-3 dark:border-zinc-800" data-testid="choice" data-key=row.key.clone()>
                                <label for=label_for class="flex cursor-pointer items-start gap-3">
                                    <input id=id type="checkbox" name="chosen[]" value=row.key.clone() class="mt-1 h-4 w-4 accent-primary" />
                                    <span class=format!("grid h-8 w-8 shrink-0 place-items-center rounded-full text-xs font-bold {}", platform_class(row.platform)) aria-hidden="true">
                                        {platform_initial(row.platform)}
                                    </span>
                                    <span class="min-w-0 flex-1">
                                        <span class="block truncate font-semibold">{row.name.clone()}</span>
                                        <span class="block text-xs text-zinc-600 dark:text-zinc-400">
                                            {match &row.linked_page {
                                                Some(page) => format!("{} · linked to {page}", row.platform.label()),
                                                None => format!("{} Page", row.platform.label()),
                                            }}
                                        </span>
                                        {(!row.note.is_empty()).then(|| view! { <span class="mt-1 block text-xs text-zinc-600 dark:text-zinc-400">{row.note.clone()}</span> })}
                                    </span>
                                </label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <div class="flex flex-wrap items-center justify-end gap-2">
                    <a href="/accounts" rel="external" class=button_class(Variant::Secondary, Size::Medium)>"Cancel"</a>
                    <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Connect chosen accounts"</button>
                </div>
            </form>
        </Card>
    }
}
