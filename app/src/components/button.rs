//! Buttons and links that look like buttons: one set of variants, so every page's actions
//! look and behave alike (focus ring, disabled and busy states).

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Variant {
    /// The page's main action.
    #[default]
    Primary,
    /// Other actions.
    Secondary,
    /// Quiet actions inside rows and toolbars.
    Ghost,
    /// Deleting and other actions that lose data.
    Danger,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Size {
    Small,
    #[default]
    Medium,
}

/// The classes of a button (or a link styled as one).
pub fn button_class(variant: Variant, size: Size) -> String {
    let base = "inline-flex items-center justify-center gap-2 rounded-lg font-semibold transition \
                disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:pointer-events-none \
                aria-disabled:opacity-60 whitespace-nowrap";
    let size = match size {
        Size::Small => "px-2.5 py-1.5 text-xs",
        Size::Medium => "px-4 py-2 text-sm",
    };
    let look = match variant {
        Variant::Primary => "bg-primary text-white shadow-sm hover:bg-accent",
        Variant::Secondary => {
            "border border-zinc-300 bg-white text-zinc-800 shadow-sm hover:bg-zinc-50 \
             dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 dark:hover:bg-zinc-800"
        }
        Variant::Ghost => {
            "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
        }
        Variant::Danger => "bg-red-700 text-white shadow-sm hover:bg-red-800",
    };
    format!("{base} {size} {look}")
}

/// A `<button>`. `kind` is its type (`button` unless it submits a form); event handlers given
/// as `on:click=…` reach the element.
#[component]
pub fn Button(
    #[prop(optional)] variant: Variant,
    #[prop(optional)] size: Size,
    #[prop(into, default = "button".to_string())] kind: String,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] name: Option<String>,
    #[prop(optional, into)] value: Option<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type=kind
            name=name
            value=value
            disabled=move || disabled.get()
            class=button_class(variant, size)
        >
            {children()}
        </button>
    }
}

/// A link styled as a button (navigation, downloads).
#[component]
pub fn LinkButton(
    #[prop(into)] href: String,
    #[prop(optional)] variant: Variant,
    #[prop(optional)] size: Size,
    /// Set for file downloads: the browser saves the answer instead of showing it.
    #[prop(optional)]
    download: bool,
    children: Children,
) -> impl IntoView {
    view! {
        <a href=href class=button_class(variant, size) download=download.then_some("")>
            {children()}
        </a>
    }
}
