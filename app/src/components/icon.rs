use leptos::prelude::*;

use crate::nav::Icon;

/// An inline SVG icon (24×24 stroke icons), decorative unless labelled by its parent.
#[component]
pub fn IconSvg(icon: Icon, #[prop(optional, into)] class: String) -> impl IntoView {
    let class = if class.is_empty() {
        "h-5 w-5".to_string()
    } else {
        class
    };
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            {icon.paths().iter().map(|d| view! { <path d=*d></path> }).collect_view()}
        </svg>
    }
}
