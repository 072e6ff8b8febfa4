//! How pages tell people what is going on: skeletons while data loads, an error panel with a
//! retry, the plan-limit prompt that leads to billing, and toasts for finished actions.

use leptos::prelude::*;

use crate::components::button::{button_class, Size, Variant};
use crate::error::AppError;

/// A grey block standing in for content that is loading.
#[component]
pub fn Skeleton(#[prop(into, default = "h-4 w-full".to_string())] class: String) -> impl IntoView {
    view! {
        <div class=format!("animate-pulse rounded-md bg-zinc-200 dark:bg-zinc-800 {class}") aria-hidden="true"></div>
    }
}

/// Rows of skeletons for a list or table that is loading.
#[component]
pub fn SkeletonRows(#[prop(default = 5)] rows: usize) -> impl IntoView {
    view! {
        <div class="space-y-3" role="status" aria-label="Loading">
            {(0..rows).map(|_| view! { <Skeleton class="h-10 w-full" /> }).collect_view()}
        </div>
    }
}

/// A failed load, in plain words, with a way to try again. Plan limits lead to billing.
#[component]
pub fn ErrorPanel(error: AppError, #[prop(optional)] retry: Option<Callback<()>>) -> impl IntoView {
    if matches!(error, AppError::Forbidden(_)) {
        return view! { <PlanLimitPrompt message=error.to_string() /> }.into_any();
    }
    let hint = match &error {
        AppError::Unauthorized(_) => "Your session has ended. Sign in again to continue.",
        AppError::Busy(_) | AppError::Unavailable(_) | AppError::Transport(_) => {
            "This is usually brief. Try again in a moment."
        }
        AppError::RateLimited { .. } => "Wait a little before trying again.",
        _ => "",
    };
    view! {
        <div role="alert" data-testid="error-panel" class="rounded-xl border border-red-200 bg-red-50 p-4 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
            <p class="font-semibold">{error.to_string()}</p>
            {(!hint.is_empty()).then(|| view! { <p class="mt-1">{hint}</p> })}
            {retry.map(|retry| view! {
                <button type="button" class=format!("mt-3 {}", button_class(Variant::Secondary, Size::Small)) on:click=move |_| retry.run(())>
                    "Try again"
                </button>
            })}
        </div>
    }
    .into_any()
}

/// Shown when the plan's limit refuses an action: what happened and the way to more.
#[component]
pub fn PlanLimitPrompt(#[prop(into)] message: String) -> impl IntoView {
    view! {
        <div role="alert" data-testid="plan-limit" class="flex flex-col gap-3 rounded-xl border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 sm:flex-row sm:items-center sm:justify-between dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
            <p>{message}</p>
            <a href="/billing" rel="external" class=button_class(Variant::Primary, Size::Small)>"See plans"</a>
        </div>
    }
}

/// A page's errors caught in one place, shown with a retry.
#[component]
pub fn PageErrorBoundary(
    #[prop(optional)] retry: Option<Callback<()>>,
    children: Children,
) -> impl IntoView {
    view! {
        <ErrorBoundary fallback=move |errors| {
            let message = errors
                .get()
                .into_iter()
                .next()
                .map(|(_, e)| e.to_string())
                .unwrap_or_else(|| "Something went wrong".to_string());
            ErrorPanel(ErrorPanelProps { error: AppError::BadRequest(message), retry })
        }>
            {children()}
        </ErrorBoundary>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    message: String,
}

/// The page's toasts: push a message after an action finishes; screen readers hear it.
#[derive(Clone, Copy)]
pub struct Toasts {
    items: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn provide() -> Self {
        let toasts = Toasts {
            items: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        provide_context(toasts);
        toasts
    }

    /// The page's toasts (a detached set when none was provided, so components work alone).
    pub fn get() -> Self {
        use_context::<Toasts>().unwrap_or_else(Self::provide)
    }

    pub fn success(&self, message: impl Into<String>) {
        self.push(ToastKind::Success, message.into());
    }

    pub fn error(&self, message: impl Into<String>) {
        self.push(ToastKind::Error, message.into());
    }

    fn push(&self, kind: ToastKind, message: String) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.items
            .update(|items| items.push(Toast { id, kind, message }));
        let items = self.items;
        set_timeout(
            move || items.update(|items| items.retain(|t| t.id != id)),
            std::time::Duration::from_secs(6),
        );
    }

    fn dismiss(&self, id: u64) {
        self.items.update(|items| items.retain(|t| t.id != id));
    }
}

/// Where toasts appear (bottom right), an `aria-live` region present from the first render.
#[component]
pub fn Toaster() -> impl IntoView {
    let toasts = Toasts::get();
    view! {
        <div aria-live="polite" role="status" data-testid="toasts" class="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex flex-col items-center gap-2 px-4 sm:items-end">
            <For each=move || toasts.items.get() key=|t| t.id let:toast>
                <div
                    data-testid="toast"
                    class=match toast.kind {
                        ToastKind::Success => "pointer-events-auto flex max-w-sm items-start gap-3 rounded-xl bg-zinc-900 px-4 py-3 text-sm text-white shadow-lg dark:bg-zinc-100 dark:text-zinc-900",
                        ToastKind::Error => "pointer-events-auto flex max-w-sm items-start gap-3 rounded-xl bg-red-700 px-4 py-3 text-sm text-white shadow-lg",
                    }
                >
                    <p class="flex-1">{toast.message.clone()}</p>
                    <button type="button" class="font-semibold underline" aria-label="Dismiss" on:click=move |_| toasts.dismiss(toast.id)>"×"</button>
                </div>
            </For>
        </div>
    }
}
