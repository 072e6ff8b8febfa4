//! Sign in, create an account, forgot and reset password. Each form posts to its server
//! function as a document (`AuthForm`), before or after the wasm has loaded: the function
//! redirects onwards, or back here with its error in the URL, which the page's action reads.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use server_fn::ServerFn;

use crate::components::forms::{FormAlert, LastError, SubmitButton, TextField};
use crate::components::shell::ThemeToggle;
use crate::error::AppError;
use crate::fns::auth::{ForgotPassword, Login, Register, ResetPassword, FORGOT_PASSWORD_REPLY};
use crate::nav::BRAND;

#[component]
fn AuthCard(
    #[prop(into)] title: String,
    #[prop(into)] subtitle: String,
    children: Children,
) -> impl IntoView {
    view! {
        <Meta name="description" content=format!("{title}: {subtitle}") />
        <div class="flex min-h-screen flex-col bg-gradient-to-br from-pink-50 via-white to-fuchsia-50 dark:from-zinc-950 dark:via-zinc-950 dark:to-zinc-900">
            <header class="flex items-center justify-between px-6 py-4">
                <a href="/" rel="external" class="flex items-center gap-2">
                    <span class="grid h-8 w-8 place-items-center rounded-lg bg-primary font-heading text-sm font-bold text-white">"P"</span>
                    <span class="font-heading text-lg font-bold text-zinc-900 dark:text-white">{BRAND.name}</span>
                </a>
                <ThemeToggle />
            </header>
            <main class="flex flex-1 items-center justify-center px-4 pb-16">
                <div class="w-full max-w-md rounded-2xl border border-zinc-200 bg-white p-8 shadow-xl shadow-pink-100/50 dark:border-zinc-800 dark:bg-zinc-900 dark:shadow-none">
                    <h1 class="font-heading text-2xl font-bold text-zinc-900 dark:text-white">{title}</h1>
                    <p class="mt-1 mb-6 text-sm text-zinc-500 dark:text-zinc-400">{subtitle}</p>
                    {children()}
                </div>
            </main>
        </div>
    }
}

/// An auth form, posted as a document. Not an `ActionForm`: the four of them cost every page's
/// wasm 12.7 KB of brotli, and each of these pages leaves for another document anyway.
/// The button is busy until the next page arrives, and free again if the browser comes back
/// to this one from its cache.
#[component]
fn AuthForm(
    /// The server function's URL.
    action: &'static str,
    label: &'static str,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let sending = RwSignal::new(false);
    let returned = window_event_listener(leptos::ev::pageshow, move |_| sending.set(false));
    on_cleanup(move || returned.remove());
    let refused = use_query_map().with_untracked(|q| q.get("__err").is_some());
    Effect::new(move |_| typed_email::restore(refused));
    let submit = move |_| {
        sending.set(true);
        typed_email::remember();
    };
    view! {
        <form method="post" action=action class="space-y-4" data-testid=testid on:submit=submit>
            {children()}
            <SubmitButton label pending=sending.into() />
        </form>
    }
}

/// The email typed into a form the server refused, put back when the page comes back with
/// the error (a document post starts the page afresh). It waits in this tab's session storage
/// until the next auth page shows; passwords are never kept.
mod typed_email {
    #[cfg(feature = "hydrate")]
    const KEY: &str = "postpilot-typed-email";

    #[cfg(feature = "hydrate")]
    fn parts() -> Option<(web_sys::Storage, web_sys::HtmlInputElement)> {
        use wasm_bindgen::JsCast;
        let window = web_sys::window()?;
        let storage = window.session_storage().ok()??;
        let input = window
            .document()?
            .get_element_by_id("field-email")?
            .dyn_into()
            .ok()?;
        Some((storage, input))
    }

    pub fn remember() {
        #[cfg(feature = "hydrate")]
        if let Some((storage, input)) = parts() {
            let _ = storage.set_item(KEY, &input.value());
        }
    }

    pub fn restore(refused: bool) {
        #[cfg(feature = "hydrate")]
        if let Some((storage, input)) = parts() {
            if refused && input.value().is_empty() {
                if let Ok(Some(email)) = storage.get_item(KEY) {
                    input.set_value(&email);
                }
            }
            let _ = storage.remove_item(KEY);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = refused;
    }
}

/// The error a form of server function `S` came back with (from the URL).
fn returned_error<S>() -> LastError
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let action = ServerAction::<S>::new();
    Signal::derive(move || action.value().get().and_then(Result::err))
}

