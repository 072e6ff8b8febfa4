//! Things that open over the page: a confirm dialog (the native `<dialog>`, so focus is
//! trapped and Escape closes it) and a dropdown menu (`<details>`, keyboard reachable and
//! working before hydration).

use leptos::html;
use leptos::prelude::*;

use crate::components::button::{button_class, Size, Variant};

/// A button that asks before doing something that cannot be undone.
#[component]
pub fn ConfirmButton(
    /// The button's text.
    #[prop(into)]
    label: String,
    #[prop(into)] title: String,
    #[prop(into)] message: Signal<String>,
    #[prop(into, default = "Confirm".to_string())] confirm_label: String,
    #[prop(optional)] variant: Variant,
    #[prop(optional)] size: Size,
    #[prop(optional, into)] disabled: Signal<bool>,
    /// Makes the dialog's ids unique when the button repeats (one per table row).
    #[prop(optional, into)]
    key: String,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let open = move |_| {
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
        }
    };
    let close = move || {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    let slug: String = title
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let title_id = format!("dialog-{slug}{key}");
    view! {
        <button type="button" class=button_class(variant, size) disabled=move || disabled.get() on:click=open>
            {label}
        </button>
        <dialog
            node_ref=dialog
            aria-labelledby=title_id.clone()
            class="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-2xl border border-zinc-200 bg-white p-6 text-zinc-900 shadow-2xl backdrop:bg-black/50 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100"
        >
            <h2 id=title_id.clone() class="font-heading text-lg font-bold">{title}</h2>
            <p class="mt-2 text-sm text-zinc-700 dark:text-zinc-300">{move || message.get()}</p>
            <div class="mt-6 flex justify-end gap-2">
                <button type="button" class=button_class(Variant::Secondary, Size::Medium) on:click=move |_| close()>"Cancel"</button>
                <button
                    type="button"
                    class=button_class(if variant == Variant::Danger { Variant::Danger } else { Variant::Primary }, Size::Medium)
                    on:click=move |_| {
                        close();
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
            </div>
        </dialog>
    }
}

/// A menu of actions under a button. Items are links or buttons given as children.
#[component]
pub fn DropdownMenu(
    #[prop(into)] label: String,
    #[prop(optional)] align_right: bool,
    children: Children,
) -> impl IntoView {
    let menu = NodeRef::<html::Details>::new();
    // Choosing an item closes the menu.
    let close = move |_| {
        if let Some(menu) = menu.get() {
            menu.set_open(false);
        }
    };
    view! {
        <details node_ref=menu class="relative">
            <summary class=format!("list-none cursor-pointer {}", button_class(Variant::Secondary, Size::Medium))>
                {label}
                <span aria-hidden="true">"▾"</span>
            </summary>
            <div
                on:click=close
                class=format!(
                    "absolute z-30 mt-2 flex w-56 flex-col rounded-xl border border-zinc-200 bg-white p-1 shadow-lg dark:border-zinc-800 dark:bg-zinc-900 {}",
                    if align_right { "right-0" } else { "left-0" },
                )
            >
                {children()}
            </div>
        </details>
    }
}

/// The classes of an item inside a `DropdownMenu`.
pub const MENU_ITEM_CLASS: &str =
    "block w-full rounded-lg px-3 py-2 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800";
