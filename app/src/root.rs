//! The HTML document and the route table.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::pages::auth::{ForgotPasswordPage, LoginPage, RegisterPage, ResetPasswordPage};
use crate::pages::calendar::CalendarPage;
use crate::pages::compose::{ComposePage, EditPostPage};
use crate::pages::dashboard::DashboardPage;
use crate::pages::landing::LandingPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::posts::PostsPage;

/// Applies the saved (or the system's) theme before the first paint, so dark mode never flashes.
const THEME_SCRIPT: &str = "try{var t=localStorage.getItem('theme');if(t==='dark'||(!t&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}";

pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The shell renders before the first byte is sent, so the page's CSP header still can be.
    #[cfg(feature = "ssr")]
    crate::server::auth::headers::send_page_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <script nonce=leptos::nonce::use_nonce() inner_html=THEME_SCRIPT></script>
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="font-sans antialiased">
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/postpilot.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content=crate::nav::BRAND.description />
        <Title text="PostPilot" />
        <Router>
            <Routes fallback=|| view! { <NotFoundPage /> }>
                <Route path=path!("/") view=LandingPage />
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
            </Routes>
        </Router>
    }
}
