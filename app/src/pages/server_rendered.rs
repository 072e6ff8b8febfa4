//! The browser app has no code for the marketing pages (`pages::marketing`, server only: they
//! ship no wasm). A client-side navigation to one lands here and loads it from the server.

use leptos::prelude::*;

#[component]
pub fn ServerRenderedPage() -> impl IntoView {
    // The router has already put the page's URL in the address bar: reload it as a document.
    #[cfg(feature = "hydrate")]
    Effect::new(|_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    view! {
        <p role="status" class="grid min-h-screen place-items-center text-sm text-zinc-500">"Loading…"</p>
    }
}
