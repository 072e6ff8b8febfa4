//! Form controls that show the server's field errors next to the field they belong to, and a
//! banner for errors that belong to no field. They work before hydration too: a failed plain
//! form post comes back with the error in the URL, which the action reads. Every control has
//! a label, shows its error below itself and points to it with `aria-describedby`.

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
            <p id=error_id class="min-h-5 text-sm text-red-700 dark:text-red-300" data-testid="field-error">
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

/// The classes of every text-like control (input, textarea, select).
pub const CONTROL_CLASS: &str = "block w-full rounded-lg border border-zinc-300 bg-white px-3 py-2 text-sm text-zinc-900 shadow-sm outline-none transition focus:border-primary focus:ring-2 focus:ring-primary/30 aria-[invalid=true]:border-red-500 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100";

const LABEL_CLASS: &str = "block text-sm font-medium text-zinc-700 dark:text-zinc-200";

/// The message of `error` if it belongs to `field`.
fn message_for(
    error: LastError,
    field: String,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    move || {
        error
            .get()
            .filter(|e| e.field() == Some(field.as_str()))
            .map(|e| e.to_string())
    }
}

/// The error line under a control (empty space when there is none, so nothing jumps).
#[component]
pub fn FieldError(#[prop(into)] field: String, error: LastError) -> impl IntoView {
    let id = format!("field-{field}-error");
    let message = message_for(error, field);
    view! {
        <p id=id class="min-h-5 text-sm text-red-700 dark:text-red-300" data-testid="field-error">
            {message}
        </p>
    }
}

/// A label, a control and its error. `hint` is a line of help under the label.
#[component]
fn Field(
    name: String,
    label: String,
    hint: Option<String>,
    error: LastError,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="space-y-1.5">
            <label for=format!("field-{name}") class=LABEL_CLASS>{label}</label>
            {hint.map(|hint| view! { <p id=format!("field-{name}-hint") class="text-xs text-zinc-500 dark:text-zinc-400">{hint}</p> })}
            {children()}
            <FieldError field=name error />
        </div>
    }
}

/// `aria-invalid` for a control whose field has an error.
fn invalid(error: LastError, field: String) -> impl Fn() -> &'static str + Send + Sync + 'static {
    let message = message_for(error, field);
    move || if message().is_some() { "true" } else { "false" }
}

/// A multi-line text control. `value` is its content; `on_input` hears every keystroke.
#[component]
pub fn TextArea(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(into)] value: Signal<String>,
    #[prop(optional)] on_input: Option<Callback<String>>,
    #[prop(default = 6)] rows: u32,
    error: LastError,
) -> impl IntoView {
    let id = format!("field-{name}");
    let described = format!("field-{name}-error field-{name}-hint");
    view! {
        <Field name=name.clone() label hint error>
            <textarea
                id=id
                name=name.clone()
                rows=rows
                aria-invalid=invalid(error, name.clone())
                aria-describedby=described
                class=CONTROL_CLASS
                prop:value=move || value.get()
                on:input=move |ev| {
                    if let Some(on_input) = on_input {
                        on_input.run(event_target_value(&ev));
                    }
                }
            >
                {value.get_untracked()}
            </textarea>
        </Field>
    }
}

/// A `<select>` of `(value, label)` options.
#[component]
pub fn SelectField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    options: Vec<(String, String)>,
    #[prop(into)] selected: String,
    #[prop(optional)] on_change: Option<Callback<String>>,
    error: LastError,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <Field name=name.clone() label hint=None error>
            <select
                id=id
                name=name.clone()
                aria-invalid=invalid(error, name.clone())
                aria-describedby=format!("field-{name}-error")
                class=CONTROL_CLASS
                on:change=move |ev| {
                    if let Some(on_change) = on_change {
                        on_change.run(event_target_value(&ev));
                    }
                }
            >
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is_selected = value == selected;
                        view! { <option value=value selected=is_selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </Field>
    }
}

/// A checkbox with its label beside it.
#[component]
pub fn Checkbox(
    #[prop(into)] name: String,
    #[prop(into)] value: String,
    #[prop(into)] label: String,
    #[prop(optional)] checked: bool,
    #[prop(optional)] on_toggle: Option<Callback<bool>>,
    #[prop(optional, into)] id: Option<String>,
) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("check-{name}-{value}"));
    view! {
        <label for=id.clone() class="inline-flex cursor-pointer items-center gap-2 text-sm">
            <input
                id=id.clone()
                type="checkbox"
                name=name
                value=value
                checked=checked
                class="h-4 w-4 rounded border-zinc-400 accent-primary"
                on:change=move |ev| {
                    if let Some(on_toggle) = on_toggle {
                        on_toggle.run(event_target_checked(&ev));
                    }
                }
            />
            <span>{label}</span>
        </label>
    }
}

/// A date and time in the user's zone (`datetime-local`), with the zone named beside it and
/// a line under it for what the server says that time is in UTC.
#[component]
pub fn DateTimeField(
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into)] zone: String,
    #[prop(into)] value: Signal<String>,
    #[prop(optional)] on_input: Option<Callback<String>>,
    /// A line under the control (e.g. the time in UTC).
    #[prop(optional, into)]
    note: Signal<String>,
    error: LastError,
) -> impl IntoView {
    let id = format!("field-{name}");
    view! {
        <Field name=name.clone() label hint=None error>
            <div class="flex flex-wrap items-center gap-2">
                <input
                    id=id
                    type="datetime-local"
                    name=name.clone()
                    aria-invalid=invalid(error, name.clone())
                    aria-describedby=format!("field-{name}-error field-{name}-note")
                    class=format!("{CONTROL_CLASS} max-w-60")
                    prop:value=move || value.get()
                    value=value.get_untracked()
                    on:input=move |ev| {
                        if let Some(on_input) = on_input {
                            on_input.run(event_target_value(&ev));
                        }
                    }
                />
                <span class="text-sm text-zinc-600 dark:text-zinc-400">{zone}</span>
            </div>
            <p id=format!("field-{name}-note") class="text-xs text-zinc-600 dark:text-zinc-400" data-testid="utc-note">{move || note.get()}</p>
        </Field>
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

/// The submit handler of a plain `<form method="get">`: in the browser the router navigates to
/// the form's address with its fields as the query, as a link would, instead of loading a
/// document. Without the wasm the form submits as usual. (leptos_router's `<Form>` does the
/// same, but its generic code cost every page 11.8 KB of brotli wasm.)
pub fn navigate_on_submit(
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + Clone + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + Clone + 'static {
    move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(form) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            else {
                return;
            };
            let query = web_sys::FormData::new_with_form(&form)
                .and_then(|data| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data));
            let Ok(query) = query else {
                return;
            };
            ev.prevent_default();
            let action = form.get_attribute("action").unwrap_or_default();
            let query = String::from(query.to_string());
            let url = if query.is_empty() {
                action
            } else {
                format!("{action}?{query}")
            };
            navigate(&url, Default::default());
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &navigate);
    }
}
