//! The PostPilot Leptos application. Pages, components and server functions compile for both
//! the server (`ssr`) and the browser (`hydrate`); everything under `server` is server-only and
//! holds the services that own every business rule.
#![recursion_limit = "256"]

pub mod components;
pub mod error;
pub mod fns;
pub mod model;
pub mod nav;
pub mod pages;
pub mod placeholders;
pub mod plans;
pub mod platforms;
mod root;
#[cfg(feature = "ssr")]
pub mod server;
pub mod site_files;

#[cfg(feature = "ssr")]
pub use root::shell;
pub use root::App;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // A form whose server function redirects (signed in, post saved…) loads the next page as
    // a document: several pages are rendered on the server only (`nav::SERVER_RENDERED_PAGES`)
    // and would otherwise be loaded twice. Set before the router, whose own hook then stands
    // aside (the hook is set once).
    let _ = server_fn::redirect::set_redirect_hook(|path: &str| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign(path);
        }
    });
    leptos::mount::hydrate_body(App);
    // Browser tests wait for this mark on <html> before interacting (and on <body>, where
    // earlier tests look for it).
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
        if let Some(body) = document.body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    }
}
