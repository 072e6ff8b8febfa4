//! The home page (`/dashboard`): the onboarding checklist until it is done, accounts that need
//! attention, KPI cards with plan usage, the next scheduled posts, failures of the last week
//! with their reason and a retry, and quick actions. Rendered on the server only (see
//! `server_rendered`); retry and reconnect are plain forms.

use leptos::prelude::*;
use leptos_meta::Title;
use server_fn::ServerFn;

use super::server_kit::{last_error, ActionError, Notice, UsageBar};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{Card, PlatformBadge};
use crate::components::feedback::ErrorPanel;
use crate::components::shell::DashboardShell;
use crate::fns::accounts::ReconnectAccount;
use crate::fns::home::{load_home, AttentionAccount, HomeData, HomePost, RetryFailed};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text=crate::nav::page_title("/dashboard") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {Suspend::new(async move {
                        match load_home().await {
                            Ok(data) => view! { <Home data /> }.into_any(),
                            Err(error) => view! { <ErrorPanel error /> }.into_any(),
                        }
                    })}
                </Suspense>
            </ServerBody>
        </DashboardShell>
    }
}

fn notice(code: &str) -> Option<&'static str> {
    match code {
        "retried" => Some("The post is back in line: it publishes in a moment."),
        "reconnected" => Some("Account reconnected."),
        _ => None,
    }
}

const STEPS: [(&str, &str, &str); 4] = [
    (
        "Connect a social account",
        "So PostPilot has somewhere to publish.",
        "/accounts",
    ),
    (
        "Add a product",
        "Paste a product page's address or fill in its details.",
        "/queue",
    ),
    (
        "Approve a caption",
        "Generate one with AI, edit it, approve it.",
        "/queue",
    ),
    (
        "Schedule your first post",
        "Pick a time, or one of your best times.",
        "/compose",
    ),
];

