//! The signed-in layout: sidebar (from `nav::NAV_ITEMS`), top bar with the user menu and the
//! theme switch, and the page. Signed-out visitors are sent to the login page: by the server
//! on a full page load, by this component after client-side navigation.

use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_location;

use super::button::{button_class, Size, Variant};
use super::feedback::{Toaster, Toasts};
use super::icon::IconSvg;
use crate::error::AppError;
use crate::fns::auth::{current_user, Logout};
use crate::model::UserProfile;
use crate::nav::{Icon, BRAND, NAV_ITEMS};

/// The signed-in user, loaded once per shell and shared with the page inside it.
#[derive(Clone, Copy)]
pub struct UserResource(pub Resource<Result<Option<UserProfile>, AppError>, crate::fns::Wire>);

#[component]
pub fn DashboardShell(children: ChildrenFn) -> impl IntoView {
    let user = crate::fns::resource(|| (), |_| current_user());
    provide_context(UserResource(user));
    Toasts::provide();
    let location = use_location();
    let children = StoredValue::new(children);

    view! {
        <div class="flex min-h-screen bg-zinc-50 text-zinc-900 dark:bg-zinc-950 dark:text-zinc-100">
            <Sidebar />
            <div class="flex min-w-0 flex-1 flex-col">
                <Suspense fallback=|| view! { <div class="h-16 border-b border-zinc-200 dark:border-zinc-800"></div> }>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(profile)) => view! { <TopBar user=profile /> }.into_any(),
                            Ok(None) => {
                                let next = location.pathname.get_untracked();
                                view! { <Redirect path=format!("/login?next={next}") /> }.into_any()
                            }
                            Err(err) => view! {
                                <div role="alert" class="p-4 text-sm text-red-600">{err.to_string()}</div>
                            }.into_any(),
                        }
                    })}
                </Suspense>
                <main id="main" class="min-w-0 flex-1 px-4 py-6 sm:px-8">{move || children.read_value()()}</main>
            </div>
            <Toaster />
        </div>
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    view! {
        <aside class="hidden w-60 shrink-0 flex-col border-r border-zinc-200 bg-white px-3 py-4 md:flex dark:border-zinc-800 dark:bg-zinc-900">
            <a href="/dashboard" rel="external" class="mb-6 flex items-center gap-2 px-2">
                <span class="grid h-8 w-8 place-items-center rounded-lg bg-primary font-heading text-sm font-bold text-white">"P"</span>
                <span class="font-heading text-lg font-bold">{BRAND.name}</span>
            </a>
            <NavLinks />
        </aside>
    }
}

#[component]
fn NavLinks() -> impl IntoView {
    let location = use_location();
    view! {
        <nav aria-label="Main" class="flex flex-col gap-1">
            {NAV_ITEMS
                .iter()
                .map(|item| {
                    let href = item.href;
                    let active = move || {
                        let path = location.pathname.get();
                        path == href || path.starts_with(&format!("{href}/"))
                    };
                    // A plain link (the router still navigates it in the browser): the router's
                    // `A` resolves its path through the route tree, for ten links twice a page.
                    view! {
                        <a
                            href=href
                            rel=crate::nav::is_server_rendered(href).then_some("external")
                            aria-current=move || active().then_some("page")
                            class=move || {
                                if active() {
                                    "flex items-center gap-3 rounded-lg bg-primary/10 px-3 py-2 text-sm font-semibold text-brand"
                                } else {
                                    "flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
                                }
                            }
                        >
                            <IconSvg icon=item.icon />
                            <span>{item.label}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

#[component]
fn TopBar(user: UserProfile) -> impl IntoView {
    // A plain form: signing out loads the sign-in page as a document either way.
    let sign_out = <Logout as server_fn::ServerFn>::PATH;
    let plan = user.plan.limits().name;
    view! {
        <header class="flex h-16 items-center justify-between gap-4 border-b border-zinc-200 bg-white px-4 sm:px-8 dark:border-zinc-800 dark:bg-zinc-900">
            <details class="relative md:hidden">
                <summary class="list-none rounded-lg p-2 hover:bg-zinc-100 dark:hover:bg-zinc-800" aria-label="Menu">
                    <IconSvg icon=Icon::Menu />
                </summary>
                <div class="absolute left-0 z-20 mt-2 w-56 rounded-xl border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
                    <NavLinks />
                </div>
            </details>
            <div class="flex-1"></div>
            <a href="/compose" class=button_class(Variant::Primary, Size::Medium) data-testid="new-post">"New post"</a>
            <ThemeToggle />
            <details class="relative" data-testid="user-menu">
                <summary class="flex cursor-pointer list-none items-center gap-2 rounded-lg px-2 py-1.5 hover:bg-zinc-100 dark:hover:bg-zinc-800">
                    <span class="grid h-8 w-8 place-items-center rounded-full bg-accent/20 text-sm font-semibold text-brand">
                        {user.email.chars().next().unwrap_or('?').to_ascii_uppercase().to_string()}
                    </span>
                    <span class="hidden text-sm font-medium sm:inline">{user.email.clone()}</span>
                </summary>
                <div class="absolute right-0 z-20 mt-2 w-64 rounded-xl border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-800 dark:bg-zinc-900">
                    <div class="px-3 py-2">
                        <p class="truncate text-sm font-medium">{user.email.clone()}</p>
                        <p class="text-xs text-zinc-500">{format!("{plan} plan")}</p>
                    </div>
                    <a href="/settings" rel="external" class="block rounded-lg px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800">"Settings"</a>
                    {user.is_admin().then(|| view! {
                        <a href="/admin/logs" rel="external" class="block rounded-lg px-3 py-2 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800">"Admin console"</a>
                    })}
                    <form method="post" action=sign_out>
                        <button
                            type="submit"
                            class="flex w-full items-center gap-2 rounded-lg px-3 py-2 text-left text-sm text-red-600 hover:bg-red-50 dark:hover:bg-red-950"
                        >
                            <IconSvg icon=Icon::LogOut class="h-4 w-4" />
                            "Sign out"
                        </button>
                    </form>
                </div>
            </details>
        </header>
    }
}

/// Switches light/dark and remembers the choice; the script in the page head applies it before
/// the first paint.
#[component]
pub fn ThemeToggle() -> impl IntoView {
    let toggle = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let dark = root.class_list().toggle("dark").unwrap_or(false);
                if let Some(storage) =
                    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
                {
                    let _ = storage.set_item("theme", if dark { "dark" } else { "light" });
                }
            }
        }
    };
    view! {
        <button
            type="button"
            on:click=toggle
            aria-label="Switch light or dark theme"
            data-testid="theme-toggle"
            class="rounded-lg p-2 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
        >
            <span class="dark:hidden"><IconSvg icon=Icon::Moon /></span>
            <span class="hidden dark:inline"><IconSvg icon=Icon::Sun /></span>
        </button>
    }
}
