//! The API keys page (`/api-keys`): create a key with a name and scopes (shown once, with a
//! copy button), the list with prefix, scopes, creation and last use, and revoke behind a
//! confirmation. On a plan without API access it says so and leads to billing. Rendered on
//! the server only (see `server_rendered`); every action is a plain form.

use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

use super::server_kit::{last_error, ActionError, ConfirmForm, CopyScript, Notice};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{Card, PageHeader};
use crate::components::feedback::ErrorPanel;
use crate::components::forms::CONTROL_CLASS;
use crate::components::shell::DashboardShell;
use crate::fns::api_keys::{
    list_api_keys, ApiKeysData, CreateApiKey, KeyRow, NewKey, RevokeApiKey,
};

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    view! {
        <Title text=crate::nav::page_title("/api-keys") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {Suspend::new(async move {
                        match list_api_keys().await {
                            Ok(data) => view! { <ApiKeys data /> }.into_any(),
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
        "revoked" => Some("Key revoked. Requests made with it are refused from now on."),
        _ => None,
    }
}

/// What each scope allows, in the form and the list.
const SCOPE_HELP: [(&str, &str); 3] = [
    ("read", "Read: list and fetch, nothing changes"),
    ("write", "Write: everything you can do in the app"),
    (
        "provision",
        "Provision: create users for your platform (admins)",
    ),
];

#[component]
fn ApiKeys(data: ApiKeysData) -> impl IntoView {
    let error = last_error::<CreateApiKey>().or_else(last_error::<RevokeApiKey>);
    let ApiKeysData {
        keys,
        api_access,
        plan_name,
        can_provision,
        new_key,
    } = data;
    let (active, revoked): (Vec<KeyRow>, Vec<KeyRow>) = keys.into_iter().partition(|k| k.active);
    view! {
        <PageHeader title="API keys" subtitle="Keys let your own tools and scripts use PostPilot's REST API.">
            <a href="/docs" rel="external" class=button_class(Variant::Secondary, Size::Medium)>"API documentation"</a>
        </PageHeader>
        <Notice message=notice />
        <ActionError error />
        {new_key.map(|key| view! { <NewKeyCard key /> })}
        <div class="space-y-6">
            {(!api_access).then(|| view! {
                <div data-testid="api-upsell" class="rounded-2xl border border-amber-300 bg-amber-50 p-5 text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-50">
                    <h2 class="font-heading text-lg font-semibold">"API access is a Pro feature"</h2>
                    <p class="mt-1 text-sm">
                        {format!("Your {plan_name} plan does not include the REST API. Upgrade to Pro or Enterprise to create keys; keys you already have start working again as soon as you do.")}
                    </p>
                    <a href="/billing" rel="external" class=format!("mt-4 inline-flex {}", button_class(Variant::Primary, Size::Medium))>"Upgrade to Pro"</a>
                </div>
            })}
            {api_access.then(|| view! { <CreateKeyCard can_provision /> })}
            <section aria-labelledby="keys-heading" class="min-w-0">
                <h2 id="keys-heading" class="mb-3 font-heading text-lg font-semibold">"Active keys"</h2>
                {if active.is_empty() {
                    view! {
                        <div data-testid="empty-state" class="rounded-2xl border border-dashed border-zinc-300 bg-white px-6 py-10 text-center dark:border-zinc-700 dark:bg-zinc-900">
                            <p class="font-heading text-lg font-semibold">"No active key"</p>
                            <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">"Create one to call the API from your tools."</p>
                        </div>
                    }.into_any()
                } else {
                    view! { <KeyTable keys=active revocable=true /> }.into_any()
                }}
            </section>
            {(!revoked.is_empty()).then(|| view! {
                <section aria-labelledby="revoked-heading" class="min-w-0">
                    <h2 id="revoked-heading" class="mb-1 font-heading text-lg font-semibold">"Revoked"</h2>
                    <p class="mb-3 text-sm text-zinc-600 dark:text-zinc-400">"These keys are refused; they stay listed so you can tell them apart from your active ones."</p>
                    <KeyTable keys=revoked revocable=false />
                </section>
            })}
        </div>
        <CopyScript />
    }
}

/// The key just created: shown this once, with a copy button.
#[component]
fn NewKeyCard(key: NewKey) -> impl IntoView {
    view! {
        <div role="status" data-testid="new-key" class="mb-6 rounded-2xl border border-emerald-300 bg-emerald-50 p-5 text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-50">
            <h2 class="font-heading text-lg font-semibold">{format!("Key \u{201c}{}\u{201d} created", key.name)}</h2>
            <p class="mt-1 text-sm font-medium">"Copy it now: it will not be shown again. PostPilot keeps only a fingerprint of it."</p>
            <div class="mt-3 flex flex-col gap-2 sm:flex-row">
                <label for="new-key-value" class="sr-only">"Your new API key"</label>
                <input
                    id="new-key-value"
                    data-testid="new-key-value"
                    readonly
                    value=key.key
                    class=format!("{CONTROL_CLASS} font-mono")
                    spellcheck="false"
                    autocomplete="off"
                />
                <button type="button" hidden data-copy="new-key-value" data-testid="copy-key" class=format!("shrink-0 {}", button_class(Variant::Primary, Size::Medium))>"Copy"</button>
            </div>
            <p class="mt-3 text-sm">
                "Send it with each request in the header "<code class="rounded bg-emerald-100 px-1 font-mono text-xs dark:bg-emerald-900">"X-API-Key: po_live_…"</code>"."
            </p>
        </div>
    }
}

#[component]
fn KeyTable(keys: Vec<KeyRow>, revocable: bool) -> impl IntoView {
    view! {
        <div class="max-w-full overflow-x-auto rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <table class="w-full min-w-[44rem] text-left text-sm" data-testid=if revocable { "active-keys" } else { "revoked-keys" }>
                <thead class="border-b border-zinc-200 bg-zinc-50 text-xs uppercase tracking-wide text-zinc-600 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-400">
                    <tr>
                        <th scope="col" class="px-4 py-3 font-semibold">"Name"</th>
                        <th scope="col" class="px-4 py-3 font-semibold">"Key"</th>
                        <th scope="col" class="px-4 py-3 font-semibold">"Scopes"</th>
                        <th scope="col" class="px-4 py-3 font-semibold">"Created"</th>
                        <th scope="col" class="px-4 py-3 font-semibold">"Last used"</th>
                        <th scope="col" class="px-4 py-3 font-semibold"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-zinc-200 dark:divide-zinc-800">
                    {keys.into_iter().map(|key| {
                        let id = key.id.to_string();
                        let name = key.name.clone();
                        let row_name = key.name.clone();
                        view! {
                            <tr data-testid="api-key" data-key-name=row_name>
                                <td class="max-w-[14rem] truncate px-4 py-3 font-medium">{key.name}</td>
                                <td class="px-4 py-3 font-mono text-xs text-zinc-700 dark:text-zinc-300">{format!("{}…", key.prefix)}</td>
                                <td class="px-4 py-3">
                                    <ul class="flex flex-wrap gap-1">
                                        {key.scopes.into_iter().map(|scope| view! {
                                            <li class="rounded-full bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200">{scope}</li>
                                        }).collect_view()}
                                    </ul>
                                </td>
                                <td class="whitespace-nowrap px-4 py-3 text-zinc-700 dark:text-zinc-300">{key.created}</td>
                                <td class="whitespace-nowrap px-4 py-3 text-zinc-700 dark:text-zinc-300" data-testid="last-used">{key.last_used}</td>
                                <td class="px-4 py-3 text-right">
                                    {revocable.then(|| view! {
                                        <ConfirmForm
                                            label="Revoke"
                                            name=format!("Revoke {name}")
                                            warning=format!("Revoke \u{201c}{name}\u{201d}? Anything using it stops working at once. This cannot be undone.")
                                            action=RevokeApiKey::PATH
                                            fields=vec![("id", id.clone())]
                                            confirm="Revoke key"
                                        />
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn CreateKeyCard(can_provision: bool) -> impl IntoView {
    view! {
        <Card>
            <h2 class="font-heading text-lg font-semibold">"Create a key"</h2>
            <form method="post" action=CreateApiKey::PATH class="mt-4 grid grid-cols-1 gap-4 md:grid-cols-[minmax(0,1fr)_auto] md:items-end xl:grid-cols-[minmax(0,1fr)_auto_auto]" data-testid="create-key-form">
                <div class="space-y-1.5">
                    <label for="key-name" class="block text-sm font-medium text-zinc-700 dark:text-zinc-200">"Name"</label>
                    <input id="key-name" name="name" required maxlength="255" placeholder="Zapier, my shop's sync…" class=CONTROL_CLASS />
                </div>
                <fieldset class="space-y-2 md:space-y-1">
                    <legend class="text-sm font-medium text-zinc-700 dark:text-zinc-200">"Scopes"</legend>
                    {SCOPE_HELP
                        .into_iter()
                        .filter(|(scope, _)| can_provision || *scope != "provision")
                        .map(|(scope, help)| view! {
                            <label class="flex items-start gap-2 text-sm text-zinc-700 dark:text-zinc-200">
                                <input type="checkbox" name="scopes[]" value=scope checked=scope != "provision" class="mt-0.5 h-4 w-4 rounded border-zinc-400 accent-primary" />
                                <span>{help}</span>
                            </label>
                        })
                        .collect_view()}
                </fieldset>
                <button type="submit" class=format!("w-full md:col-span-2 xl:col-span-1 xl:w-auto {}", button_class(Variant::Primary, Size::Medium))>"Create key"</button>
            </form>
        </Card>
    }
}