#[component]
fn Home(data: HomeData) -> impl IntoView {
    let error = last_error::<RetryFailed>().or_else(last_error::<ReconnectAccount>);
    let plan_name = data.plan.limits().name;
    view! {
        <div class="mb-6">
            <h1 class="font-heading text-2xl font-bold sm:text-3xl" data-testid="greeting">
                {format!("Welcome, {}!", data.greeting_name)}
            </h1>
            <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">"Here is what is happening with your posts."</p>
        </div>
        <Notice message=notice />
        <ActionError error />
        {data.payment_problem.clone().map(|problem| view! {
            <div role="alert" data-testid="payment-problem" class="mb-6 flex flex-wrap items-center justify-between gap-3 rounded-xl border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
                <p>{problem}</p>
                <a href="/billing" rel="external" class=button_class(Variant::Danger, Size::Small)>"Fix payment"</a>
            </div>
        })}
        <div class="space-y-6">
            {(!data.onboarding.iter().all(|done| *done)).then(|| view! { <Onboarding done=data.onboarding /> })}
            {(!data.attention.is_empty()).then(|| view! { <Attention accounts=data.attention.clone() /> })}
            <section aria-label="Key figures" class="grid grid-cols-3 gap-2 sm:gap-4">
                <Kpi label="Scheduled this week" value=data.scheduled_this_week.to_string() href="/calendar?view=week" testid="kpi-week" />
                <Kpi label="Published this month" value=data.published_this_month.to_string() href="/posts?status=posted" testid="kpi-month" />
                <Kpi label=format!("Engagement since {}", data.engagement_since) value=format!("{:.2} %", data.avg_engagement_rate) href="/analytics" testid="kpi-engagement" />
            </section>
            <Card>
                <div class="mb-3 flex items-baseline justify-between">
                    <h2 class="font-heading text-lg font-semibold">"Plan usage"</h2>
                    <a href="/billing" rel="external" class="text-sm font-semibold text-brand hover:underline">{format!("{plan_name} plan")}</a>
                </div>
                <div class="grid gap-4 sm:grid-cols-3">
                    <UsageBar label="Posts this month" used=data.posts.used limit=data.posts.limit />
                    <UsageBar label="Accounts" used=data.accounts.used limit=data.accounts.limit />
                    <UsageBar label="AI captions this month" used=data.ai_captions.used limit=data.ai_captions.limit />
                </div>
            </Card>
            <div class="grid gap-6 lg:grid-cols-2">
                <Card>
                    <div class="mb-3 flex items-baseline justify-between gap-2">
                        <h2 class="font-heading text-lg font-semibold">"Next posts"</h2>
                        <a href="/calendar" class="text-sm font-semibold text-brand hover:underline">"Calendar"</a>
                    </div>
                    {if data.next_posts.is_empty() {
                        view! { <p class="text-sm text-zinc-600 dark:text-zinc-400" data-testid="no-next-posts">"Nothing scheduled. "<a href="/compose" class="font-semibold text-brand hover:underline">"Schedule a post"</a></p> }.into_any()
                    } else {
                        view! {
                            <ul class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="next-posts">
                                {data.next_posts.into_iter().map(|post| view! { <PostLine post failed=false /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </Card>
                <Card>
                    <div class="mb-3 flex items-baseline justify-between gap-2">
                        <h2 class="font-heading text-lg font-semibold">{match data.failures_total {
                            0 => format!("Failed since {}", data.failures_since),
                            n => format!("Failed since {} ({n})", data.failures_since),
                        }}</h2>
                        {(data.failures_total > 0).then(|| view! {
                            <a href="/posts?status=failed" class="text-sm font-semibold text-brand hover:underline">
                                "All failed posts"
                            </a>
                        })}
                    </div>
                    {if data.failures.is_empty() {
                        view! { <p class="text-sm text-zinc-600 dark:text-zinc-400" data-testid="no-failures">"No failures. Every post went out."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="failures">
                                {data.failures.into_iter().map(|post| view! { <PostLine post failed=true /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </Card>
            </div>
            <section aria-labelledby="quick-heading">
                <h2 id="quick-heading" class="mb-3 font-heading text-lg font-semibold">"Quick actions"</h2>
                <div class="flex flex-wrap gap-2">
                    <a href="/compose" class=button_class(Variant::Primary, Size::Medium)>"New post"</a>
                    <a href="/queue" rel="external" class=button_class(Variant::Secondary, Size::Medium)>"Add a product"</a>
                    <a href="/calendar" class=button_class(Variant::Secondary, Size::Medium)>"Open the calendar"</a>
                    <a href="/analytics" rel="external" class=button_class(Variant::Secondary, Size::Medium)>"See analytics"</a>
                </div>
            </section>
        </div>
    }
}

#[component]
fn Onboarding(done: [bool; 4]) -> impl IntoView {
    let count = done.iter().filter(|d| **d).count();
    view! {
        <section aria-labelledby="onboarding-heading" data-testid="onboarding" class="rounded-2xl border border-primary/30 bg-white p-4 shadow-sm sm:p-6 dark:bg-zinc-900">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="onboarding-heading" class="font-heading text-lg font-semibold">"Get started"</h2>
                <p class="text-sm text-zinc-600 dark:text-zinc-400">{format!("{count} of 4 done")}</p>
            </div>
            <ol class="mt-4 grid gap-3 sm:grid-cols-2 xl:grid-cols-4">
                {STEPS.iter().zip(done).enumerate().map(|(i, ((title, hint, href), done))| view! {
                    <li data-testid="onboarding-step" data-done=done.to_string()>
                        <a
                            href=*href
                            rel=crate::nav::is_server_rendered(href).then_some("external")
                            class=if done {
                                "flex h-full gap-3 rounded-xl border border-emerald-200 bg-emerald-50 p-3 dark:border-emerald-900 dark:bg-emerald-950"
                            } else {
                                "flex h-full gap-3 rounded-xl border border-zinc-200 p-3 hover:border-primary/50 hover:bg-primary/5 dark:border-zinc-700"
                            }
                        >
                            <span
                                class=if done {
                                    "grid h-7 w-7 shrink-0 place-items-center rounded-full bg-emerald-700 text-sm font-bold text-white"
                                } else {
                                    "grid h-7 w-7 shrink-0 place-items-center rounded-full border-2 border-zinc-300 text-sm font-bold text-zinc-600 dark:border-zinc-600 dark:text-zinc-300"
                                }
                                aria-hidden="true"
                            >
                                {if done { "✓".to_string() } else { (i + 1).to_string() }}
                            </span>
                            <span>
                                <span class="block text-sm font-semibold">
                                    {*title}
                                    {done.then(|| view! { <span class="sr-only">" (done)"</span> })}
                                </span>
                                <span class="block text-xs text-zinc-600 dark:text-zinc-400">{*hint}</span>
                            </span>
                        </a>
                    </li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn Attention(accounts: Vec<AttentionAccount>) -> impl IntoView {
    view! {
        <section aria-labelledby="attention-heading" data-testid="attention" class="rounded-2xl border border-red-200 bg-red-50 p-4 sm:p-6 dark:border-red-900 dark:bg-red-950">
            <h2 id="attention-heading" class="font-heading text-lg font-semibold text-red-900 dark:text-red-100">"Accounts that need you"</h2>
            <ul class="mt-3 space-y-3">
                {accounts.into_iter().map(|account| view! {
                    <li class="flex flex-col gap-2 sm:flex-row sm:items-center sm:justify-between">
                        <div class="text-sm text-red-900 dark:text-red-100">
                            <p class="font-semibold">{format!("{} · {}", account.name, account.platform.label())}</p>
                            <p>{account.problem.clone()}</p>
                        </div>
                        {if account.reconnect {
                            view! {
                                <form method="post" action=ReconnectAccount::PATH>
                                    <input type="hidden" name="id" value=account.id.to_string() />
                                    <input type="hidden" name="back" value="/dashboard" />
                                    <button type="submit" class=button_class(Variant::Primary, Size::Small) aria-label=format!("Reconnect {}", account.name)>"Reconnect"</button>
                                </form>
                            }.into_any()
                        } else {
                            view! { <a href="/accounts" rel="external" class=button_class(Variant::Secondary, Size::Small)>"Open accounts"</a> }.into_any()
                        }}
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Kpi(
    #[prop(into)] label: String,
    value: String,
    href: &'static str,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <a
            href=href
            rel=crate::nav::is_server_rendered(href.split('?').next().unwrap_or(href)).then_some("external")
            class="rounded-2xl border border-zinc-200 bg-white p-3 shadow-sm transition hover:border-primary/40 hover:shadow-md sm:p-6 dark:border-zinc-800 dark:bg-zinc-900"
        >
            <p class="text-xs font-medium text-zinc-600 sm:text-sm dark:text-zinc-400">{label}</p>
            <p class="mt-2 font-heading text-xl font-bold tabular-nums sm:text-3xl" data-testid=testid>{value}</p>
        </a>
    }
}

#[component]
fn PostLine(post: HomePost, failed: bool) -> impl IntoView {
    view! {
        <li class="py-3" data-testid="home-post" data-post-id=post.id.to_string()>
            <div class="flex items-start justify-between gap-3">
                <div class="min-w-0 flex-1">
                    <p class="flex flex-wrap items-center gap-2 text-xs text-zinc-600 dark:text-zinc-400">
                        <PlatformBadge platform=post.platform />
                        <span>{post.account_name.clone()}</span>
                        <span aria-hidden="true">"·"</span>
                        <span>{post.when.clone()}</span>
                    </p>
                    <p class="mt-1 line-clamp-2 text-sm">{post.content.clone()}</p>
                    {failed.then(|| view! { <p class="mt-1 text-sm text-red-700 dark:text-red-300" data-testid="failure-reason">{post.reason.clone()}</p> })}
                </div>
                {if failed {
                    view! {
                        <form method="post" action=RetryFailed::PATH class="shrink-0">
                            <input type="hidden" name="id" value=post.id.to_string() />
                            <button type="submit" class=button_class(Variant::Secondary, Size::Small)>"Retry"</button>
                        </form>
                    }.into_any()
                } else {
                    view! { <a href=format!("/posts/{}/edit", post.id) class=format!("shrink-0 {}", button_class(Variant::Ghost, Size::Small)) aria-label="Edit post">"Edit"</a> }.into_any()
                }}
            </div>
        </li>
    }
}
