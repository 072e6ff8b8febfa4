//! The HTML document and the route table.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use leptos_meta::MetaTags;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

#[cfg(feature = "ssr")]
use crate::pages::admin::{AdminLogsPage, AdminPage, AdminSystemPage, AdminUsersPage};
use crate::pages::auth::{ForgotPasswordPage, LoginPage, RegisterPage, ResetPasswordPage};
use crate::pages::calendar::CalendarPage;
use crate::pages::compose::{ComposePage, EditPostPage};
#[cfg(feature = "ssr")]
use crate::pages::marketing::{landing::LandingPage, pricing::PricingPage};
use crate::pages::media::MediaPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::posts::PostsPage;
use crate::pages::templates::TemplatesPage;
#[cfg(feature = "ssr")]
use crate::pages::{
    accounts::AccountsPage, accounts::ConnectChoicePage, analytics::AnalyticsPage,
    api_keys::ApiKeysPage, billing::BillingPage, dashboard::DashboardPage, queue::QueuePage,
    settings::SettingsPage,
};
// In the browser, the marketing pages are documents of their own and the server-rendered
// dashboard pages keep the server's content (see `server_rendered`).
#[cfg(not(feature = "ssr"))]
use crate::pages::server_rendered::{
    ServerRenderedAdmin as AdminPage, ServerRenderedAdmin as AdminLogsPage,
    ServerRenderedAdmin as AdminUsersPage, ServerRenderedAdmin as AdminSystemPage,
};
#[cfg(not(feature = "ssr"))]
use crate::pages::server_rendered::{
    ServerRenderedDashboard as AccountsPage, ServerRenderedDashboard as ConnectChoicePage,
    ServerRenderedDashboard as DashboardPage, ServerRenderedDashboard as QueuePage,
    ServerRenderedDashboard as AnalyticsPage, ServerRenderedDashboard as ApiKeysPage,
    ServerRenderedDashboard as BillingPage, ServerRenderedDashboard as SettingsPage,
    ServerRenderedPage as LandingPage, ServerRenderedPage as PricingPage,
};

/// Applies the saved (or the system's) theme before the first paint, so dark mode never flashes.
#[cfg(feature = "ssr")]
const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}";

#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The shell renders before the first byte is sent, so the page's CSP header still can be.
    crate::server::auth::headers::send_page_policy();
    // The marketing pages are plain HTML and CSS: no hydration scripts, no wasm, and their
    // own small stylesheet inlined.
    let marketing = request_path().is_some_and(|path| crate::nav::is_marketing_path(&path));
    let head = if marketing {
        view! { <MarketingHead /> }.into_any()
    } else {
        view! {
            <link id="leptos" rel="stylesheet" href="/pkg/postpilot.css" />
            <AutoReload options=options.clone() />
            <HydrationScripts options />
        }
        .into_any()
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <script nonce=leptos::nonce::use_nonce() inner_html=THEME_SCRIPT></script>
                {head}
                <link rel="icon" href="/favicon.ico" sizes="32x32" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="apple-touch-icon" href="/apple-touch-icon.png" />
                <link rel="manifest" href="/site.webmanifest" />
                <meta name="theme-color" content="#c61d78" />
                <MetaTags />
            </head>
            <body class="font-sans antialiased">
                <App />
            </body>
        </html>
    }
}

/// The path of the page being rendered.
#[cfg(feature = "ssr")]
fn request_path() -> Option<String> {
    use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_string())
}

/// The marketing pages' stylesheet, inlined (nothing blocks the first paint), with the fonts
/// it names preloaded under their content-hashed names. Without a built stylesheet (a debug
/// build, the tests), the app's is linked instead.
#[cfg(feature = "ssr")]
#[component]
fn MarketingHead() -> impl IntoView {
    let assets = use_context::<crate::server::AppState>().map(|state| state.site_assets);
    match assets
        .as_ref()
        .and_then(|assets| Some((assets, assets.marketing_css()?)))
    {
        Some((assets, css)) => {
            let fonts = crate::site_files::FONTS
                .iter()
                .map(|font| {
                    view! { <link rel="preload" href=assets.url(font) r#as="font" r#type="font/woff2" crossorigin="" /> }
                })
                .collect_view();
            view! { {fonts} <style inner_html=css.to_string()></style> }.into_any()
        }
        None => view! { <link rel="stylesheet" href="/pkg/postpilot.css" /> }.into_any(),
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="PostPilot" />
        <Router>
            <Routes fallback=|| view! { <NotFoundPage /> }>
                <Route path=path!("/") view=LandingPage />
                <Route path=path!("/pricing") view=PricingPage />
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/register") view=RegisterPage />
                <Route path=path!("/forgot-password") view=ForgotPasswordPage />
                <Route path=path!("/reset-password") view=ResetPasswordPage />
                // Signed-in pages render once their data is loaded (SsrMode::Async), so they are
                // complete without JavaScript and can still set a status or redirect.
                <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                <Route path=path!("/compose") view=ComposePage ssr=SsrMode::Async />
                <Route path=path!("/posts") view=PostsPage ssr=SsrMode::Async />
                <Route path=path!("/posts/:id/edit") view=EditPostPage ssr=SsrMode::Async />
                <Route path=path!("/calendar") view=CalendarPage ssr=SsrMode::Async />
                <Route path=path!("/media") view=MediaPage ssr=SsrMode::Async />
                <Route path=path!("/accounts") view=AccountsPage ssr=SsrMode::Async />
                <Route path=path!("/accounts/connect") view=ConnectChoicePage ssr=SsrMode::Async />
                <Route path=path!("/queue") view=QueuePage ssr=SsrMode::Async />
                <Route path=path!("/analytics") view=AnalyticsPage ssr=SsrMode::Async />
                <Route path=path!("/templates") view=TemplatesPage ssr=SsrMode::Async />
                <Route path=path!("/api-keys") view=ApiKeysPage ssr=SsrMode::Async />
                <Route path=path!("/billing") view=BillingPage ssr=SsrMode::Async />
                <Route path=path!("/settings") view=SettingsPage ssr=SsrMode::Async />
                // The admin console: admins only, everyone else gets the not-found page.
                <Route path=path!("/admin") view=AdminPage ssr=SsrMode::Async />
                <Route path=path!("/admin/logs") view=AdminLogsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/users") view=AdminUsersPage ssr=SsrMode::Async />
                <Route path=path!("/admin/system") view=AdminSystemPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}
