//! Pieces the server-rendered pages share (`nav::SERVER_RENDERED_PAGES`): the notice a form
//! comes back with, a form's error, usage bars and the confirm-before disclosure. They render
//! only on the server, so each works without JavaScript: a form posts, the server function
//! redirects back with `?notice=…`, or, failing, with its error in the URL for
//! `ServerAction` to read.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::button::{button_class, Size, Variant};
use crate::components::feedback::PlanLimitPrompt;
use crate::error::AppError;

/// The success line a form came back with: `message` turns the URL's `notice` into words.
#[component]
pub fn Notice(message: fn(&str) -> Option<&'static str>) -> impl IntoView {
    let query = use_query_map().get_untracked();
    // A failed form comes back to the URL it was sent from, last notice included.
    let failed = query.get("__err").is_some();
    let notice = query
        .get("notice")
        .filter(|_| !failed)
        .and_then(|n| message(&n));
    notice.map(|text| {
        view! {
            <p role="status" data-testid="notice" class="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
                {text}
            </p>
        }
    })
}

/// A failed form's error: a plan limit leads to billing, anything else says what went wrong.
#[component]
pub fn ActionError(error: Option<AppError>) -> impl IntoView {
    error.map(|error| match error {
        AppError::Forbidden(message) => view! { <div class="mb-4"><PlanLimitPrompt message /></div> }.into_any(),
        error => view! {
            <p role="alert" data-testid="form-error" class="mb-4 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                {error.to_string()}
            </p>
        }
        .into_any(),
    })
}

/// The error of the last submission of server function `S`, if it failed.
pub fn last_error<S>() -> Option<AppError>
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    ServerAction::<S>::new()
        .value()
        .get_untracked()
        .and_then(Result::err)
}

/// A bar of how much of a plan's limit is used ("3 of 10"); an unlimited limit shows the count.
#[component]
pub fn UsageBar(
    label: &'static str,
    used: u64,
    /// Negative: unlimited.
    limit: i64,
) -> impl IntoView {
    if limit < 0 {
        return view! {
            <div class="flex items-baseline justify-between gap-2 text-sm" data-testid="usage">
                <span class="font-medium text-zinc-700 dark:text-zinc-200">{label}</span>
                <span class="tabular-nums text-zinc-600 dark:text-zinc-400">{format!("{used} · unlimited")}</span>
            </div>
        }
        .into_any();
    }
    let percent = if limit == 0 {
        100
    } else {
        ((used as f64 / limit as f64) * 100.0).round().min(100.0) as u32
    };
    let text = format!("{used} of {limit}");
    let fill = match percent {
        100.. => "bg-red-600",
        80..=99 => "bg-amber-500",
        _ => "bg-primary",
    };
    view! {
        <div class="space-y-1.5" data-testid="usage">
            <div class="flex items-baseline justify-between gap-2 text-sm">
                <span class="font-medium text-zinc-700 dark:text-zinc-200">{label}</span>
                <span class="tabular-nums text-zinc-600 dark:text-zinc-400">{text.clone()}</span>
            </div>
            <div
                class="h-2 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
                role="meter"
                aria-label=label
                aria-valuemin="0"
                aria-valuemax=limit.to_string()
                aria-valuenow=used.min(limit as u64).to_string()
                aria-valuetext=text
            >
                <div class=format!("h-full rounded-full {fill}") style=format!("width: {percent}%")></div>
            </div>
        </div>
    }
    .into_any()
}

/// A destructive action behind a disclosure: the button opens what will happen and the form
/// that does it (no script needed, and the keyboard reaches both).
#[component]
pub fn ConfirmForm(
    /// The disclosure's button.
    label: &'static str,
    /// Its accessible name when the label alone is ambiguous in a list ("Disconnect @shop").
    #[prop(into)]
    name: String,
    /// What will happen.
    #[prop(into)]
    warning: String,
    /// The form's action (a server function's URL).
    action: &'static str,
    /// The form's hidden fields.
    fields: Vec<(&'static str, String)>,
    /// The final button.
    confirm: &'static str,
) -> impl IntoView {
    view! {
        <details class="group relative">
            <summary
                class=format!("list-none cursor-pointer {}", button_class(Variant::Ghost, Size::Small))
                aria-label=name
            >
                {label}
            </summary>
            <div class="absolute right-0 z-10 mt-2 w-72 rounded-xl border border-zinc-200 bg-white p-4 text-left shadow-lg dark:border-zinc-700 dark:bg-zinc-900">
                <p class="text-sm text-zinc-700 dark:text-zinc-200">{warning}</p>
                <form method="post" action=action class="mt-3 flex justify-end">
                    {fields
                        .into_iter()
                        .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
                        .collect_view()}
                    <button type="submit" class=button_class(Variant::Danger, Size::Small)>{confirm}</button>
                </form>
            </div>
        </details>
    }
}

/// Makes every `<button data-copy="ID" hidden>` a visible button that copies the value of
/// element `ID`. Without JavaScript the buttons stay hidden and the field stays selectable.
const COPY_SCRIPT: &str = "document.querySelectorAll('[data-copy]').forEach(function(b){var t=document.getElementById(b.getAttribute('data-copy'));if(!t)return;b.hidden=false;b.addEventListener('click',function(){var v=t.value||t.textContent;var done=function(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy'},2000)};var fallback=function(){t.select&&t.select();try{document.execCommand('copy');done()}catch(e){}};if(navigator.clipboard){navigator.clipboard.writeText(v).then(done,fallback)}else{fallback()}})})";

#[component]
pub fn CopyScript() -> impl IntoView {
    view! { <script nonce=leptos::nonce::use_nonce() inner_html=COPY_SCRIPT></script> }
}
