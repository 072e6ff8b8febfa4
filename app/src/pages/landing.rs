//! The public front page.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::shell::ThemeToggle;
use crate::nav::BRAND;

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text="PostPilot · Social media on autopilot" />
        <div class="min-h-screen bg-gradient-to-br from-pink-50 via-white to-fuchsia-50 text-zinc-900 dark:from-zinc-950 dark:via-zinc-950 dark:to-zinc-900 dark:text-white">
            <header class="mx-auto flex max-w-6xl items-center justify-between px-6 py-5">
                <a href="/" class="flex items-center gap-2">
                    <span class="grid h-8 w-8 place-items-center rounded-lg bg-primary font-heading text-sm font-bold text-white">"P"</span>
                    <span class="font-heading text-lg font-bold">{BRAND.name}</span>
                </a>
                <nav class="flex items-center gap-2 text-sm font-medium">
                    <ThemeToggle />
                    <a href="/login" class="rounded-lg px-3 py-2 hover:text-brand">"Sign in"</a>
                    <a href="/register" class="rounded-lg bg-primary px-4 py-2 font-semibold text-white hover:bg-accent">"Start free"</a>
                </nav>
            </header>
            <main class="mx-auto max-w-4xl px-6 pt-20 pb-32 text-center">
                <p class="font-semibold text-brand">{BRAND.tagline}</p>
                <h1 class="mt-4 font-heading text-5xl font-extrabold tracking-tight sm:text-6xl">
                    "Your products, posted everywhere. On time. Once."
                </h1>
                <p class="mx-auto mt-6 max-w-2xl text-lg text-zinc-600 dark:text-zinc-300">{BRAND.description}</p>
                <div class="mt-10 flex justify-center gap-3">
                    <a href="/register" class="rounded-xl bg-primary px-6 py-3 font-semibold text-white shadow-lg shadow-pink-200 hover:bg-accent dark:shadow-none">
                        "Create a free account"
                    </a>
                    <a href="/login" class="rounded-xl border border-zinc-300 px-6 py-3 font-semibold hover:border-primary hover:text-brand dark:border-zinc-700">
                        "Sign in"
                    </a>
                </div>
            </main>
        </div>
    }
}
