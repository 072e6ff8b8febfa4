use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · PostPilot" />
        <main data-page="not-found" class="grid min-h-screen place-items-center bg-zinc-50 px-6 text-center dark:bg-zinc-950 dark:text-white">
            <div>
                <p class="font-heading text-6xl font-extrabold text-brand">"404"</p>
                <h1 class="mt-4 font-heading text-2xl font-bold">"This page does not exist"</h1>
                <a href="/" rel="external" class="mt-6 inline-block font-semibold text-brand hover:underline">"Go home"</a>
            </div>
        </main>
    }
}
