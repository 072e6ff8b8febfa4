//! The settings page (`/settings`): profile (email), time zone (every date the app shows
//! follows it), password (signs out the other sessions), sign out everywhere, the export of
//! everything the user owns, and deleting the account. Rendered on the server only; every
//! action is a plain form.

use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

use super::server_kit::{last_error, ActionError, Notice};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{Card, PageHeader};
use crate::components::feedback::ErrorPanel;
use crate::components::forms::CONTROL_CLASS;
use crate::components::shell::DashboardShell;
use crate::fns::settings::{
    settings_data, AccountSettings, ChangeEmail, ChangePassword, ChangeTimezone, DeleteAccount,
    SignOutEverywhere,
};

/// Where the data export downloads from (served by the binary, see `downloads`).
pub const EXPORT_URL: &str = "/settings/export.json";

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text=crate::nav::page_title("/settings") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {Suspend::new(async move {
                        match settings_data().await {
                            Ok(data) => view! { <Settings data /> }.into_any(),
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
        "email" => Some("Email changed. Sign in with the new one from now on."),
        "timezone" => Some("Time zone saved. Every date and time in PostPilot now follows it."),
        "password" => Some("Password changed. Your other sessions have been signed out."),
        _ => None,
    }
}

const LABEL_CLASS: &str = "block text-sm font-medium text-zinc-700 dark:text-zinc-200";
const HELP_CLASS: &str = "text-sm text-zinc-600 dark:text-zinc-400";

#[component]
fn Settings(data: AccountSettings) -> impl IntoView {
    let error = last_error::<ChangeEmail>()
        .or_else(last_error::<ChangeTimezone>)
        .or_else(last_error::<ChangePassword>)
        .or_else(last_error::<SignOutEverywhere>)
        .or_else(last_error::<DeleteAccount>);
    let AccountSettings {
        email,
        timezone,
        local_now,
        zones,
        plan_name,
        member_since,
        integrations,
    } = data;
    let (email_field, email_user) = (email.clone(), email.clone());
    view! {
        <PageHeader title="Settings" subtitle="Your account, your time zone and your data." />
        <Notice message=notice />
        <ActionError error />
        <div class="grid gap-6 lg:grid-cols-2">
            <Card>
                <h2 class="font-heading text-lg font-semibold">"Profile"</h2>
                <p class=format!("mt-1 {HELP_CLASS}")>{format!("{plan_name} plan · member since {member_since}")}</p>
                <form method="post" action=ChangeEmail::PATH class="mt-4 space-y-3" data-testid="email-form">
                    <div class="space-y-1.5">
                        <label for="settings-email" class=LABEL_CLASS>"Email"</label>
                        <input id="settings-email" name="email" type="email" required autocomplete="email" value=email_field class=CONTROL_CLASS />
                    </div>
                    <div class="space-y-1.5">
                        <label for="email-password" class=LABEL_CLASS>"Current password"</label>
                        <input id="email-password" name="current_password" type="password" required autocomplete="current-password" class=CONTROL_CLASS />
                    </div>
                    <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Save email"</button>
                </form>
            </Card>
            <Card>
                <h2 class="font-heading text-lg font-semibold">"Time zone"</h2>
                <p class=format!("mt-1 {HELP_CLASS}")>
                    "The calendar, schedules, analytics and every date PostPilot shows follow it. It is now "
                    <span class="font-medium text-zinc-900 dark:text-zinc-100" data-testid="local-now">{local_now}</span>
                    {format!(" in {timezone}.")}
                </p>
                <form method="post" action=ChangeTimezone::PATH class="mt-4 space-y-3" data-testid="timezone-form">
                    <div class="space-y-1.5">
                        <label for="settings-timezone" class=LABEL_CLASS>"Time zone"</label>
                        <input
                            id="settings-timezone"
                            name="timezone"
                            list="timezone-options"
                            required
                            autocomplete="off"
                            spellcheck="false"
                            value=timezone.clone()
                            aria-describedby="timezone-help"
                            class=CONTROL_CLASS
                        />
                        <p id="timezone-help" class="text-xs text-zinc-600 dark:text-zinc-400">"Type a city or region to search, e.g. Paris or America/New_York."</p>
                        <datalist id="timezone-options">
                            {zones.into_iter().map(|zone| view! { <option value=zone></option> }).collect_view()}
                        </datalist>
                    </div>
                    <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Save time zone"</button>
                </form>
            </Card>
            <Card>
                <h2 class="font-heading text-lg font-semibold">"Password"</h2>
                <p class=format!("mt-1 {HELP_CLASS}")>"Changing it signs out every other browser and app signed in to your account."</p>
                <form method="post" action=ChangePassword::PATH class="mt-4 space-y-3" data-testid="password-form">
                    // For password managers: whose password this is.
                    <input type="text" name="username" value=email_user autocomplete="username" hidden />
                    <div class="space-y-1.5">
                        <label for="current-password" class=LABEL_CLASS>"Current password"</label>
                        <input id="current-password" name="current_password" type="password" required autocomplete="current-password" class=CONTROL_CLASS />
                    </div>
                    <div class="space-y-1.5">
                        <label for="new-password" class=LABEL_CLASS>"New password"</label>
                        <input id="new-password" name="new_password" type="password" required minlength="8" maxlength="256" autocomplete="new-password" aria-describedby="new-password-help" class=CONTROL_CLASS />
                        <p id="new-password-help" class="text-xs text-zinc-600 dark:text-zinc-400">"At least 8 characters."</p>
                    </div>
                    <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Change password"</button>
                </form>
            </Card>
            <Card>
                <h2 class="font-heading text-lg font-semibold">"Sessions"</h2>
                <p class=format!("mt-1 {HELP_CLASS}")>"Lost a device, or signed in on a shared computer? Sign out everywhere, this browser included. Your API keys keep working: revoke them on the API keys page."</p>
                <form method="post" action=SignOutEverywhere::PATH class="mt-4">
                    <button type="submit" class=button_class(Variant::Secondary, Size::Medium) data-testid="sign-out-everywhere">"Sign out everywhere"</button>
                </form>
                <h2 class="mt-8 font-heading text-lg font-semibold">"Your data"</h2>
                <p class=format!("mt-1 {HELP_CLASS}")>"Everything your account holds, as one JSON file: profile, subscription, accounts (without their access tokens), posts and their metrics, the content queue, templates, API keys (without the keys) and your activity log."</p>
                <a href=EXPORT_URL rel="external" download="" data-testid="export-data" class=format!("mt-4 inline-flex {}", button_class(Variant::Secondary, Size::Medium))>"Export my data"</a>
            </Card>
        </div>
        <section aria-labelledby="integrations-heading" class="mt-8" data-testid="integrations">
            <Card>
                <h2 id="integrations-heading" class="font-heading text-lg font-semibold">"Integrations"</h2>
                <p class=format!("mt-1 {HELP_CLASS}")>"The services this PostPilot server works with for real, and the ones it simulates until they are set up."</p>
                <ul class="mt-4 divide-y divide-zinc-100 dark:divide-zinc-800">
                    {integrations.into_iter().map(|integration| {
                        let (badge, class) = if integration.live {
                            ("Live", "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200")
                        } else {
                            ("Sandbox", "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200")
                        };
                        view! {
                            <li class="flex flex-col gap-1 py-3 sm:flex-row sm:items-start sm:gap-4" data-testid="integration">
                                <div class="flex shrink-0 items-center gap-2 sm:w-56">
                                    <span class="font-medium">{integration.name}</span>
                                    <span class=format!("rounded-full px-2 py-0.5 text-xs font-semibold {class}")>{badge}</span>
                                </div>
                                <p class="text-sm text-zinc-600 dark:text-zinc-400">{integration.detail}</p>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Card>
        </section>
        <section aria-labelledby="danger-heading" class="mt-8 rounded-2xl border border-red-300 bg-white p-4 shadow-sm sm:p-6 dark:border-red-900 dark:bg-zinc-900">
            <h2 id="danger-heading" class="font-heading text-lg font-semibold text-red-800 dark:text-red-300">"Delete my account"</h2>
            <p class=format!("mt-1 {HELP_CLASS}")>"This removes your account and everything in it: posts, scheduled posts, analytics, the queue, templates and API keys. Your social accounts are disconnected and your subscription is cancelled. It cannot be undone. Export your data first if you want a copy."</p>
            <details class="mt-4">
                <summary class=format!("list-none cursor-pointer {}", button_class(Variant::Danger, Size::Medium))>"Delete my account…"</summary>
                <form method="post" action=DeleteAccount::PATH class="mt-4 max-w-md space-y-3" data-testid="delete-form">
                    <div class="space-y-1.5">
                        <label for="confirm-email" class=LABEL_CLASS>{format!("Type {email} to confirm")}</label>
                        <input id="confirm-email" name="confirm_email" type="email" required autocomplete="off" class=CONTROL_CLASS />
                    </div>
                    <button type="submit" class=button_class(Variant::Danger, Size::Medium)>"Delete my account forever"</button>
                </form>
            </details>
        </section>
    }
}