fn query(name: &'static str) -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(name))
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let error = returned_error::<Login>();
    let next = query("next");
    let reset = query("reset");
    let signed_out = query("signed_out");
    let deleted = query("deleted");
    // Why the visitor is here, after an action elsewhere ended their session.
    let banner = move || {
        if reset.get().is_some() {
            Some("Your password has been changed. Sign in with the new one.")
        } else if signed_out.get().is_some() {
            Some("You have been signed out on every device.")
        } else if deleted.get().is_some() {
            Some("Your account and everything in it have been deleted.")
        } else {
            None
        }
    };
    view! {
        <Title text="Sign in · PostPilot" />
        <AuthCard title="Welcome back" subtitle="Sign in to schedule and publish your posts.">
            {move || banner().map(|text| view! {
                <p role="status" data-testid="login-banner" class="mb-4 rounded-lg bg-green-50 px-3 py-2 text-sm text-green-800 dark:bg-green-950 dark:text-green-200">
                    {text}
                </p>
            })}
            <AuthForm action=Login::PATH label="Sign in" testid="login-form">
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <FormAlert error />
                <TextField name="email" label="Email" kind="email" autocomplete="email" required=true error />
                <TextField name="password" label="Password" kind="password" autocomplete="current-password" required=true error />
                <div class="flex justify-end text-sm">
                    <a href="/forgot-password" class="font-medium text-brand hover:underline">"Forgot password?"</a>
                </div>
            </AuthForm>
            <p class="mt-6 text-center text-sm text-zinc-500">
                "New to PostPilot? "
                <a href="/register" class="font-semibold text-brand hover:underline">"Create an account"</a>
            </p>
        </AuthCard>
    }
}

/// The browser's IANA time zone, once hydrated (empty on the server).
fn browser_zone() -> RwSignal<String> {
    let zone = RwSignal::new(String::new());
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let options =
                js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                    .resolved_options();
            if let Some(name) = js_sys::Reflect::get(&options, &"timeZone".into())
                .ok()
                .and_then(|v| v.as_string())
            {
                zone.set(name);
            }
        }
    });
    zone
}

#[component]
pub fn RegisterPage() -> impl IntoView {
    let browser_zone = browser_zone();
    let error = returned_error::<Register>();
    let next = query("next");
    view! {
        <Title text="Create your account · PostPilot" />
        <AuthCard title="Create your account" subtitle="Free forever for 10 posts a month. No card needed.">
            <AuthForm action=Register::PATH label="Create account" testid="register-form">
                <input type="hidden" name="next" value=move || next.get().unwrap_or_default() />
                <input type="hidden" name="timezone" value=move || browser_zone.get() />
                <FormAlert error />
                <TextField name="email" label="Email" kind="email" autocomplete="email" required=true error />
                <TextField name="password" label="Password (8 characters or more)" kind="password" autocomplete="new-password" required=true error />
            </AuthForm>
            <p class="mt-6 text-center text-sm text-zinc-500">
                "Already have an account? "
                <a href="/login" class="font-semibold text-brand hover:underline">"Sign in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let error = returned_error::<ForgotPassword>();
    // The function comes back with `?sent=1` (the same answer whether or not the email has
    // an account).
    let sent = query("sent");
    view! {
        <Title text="Reset your password · PostPilot" />
        <AuthCard title="Forgot your password?" subtitle="We will email you a link to choose a new one.">
            <Show
                when=move || sent.get().is_some()
                fallback=move || view! {
                    <AuthForm action=ForgotPassword::PATH label="Send reset link">
                        <FormAlert error />
                        <TextField name="email" label="Email" kind="email" autocomplete="email" required=true error />
                    </AuthForm>
                }
            >
                <p role="status" class="rounded-lg bg-green-50 px-3 py-2 text-sm text-green-700 dark:bg-green-950 dark:text-green-300">
                    {FORGOT_PASSWORD_REPLY}
                </p>
            </Show>
            <p class="mt-6 text-center text-sm text-zinc-500">
                <a href="/login" class="font-semibold text-brand hover:underline">"Back to sign in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let error = returned_error::<ResetPassword>();
    let token = query("token");
    view! {
        <Title text="Choose a new password · PostPilot" />
        <AuthCard title="Choose a new password" subtitle="Every other session will be signed out.">
            <AuthForm action=ResetPassword::PATH label="Set new password">
                <input type="hidden" name="token" value=move || token.get().unwrap_or_default() />
                <FormAlert error />
                <TextField name="password" label="New password" kind="password" autocomplete="new-password" required=true error />
            </AuthForm>
        </AuthCard>
    }
}
