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
    // The paths as markup: static strings of our own, and one attribute to render instead of a
    // view per path (the shell draws twenty icons on every page).
    let paths: String = icon
        .paths()
        .iter()
        .map(|d| format!(r#"<path d="{d}"></path>"#))
        .collect();
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
            inner_html=paths
        ></svg>
    }
}
