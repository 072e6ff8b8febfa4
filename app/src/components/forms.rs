//! Form controls that show the server's field errors next to the field they belong to, and a
//! banner for errors that belong to no field. They work before hydration too: a failed plain
//! form post comes back with the error in the URL, which the action reads.

use leptos::prelude::*;

use crate::error::AppError;

/// The error of the last submission, if any.
pub type LastError = Signal<Option<AppError>>;

#[component]
pub fn TextField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_string())] kind: String,
    #[prop(into, optional)] autocomplete: String,
    #[prop(into, optional)] value: String,
    #[prop(optional)] required: bool,
    error: LastError,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let field = name.clone();
    let message = move || {
        error
            .get()
            .filter(|e| e.field() == Some(field.as_str()))
            .map(|e| e.to_string())
    };
    let has_error = {
        let message = message.clone();
        move || message().is_some()
    };
    view! {
        <div class="space-y-1.5">
            <label for=id.clone() class="block text-sm font-medium text-zinc-700 dark:text-zinc-200">
                {label}
            </label>
            <input
                id=id
                name=name
                type=kind
                value=value
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if has_error() { "true" } else { "false" }
                aria-describedby=error_id.clone()
                class="block w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-zinc-900 shadow-sm outline-none transition focus:border-primary focus:ring-2 focus:ring-primary/30 aria-[invalid=true]:border-red-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
            />
            <p id=error_id class="min-h-5 text-sm text-red-600 dark:text-red-400" data-testid="field-error">
                {message}
            </p>
        </div>
    }
}

/// The error that belongs to no field (wrong password, email taken, server down…).
#[component]
pub fn FormAlert(error: LastError) -> impl IntoView {
    let message = move || {
        error
            .get()
            .filter(|e| e.field().is_none())
            .map(|e| e.to_string())
    };
    view! {
        <Show when=move || message().is_some()>
            <div
                role="alert"
                data-testid="form-error"
                class="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700 dark:border-red-900 dark:bg-red-950 dark:text-red-300"
            >
                {message}
            </div>
        </Show>
    }
}

#[component]
pub fn SubmitButton(#[prop(into)] label: String, pending: Signal<bool>) -> impl IntoView {
    view! {
        <button
            type="submit"
            disabled=move || pending.get()
            class="inline-flex w-full items-center justify-center rounded-lg bg-primary px-4 py-2.5 text-sm font-semibold text-white shadow-sm transition hover:bg-accent focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-primary disabled:cursor-wait disabled:opacity-70"
        >
            {label}
        </button>
    }
}
