//! The billing page (`/billing`): the current plan and subscription (trial days left, the
//! renewal or end date, a past-due warning), this month's usage against the plan's limits,
//! the plan cards from the one plan table, upgrade (mock checkout until Stripe is configured),
//! cancel at period end and resume. Rendered on the server only; every action is a plain form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;

use super::server_kit::{last_error, ActionError, ConfirmForm, Notice, UsageBar};
use super::server_rendered::ServerBody;
use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{Card, PageHeader};
use crate::components::feedback::ErrorPanel;
use crate::components::shell::DashboardShell;
use crate::fns::billing::{
    billing_overview, BillingData, CancelSubscription, ResumeSubscription, StartCheckout,
    SubscriptionState,
};
use crate::model::{PlanTier, SubscriptionStatus};
use crate::plans::{PlanLimits, UNLIMITED};

#[component]
pub fn BillingPage() -> impl IntoView {
    view! {
        <Title text=crate::nav::page_title("/billing") />
        <DashboardShell>
            <ServerBody>
                <Suspense>
                    {Suspend::new(async move {
                        match billing_overview().await {
                            Ok(data) => view! { <Billing data /> }.into_any(),
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
        "cancelled" => Some("Your subscription will end at the close of this period. You keep every paid feature until then."),
        "resumed" => Some("Your subscription continues: it renews as before."),
        "changed" => Some("Your plan is changed. Stripe bills the difference on your next invoice."),
        _ => None,
    }
}

#[component]
fn Billing(data: BillingData) -> impl IntoView {
    let error = last_error::<StartCheckout>()
        .or_else(last_error::<CancelSubscription>)
        .or_else(last_error::<ResumeSubscription>);
    // Mock checkout comes back with `?checkout=success` (Stripe's will too).
    let query = use_query_map().get_untracked();
    let checkout = query.get("checkout").unwrap_or_default();
    let upgraded = checkout == "success" && data.plan != PlanTier::Free;
    // Back from Stripe before its webhook arrived: the page looks again in a few seconds.
    let confirming = checkout == "success" && data.plan == PlanTier::Free;
    let checkout_note = match checkout.as_str() {
        "changed" => notice("changed"),
        "cancelled" => Some("Checkout cancelled: nothing was charged and your plan is unchanged."),
        _ => None,
    };
    let portal_error = query.get("portal_error").map(|code| match code.as_str() {
        "no-customer" => "You have no payment details with us yet: choose a paid plan first.",
        _ => "Stripe's billing portal could not be opened just now. Please try again in a moment.",
    });
    let BillingData {
        plan,
        usage,
        subscription,
        payments_live,
        portal_url,
    } = data;
    let limits = plan.limits();
    let past_due = subscription
        .as_ref()
        .is_some_and(|s| s.status == SubscriptionStatus::PastDue);
    view! {
        <PageHeader title="Billing" subtitle="Your plan, what you have used this month, and the plans you can move to." />
        {upgraded.then(|| view! {
            <p role="status" data-testid="notice" class="mb-4 rounded-lg border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
                {format!("Welcome to {}! Your new limits apply now.", limits.name)}
            </p>
        })}
        {confirming.then(|| view! {
            <meta http-equiv="refresh" content="3" />
            <p role="status" data-testid="confirming" class="mb-4 rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-900 dark:bg-sky-950 dark:text-sky-100">
                "Thank you! Stripe is confirming your payment; this page updates in a few seconds."
            </p>
        })}
        {checkout_note.map(|text| view! {
            <p role="status" data-testid="checkout-note" class="mb-4 rounded-lg border border-zinc-200 bg-zinc-50 px-3 py-2 text-sm text-zinc-800 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200">{text}</p>
        })}
        {portal_error.map(|text| view! {
            <p role="alert" data-testid="portal-error" class="mb-4 rounded-lg border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">{text}</p>
        })}
        <Notice message=notice />
        <ActionError error />
        {past_due.then(|| view! { <PastDueBanner portal_url=portal_url.clone() grace_until=subscription.as_ref().and_then(|s| s.grace_until.clone()) plan_name=subscription.as_ref().map(|s| s.plan_name.clone()).unwrap_or_default() /> })}
        {(!payments_live).then(|| view! {
            <p data-testid="mock-billing" class="mb-4 rounded-lg border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-900 dark:bg-sky-950 dark:text-sky-100">
                "Payments are not set up on this server: upgrading switches your plan at once, free of charge (a built-in test checkout)."
            </p>
        })}
        <div class="grid gap-6 lg:grid-cols-2">
            <CurrentPlan limits=limits.clone() subscription portal_url payments_live />
            <Card>
                <h2 class="font-heading text-lg font-semibold">"This month's usage"</h2>
                <p class="mb-4 mt-1 text-sm text-zinc-600 dark:text-zinc-400">"Counts start again on the 1st of each month (UTC)."</p>
                <div class="space-y-4">
                    <UsageBar label="Posts created" used=usage.posts.used.max(0) as u64 limit=usage.posts.limit />
                    <UsageBar label="Connected accounts" used=usage.accounts.used.max(0) as u64 limit=usage.accounts.limit />
                    <UsageBar label="AI captions" used=usage.ai_captions.used.max(0) as u64 limit=usage.ai_captions.limit />
                    {if limits.api_access {
                        view! { <UsageBar label="API keys" used=usage.api_keys.used.max(0) as u64 limit=UNLIMITED /> }.into_any()
                    } else {
                        view! {
                            <div class="flex items-baseline justify-between gap-2 text-sm" data-testid="usage">
                                <span class="font-medium text-zinc-700 dark:text-zinc-200">"API keys"</span>
                                <span class="text-zinc-600 dark:text-zinc-400">{format!("not included in {}", limits.name)}</span>
                            </div>
                        }.into_any()
                    }}
                </div>
            </Card>
        </div>
        <section aria-labelledby="plans-heading" class="mt-8">
            <h2 id="plans-heading" class="mb-4 font-heading text-xl font-semibold">"Plans"</h2>
            <ul class="grid gap-4 md:grid-cols-3" data-testid="plan-cards">
                {PlanTier::ALL.into_iter().map(|tier| view! { <PlanCard tier current=plan /> }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn PastDueBanner(
    portal_url: String,
    grace_until: Option<String>,
    plan_name: String,
) -> impl IntoView {
    let keeps = match grace_until {
        Some(day) => {
            format!("Your {plan_name} plan keeps working until {day} while the payment is retried.")
        }
        None => "Your account is on the Free plan until a payment succeeds.".to_string(),
    };
    view! {
        <div role="alert" data-testid="past-due" class="mb-4 rounded-xl border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-900 dark:bg-red-950 dark:text-red-100">
            <p class="font-semibold">"Your last payment did not go through."</p>
            <p class="mt-1">{keeps}" Update your payment method now: otherwise your account returns to the Free plan and its limits (your posts stay, but only one account stays connected)."</p>
            <a href=portal_url rel="external" class=format!("mt-3 inline-flex {}", button_class(Variant::Danger, Size::Small))>"Update payment method"</a>
        </div>
    }
}

#[component]
fn CurrentPlan(
    limits: PlanLimits,
    subscription: Option<SubscriptionState>,
    portal_url: String,
    payments_live: bool,
) -> impl IntoView {
    let price = price_label(limits.price_monthly_cents);
    let status = subscription.as_ref().map(status_line);
    let actions = subscription.as_ref().map(|s| {
        let cancellable = matches!(s.status, SubscriptionStatus::Active | SubscriptionStatus::Trialing)
            && !s.cancel_at_period_end
            && !s.ended;
        let resumable = s.cancel_at_period_end && !s.ended;
        let end = s.period_end.clone().unwrap_or_else(|| "the end of this period".into());
        view! {
            <div class="mt-5 flex flex-wrap items-center gap-2">
                {resumable.then(|| view! {
                    <form method="post" action=ResumeSubscription::PATH>
                        <button type="submit" class=button_class(Variant::Primary, Size::Small)>"Resume subscription"</button>
                    </form>
                })}
                {cancellable.then(|| view! {
                    <ConfirmForm
                        label="Cancel subscription"
                        name="Cancel subscription"
                        warning=format!("Cancel your {} plan? You keep it until {end}; after that your account returns to the Free plan and its limits. You can resume until then.", s.plan_name)
                        action=CancelSubscription::PATH
                        fields=vec![]
                        confirm="Cancel at period end"
                    />
                })}
                {payments_live.then(|| view! {
                    <a href=portal_url.clone() rel="external" class=button_class(Variant::Secondary, Size::Small)>"Manage payment details"</a>
                })}
            </div>
        }
    });
    view! {
        <Card>
            <div class="flex items-start justify-between gap-3">
                <div>
                    <h2 class="font-heading text-lg font-semibold">"Current plan"</h2>
                    <p class="mt-2 font-heading text-3xl font-bold" data-testid="current-plan">{limits.name}</p>
                    <p class="text-sm text-zinc-600 dark:text-zinc-400">{price}</p>
                </div>
                {status.as_ref().map(|(badge, class, _)| view! {
                    <span class=format!("shrink-0 rounded-full px-2.5 py-1 text-xs font-semibold {class}") data-testid="subscription-status">{*badge}</span>
                })}
            </div>
            {match status {
                Some((_, _, line)) => view! { <p class="mt-4 text-sm text-zinc-700 dark:text-zinc-300" data-testid="subscription-line">{line}</p> }.into_any(),
                None => view! { <p class="mt-4 text-sm text-zinc-700 dark:text-zinc-300">"You are on the free plan: no subscription, nothing to pay."</p> }.into_any(),
            }}
            {actions}
        </Card>
    }
}

/// The subscription's badge, its colours and the sentence under the plan.
fn status_line(s: &SubscriptionState) -> (&'static str, &'static str, String) {
    let end = s
        .period_end
        .clone()
        .unwrap_or_else(|| "the end of this period".into());
    const GREEN: &str = "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200";
    const AMBER: &str = "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200";
    const RED: &str = "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200";
    const GREY: &str = "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200";
    match s.status {
        _ if s.cancel_at_period_end && s.ended => {
            ("Ended", GREY, format!("Your subscription ended on {end}."))
        }
        _ if s.cancel_at_period_end => (
            "Cancelling",
            AMBER,
            format!(
                "Cancelled: you keep the {} plan until {end}, then move to Free.",
                s.plan_name
            ),
        ),
        SubscriptionStatus::Trialing => {
            let days = s.trial_days_left.unwrap_or(0);
            let left = match days {
                0 => "Your trial ends today".to_string(),
                1 => "1 day left in your trial".to_string(),
                n => format!("{n} days left in your trial"),
            };
            (
                "Trial",
                GREEN,
                format!("{left}; your first payment is on {end}."),
            )
        }
        SubscriptionStatus::Active => ("Active", GREEN, format!("Renews on {end}.")),
        SubscriptionStatus::PastDue => ("Past due", RED, "Payment failed: see above.".to_string()),
        SubscriptionStatus::Canceled => (
            "Cancelled",
            GREY,
            "Your subscription has ended.".to_string(),
        ),
        SubscriptionStatus::Unpaid => (
            "Unpaid",
            RED,
            "Payment is overdue: update your payment method.".to_string(),
        ),
        SubscriptionStatus::Incomplete => (
            "Incomplete",
            AMBER,
            "Checkout was not completed.".to_string(),
        ),
    }
}

fn price_label(cents: i64) -> String {
    if cents == 0 {
        "$0 per month".to_string()
    } else {
        format!("${} per month", cents / 100)
    }
}

#[component]
fn PlanCard(tier: PlanTier, current: PlanTier) -> impl IntoView {
    let limits = tier.limits();
    let is_current = tier == current;
    let featured = tier == PlanTier::Pro;
    let border = if is_current {
        "border-primary ring-2 ring-primary/30"
    } else {
        "border-zinc-200 dark:border-zinc-800"
    };
    let action = if is_current {
        view! { <p class="mt-5 rounded-lg bg-zinc-100 px-3 py-2 text-center text-sm font-semibold text-zinc-800 dark:bg-zinc-800 dark:text-zinc-100">"Your current plan"</p> }.into_any()
    } else if tier == PlanTier::Free {
        view! { <p class="mt-5 text-center text-sm text-zinc-600 dark:text-zinc-400">"Cancel your subscription to move to Free at the end of the period."</p> }.into_any()
    } else {
        let verb = if current == PlanTier::Free
            || (current == PlanTier::Pro && tier == PlanTier::Enterprise)
        {
            "Upgrade to"
        } else {
            "Switch to"
        };
        view! {
            <form method="post" action=StartCheckout::PATH class="mt-5">
                <input type="hidden" name="plan" value=tier.as_str() />
                <button type="submit" class=format!("w-full {}", button_class(if featured { Variant::Primary } else { Variant::Secondary }, Size::Medium))>
                    {format!("{verb} {}", limits.name)}
                </button>
            </form>
        }
        .into_any()
    };
    view! {
        <li class=format!("flex flex-col rounded-2xl border bg-white p-5 shadow-sm dark:bg-zinc-900 {border}") data-testid="plan-card" data-plan=tier.as_str()>
            <div class="flex items-center justify-between gap-2">
                <h3 class="font-heading text-lg font-semibold">{limits.name}</h3>
                {(featured && !is_current).then(|| view! { <span class="rounded-full bg-primary px-2 py-0.5 text-xs font-semibold text-white">"Most popular"</span> })}
            </div>
            <p class="mt-2"><span class="font-heading text-3xl font-bold">{format!("${}", limits.price_monthly_cents / 100)}</span><span class="text-sm text-zinc-600 dark:text-zinc-400">" / month"</span></p>
            {(limits.trial_days > 0).then(|| view! { <p class="text-sm text-zinc-600 dark:text-zinc-400">{format!("{}-day free trial with Stripe", limits.trial_days)}</p> })}
            <ul class="mt-4 flex-1 space-y-1.5 text-sm text-zinc-700 dark:text-zinc-300">
                {limits.features.iter().map(|feature| view! { <li class="flex gap-2"><span aria-hidden="true" class="text-primary">"✓"</span>{*feature}</li> }).collect_view()}
            </ul>
            {action}
        </li>
    }
}
