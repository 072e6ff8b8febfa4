//! Pages whose content only the server renders (`nav::SERVER_RENDERED_PAGES` inside the
//! dashboard shell, and the marketing pages): the browser bundle has a stand-in for each that
//! hydrates over the server's markup without touching it, and loads the page from the server
//! when the router reaches it in the browser.

use leptos::prelude::*;

/// The content of a server-rendered dashboard page, inside `DashboardShell`. On the server it
/// renders `children`; in the browser it leaves the server's markup as it is (its forms post
/// to server functions and links load documents, so nothing in it needs hydrating).
#[cfg(feature = "ssr")]
#[component]
pub fn ServerBody(children: Children) -> impl IntoView {
    // Signed out, the shell sends the visitor to sign in: the page has nothing to load.
    let signed_in = crate::server::auth::session::session_user().is_some();
    view! { <div data-server-body="" data-from-server="">{signed_in.then(children)}</div> }
}

#[cfg(not(feature = "ssr"))]
#[component]
pub fn ServerBody() -> impl IntoView {
    let body = NodeRef::<leptos::html::Div>::new();
    // Hydrated, the element is the server's (`data-from-server`, which this view does not
    // write). Built here instead, the router got to the page in the browser (a redirect after
    // a form, a link without `rel="external"`): load the document.
    Effect::new(move |_| {
        if body
            .get()
            .is_some_and(|el| !el.has_attribute("data-from-server"))
        {
            reload();
        }
    });
    view! { <div data-server-body="" node_ref=body inner_html=String::new()></div> }
}

/// The browser's stand-in for a server-rendered dashboard page: the same shell and title,
/// with the server's content left in place.
#[cfg(not(feature = "ssr"))]
#[component]
pub fn ServerRenderedDashboard() -> impl IntoView {
    use crate::components::shell::DashboardShell;
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let title = crate::nav::page_title(&path);
    view! {
        <leptos_meta::Title text=title />
        <DashboardShell>
            <ServerBody />
        </DashboardShell>
    }
}

/// The browser's stand-in for an admin console page: the server rendered either the console
/// (for an admin) or the not-found page (for anyone else); the browser renders the same.
#[cfg(not(feature = "ssr"))]
#[component]
pub fn ServerRenderedAdmin() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    let not_found = document()
        .query_selector("[data-page=\"not-found\"]")
        .ok()
        .flatten()
        .is_some();
    #[cfg(not(feature = "hydrate"))]
    let not_found = false;
    if not_found {
        view! { <super::not_found::NotFoundPage /> }.into_any()
    } else {
        view! { <ServerRenderedDashboard /> }.into_any()
    }
}

/// The browser's stand-in for a marketing page (it has no code for them at all): the router
/// has already put the page's URL in the address bar, so reload it as a document.
#[cfg(not(feature = "ssr"))]
#[component]
pub fn ServerRenderedPage() -> impl IntoView {
    Effect::new(|_| reload());
    view! {
        <p role="status" class="grid min-h-screen place-items-center text-sm text-zinc-500">"Loading…"</p>
    }
}

#[cfg(not(feature = "ssr"))]
fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
