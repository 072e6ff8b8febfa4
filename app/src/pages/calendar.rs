//! The calendar (`/calendar`): a month or week of posts in the user's zone (or another one
//! chosen in the page), navigated through the URL. Chips are coloured by platform; dragging
//! one to another day or hour reschedules it, and "Move to…" does the same without dragging
//! (WCAG 2.5.7). The chip moves at once; if the server refuses, it goes back with the reason.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::components::button::{button_class, Size, Variant};
use crate::components::display::{
    platform_class, platform_initial, status_label, status_mark, PageHeader,
};
use crate::components::feedback::{ErrorPanel, Skeleton, Toasts};
use crate::components::forms::{navigate_on_submit, CONTROL_CLASS};
use crate::components::shell::DashboardShell;
use crate::components::url_state::{current_query, href_with, Tabs};
use crate::fns::calendar::{
    calendar_data, calendar_day, move_post, move_post_to, CalendarChip, CalendarDayLabel,
    CalendarPage as CalendarData, CalendarView, CHIPS_PER_DAY,
};

#[component]
pub fn CalendarPage() -> impl IntoView {
    view! {
        <Title text="Calendar · PostPilot" />
        <DashboardShell>
            <Calendar />
        </DashboardShell>
    }
}

#[component]
fn Calendar() -> impl IntoView {
    let query = use_query_map();
    let data = crate::fns::resource(
        move || {
            let q = query.read();
            (q.get("view"), q.get("date"), q.get("tz"))
        },
        |(view, date, tz)| calendar_data(view, date, tz),
    );
    view! {
        <PageHeader title="Calendar" subtitle="Drag a post to another day or hour to move it.">
            <a href="/compose" class=button_class(Variant::Primary, Size::Medium)>"New post"</a>
        </PageHeader>
        <Transition fallback=|| view! { <Skeleton class="h-[36rem] w-full" /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) => view! { <Board page /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error retry=Callback::new(move |_| data.refetch()) /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What a drop or a "Move to…" asks the server.
#[derive(Clone)]
// Drops only happen in the browser.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Move {
    ToDay { date: NaiveDate, hour: Option<u32> },
    ToTime(String),
}

#[component]
fn Board(page: CalendarData) -> impl IntoView {
    let toasts = Toasts::get();
    let query = current_query();
    let navigate = leptos_router::hooks::use_navigate();
    let chips = RwSignal::new(page.chips.clone());
    // Moves out of a "+N more" list change the counts.
    let hidden = RwSignal::new(page.hidden.clone());
    let zone = StoredValue::new(page.zone.clone());
    let board = NodeRef::<html::Div>::new();
    // The post a keyboard user moved: its chip is redrawn in its new place, and the focus,
    // which was on the chip (or in "Move to…"), follows it there instead of falling to the page.
    let focused_chip = StoredValue::new(None::<Uuid>);
    let keep_focus_on = move |id: Uuid| {
        if focused_chip.get_value() == Some(id) {
            delegated::refocus_chip_after_redraw(board, id);
        }
    };

    // The "+N more" dialog's list of a day (`day_open` while the dialog is open).
    let day_dialog = NodeRef::<html::Dialog>::new();
    let day_close = NodeRef::<html::Button>::new();
    let day_open = RwSignal::new(None::<NaiveDate>);
    let day_list =
        Action::new(move |date: &NaiveDate| calendar_day(date.to_string(), zone.get_value()));

    // Each move carries the chip as it was, so a refusal puts back that chip, whatever other
    // moves are under way.
    let mover = Action::new(move |(target, before): &(Move, CalendarChip)| {
        let (target, before, tz) = (target.clone(), before.clone(), zone.get_value());
        async move {
            let result = match target {
                Move::ToDay { date, hour } => {
                    move_post(before.id, date.to_string(), hour, tz).await
                }
                Move::ToTime(local) => move_post_to(before.id, local, tz).await,
            };
            (before, result)
        }
    });
    Effect::new(move |_| match mover.value().get() {
        Some((before, Ok(moved))) => {
            let mut on_board = false;
            chips.update(|all| {
                if let Some(chip) = all.iter_mut().find(|c| c.id == moved.id) {
                    *chip = moved.clone();
                    on_board = true;
                }
            });
            if !on_board {
                // It came from a day's "+N more" list: it joins the board on its new day,
                // and its old day hides one post fewer.
                hidden.update(|hidden| {
                    if let Some((_, n)) = hidden.iter_mut().find(|(d, _)| *d == before.date) {
                        *n = n.saturating_sub(1);
                    }
                });
                chips.update(|all| all.push(moved.clone()));
            }
            match day_open.get_untracked() {
                // Moved from the day's list, which is read again: the focus stays in the
                // dialog (the board is behind it), on its Close button.
                Some(date) => {
                    day_list.dispatch(date);
                    if focused_chip.get_value() == Some(moved.id) {
                        delegated::refocus_after_redraw(day_close);
                    }
                }
                None => keep_focus_on(moved.id),
            }
            toasts.success(format!("Moved to {} at {}.", moved.day, moved.time));
        }
        Some((before, Err(err))) => {
            chips.update(|all| {
                if let Some(chip) = all.iter_mut().find(|c| c.id == before.id) {
                    *chip = before.clone();
                }
            });
            keep_focus_on(before.id);
            toasts.error(err.to_string());
        }
        None => {}
    });

    // Moves the chip at once when it is on the board, then asks the server.
    let move_chip = Callback::new(move |(before, target): (CalendarChip, Move)| {
        #[cfg(feature = "hydrate")]
        let started = window().performance().map(|p| p.now());
        if !before.movable {
            toasts.error(format!(
                "A {} post cannot be moved.",
                status_label(before.status).to_ascii_lowercase()
            ));
            return;
        }
        let place = match &target {
            Move::ToDay { date, hour } => Some((*date, *hour)),
            Move::ToTime(local) => split_local(local),
        };
        focused_chip.set_value(delegated::page_has_focus().then_some(before.id));
        if let Some((date, hour)) = place {
            let mut on_board = false;
            chips.update(|all| {
                if let Some(chip) = all.iter_mut().find(|c| c.id == before.id) {
                    chip.date = date;
                    if let Some(hour) = hour {
                        chip.hour = hour;
                    }
                    on_board = true;
                }
            });
            if on_board {
                keep_focus_on(before.id);
            }
            // The browser suite reads how long the chip took to show in its new place.
            #[cfg(feature = "hydrate")]
            if let (Some(started), Some(board)) = (started, board.get_untracked()) {
                request_animation_frame(move || {
                    if let Some(now) = window().performance().map(|p| p.now()) {
                        // Tenths of a millisecond in integers: formatting a float would
                        // ship core's float printer to the browser for this alone.
                        let tenths = ((now - started) * 10.0).round() as u64;
                        let _ = board.set_attribute(
                            "data-last-move-ms",
                            &format!("{}.{}", tenths / 10, tenths % 10),
                        );
                    }
                });
            }
        }
        mover.dispatch((target, before));
    });

    // "Move to…" and "+N more" dialogs.
    let move_dialog = NodeRef::<html::Dialog>::new();
    let move_target = RwSignal::new(None::<CalendarChip>);
    let move_value = RwSignal::new(String::new());
    let open_move = Callback::new(move |chip: CalendarChip| {
        move_value.set(format!("{}T{:02}:00", chip.date, chip.hour));
        move_target.set(Some(chip));
        if let Some(d) = move_dialog.get() {
            let _ = d.show_modal();
        }
    });
    let open_day = Callback::new(move |date: NaiveDate| {
        day_open.set(Some(date));
        day_list.dispatch(date);
        if let Some(d) = day_dialog.get() {
            let _ = d.show_modal();
        }
    });

    // The chip a "Move to…" button belongs to: on the board, or in the day's list.
    let chip_by_id = move |id: Uuid| {
        chips
            .with_untracked(|all| all.iter().find(|c| c.id == id).cloned())
            .or_else(|| {
                day_list.value().with_untracked(|list| match list {
                    Some(Ok(of_day)) => of_day.iter().find(|c| c.id == id).cloned(),
                    _ => None,
                })
            })
    };
    let click_move = move |ev: leptos::ev::MouseEvent| {
        if let Some(id) = delegated::move_button_chip(&ev) {
            if let Some(chip) = chip_by_id(id) {
                open_move.run(chip);
            }
        }
    };
    let start_drag = move |ev: leptos::ev::DragEvent| delegated::start_drag(&ev);
    let drag_over = move |ev: leptos::ev::DragEvent| delegated::drag_over(&ev);
    let drag_leave = move |ev: leptos::ev::DragEvent| delegated::drag_leave(&ev);
    let drop_chip = move |ev: leptos::ev::DragEvent| {
        if let Some((id, date, hour)) = delegated::drop_target(&ev) {
            if let Some(chip) = chips.with_untracked(|all| all.iter().find(|c| c.id == id).cloned())
            {
                move_chip.run((chip, Move::ToDay { date, hour }));
            }
        }
    };

    let CalendarData {
        zone: zone_name,
        user_zone,
        zones,
        view,
        title,
        today,
        month,
        prev,
        next,
        days,
        ..
    } = page;
    let nav_href = move |date: NaiveDate| {
        let path = "/calendar";
        href_with(path, &query.get(), "date", &date.to_string())
    };
    let today_href = move || href_with("/calendar", &query.get(), "date", "");
    let labels = StoredValue::new(days.clone());
    let other_zone = (zone_name != user_zone).then(|| (zone_name.clone(), user_zone.clone()));
    // Slots name wall-clock times of the zone shown: the composer converts them to the user's.
    let compose_tz = if zone_name == user_zone {
        String::new()
    } else {
        format!("&tz={}", crate::components::url_state::encode(&zone_name))
    };
    let zone_attr = zone_name.clone();
    view! {
        <div class="mb-4 flex flex-col gap-3 lg:flex-row lg:items-center lg:justify-between">
            <div class="flex flex-wrap items-center gap-2">
                <a href=move || nav_href(prev) class=button_class(Variant::Secondary, Size::Small) aria-label=if view == CalendarView::Month { "Previous month" } else { "Previous week" }>"‹"</a>
                <a href=today_href class=button_class(Variant::Secondary, Size::Small)>"Today"</a>
                <a href=move || nav_href(next) class=button_class(Variant::Secondary, Size::Small) aria-label=if view == CalendarView::Month { "Next month" } else { "Next week" }>"›"</a>
                <h2 class="ml-2 font-heading text-xl font-bold" data-testid="calendar-title">{title}</h2>
            </div>
            <div class="flex flex-wrap items-center gap-3">
                <Tabs param="view" options=vec![("month", "Month"), ("week", "Week")] label="Calendar view" />
                <form method="get" action="/calendar" on:submit=navigate_on_submit(leptos_router::hooks::use_navigate()) class="flex w-full flex-wrap items-center gap-2 sm:w-auto sm:flex-nowrap" data-testid="zone-form">
                    {move || query.get().into_iter().filter(|(k, _)| k != "tz").map(|(k, v)| view! { <input type="hidden" name=k value=v /> }).collect_view()}
                    <label for="calendar-zone" class="w-full text-sm font-medium whitespace-nowrap sm:w-auto">"Time zone"</label>
                    // On phones the label has a line of its own and the select the rest of the next, so
                    // "(yours)" stays readable.
                    <select id="calendar-zone" name="tz" class=format!("{CONTROL_CLASS} min-w-0 flex-1 sm:w-auto sm:flex-none") on:change=move |ev| {
                        navigate(&href_with("/calendar", &query.get_untracked(), "tz", &event_target_value(&ev)), Default::default());
                    }>
                        {zones.into_iter().map(|z| {
                            let selected = z == zone_name;
                            let label = if z == user_zone { format!("{z} (yours)") } else { z.clone() };
                            view! { <option value=z selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                    <button type="submit" class=button_class(Variant::Secondary, Size::Small)>"Show"</button>
                </form>
            </div>
        </div>
        {other_zone.map(|(shown, own)| view! {
            <p role="status" class="mb-3 rounded-lg border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-100">
                {format!("Showing times in {shown}. Your own zone is {own}.")}
            </p>
        })}
        // Chips and cells carry no handlers of their own: the board listens for all of them
        // (see `chips_html`).
        <div
            node_ref=board
            data-testid="calendar"
            data-view=if view == CalendarView::Month { "month" } else { "week" }
            data-zone=zone_attr
            on:dragstart=start_drag
            on:dragover=drag_over
            on:dragleave=drag_leave
            on:drop=drop_chip
            on:click=click_move
        >
            {match view {
                CalendarView::Month => view! { <MonthGrid days month today chips hidden open_day compose_tz=compose_tz.clone() /> }.into_any(),
                CalendarView::Week => view! { <WeekGrid days today chips compose_tz=compose_tz.clone() /> }.into_any(),
            }}
        </div>

        <dialog node_ref=move_dialog aria-labelledby="move-title" class="m-auto w-[min(26rem,calc(100vw-2rem))] rounded-2xl border border-zinc-200 bg-white p-6 text-zinc-900 shadow-2xl backdrop:bg-black/50 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100">
            <h2 id="move-title" class="font-heading text-lg font-bold">"Move to…"</h2>
            <p class="mt-1 text-sm text-zinc-700 dark:text-zinc-300">{move || move_target.get().map(|c| c.excerpt).unwrap_or_default()}</p>
            <form method="dialog" class="mt-4 space-y-4" on:submit=move |ev| {
                ev.prevent_default();
                if let Some(chip) = move_target.get_untracked() {
                    move_chip.run((chip, Move::ToTime(move_value.get_untracked())));
                }
                if let Some(d) = move_dialog.get() { d.close(); }
            }>
                <label for="move-to" class="block text-sm font-medium">{move || format!("New date and time ({})", zone.get_value())}</label>
                <input id="move-to" type="datetime-local" class=CONTROL_CLASS prop:value=move || move_value.get() on:input=move |ev| move_value.set(event_target_value(&ev)) />
                <div class="flex justify-end gap-2">
                    <button type="button" class=button_class(Variant::Secondary, Size::Medium) on:click=move |_| { if let Some(d) = move_dialog.get() { d.close(); } }>"Cancel"</button>
                    <button type="submit" class=button_class(Variant::Primary, Size::Medium)>"Move"</button>
                </div>
            </form>
        </dialog>

        <dialog node_ref=day_dialog on:close=move |_| day_open.set(None) aria-labelledby="day-title" class="m-auto w-[min(30rem,calc(100vw-2rem))] rounded-2xl border border-zinc-200 bg-white p-6 text-zinc-900 shadow-2xl backdrop:bg-black/50 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-100">
            <h2 id="day-title" class="font-heading text-lg font-bold">{move || day_open.get().and_then(|d| labels.with_value(|all| all.iter().find(|l| l.date == d).map(|l| l.long.clone()))).unwrap_or_default()}</h2>
            <ul
                class="mt-4 max-h-[60vh] space-y-2 overflow-y-auto"
                data-testid="day-list"
                on:click=click_move
                inner_html=move || {
                    if day_list.pending().get() {
                        return r#"<li class="text-sm text-zinc-600 dark:text-zinc-400">Loading…</li>"#.to_string();
                    }
                    match day_list.value().get() {
                        Some(Ok(of_day)) => chips_html(ChipPlace::DayList, &of_day),
                        Some(Err(err)) => format!(
                            r#"<li role="alert" class="text-sm text-red-700 dark:text-red-300">{}</li>"#,
                            html_escape::encode_text(&err.to_string())
                        ),
                        None => String::new(),
                    }
                }
            ></ul>
            <div class="mt-4 flex justify-end">
                <button node_ref=day_close type="button" class=button_class(Variant::Secondary, Size::Medium) on:click=move |_| { if let Some(d) = day_dialog.get() { d.close(); } }>"Close"</button>
            </div>
        </dialog>
    }
}

/// The day and hour of a `datetime-local` value ("2026-11-24T15:30").
fn split_local(local: &str) -> Option<(NaiveDate, Option<u32>)> {
    let (date, time) = local.split_once('T')?;
    let hour = time
        .split(':')
        .next()?
        .parse::<u32>()
        .ok()
        .filter(|h| *h < 24)?;
    Some((parse_date(date)?, Some(hour)))
}

/// "2026-11-24", read without chrono's parser (which would otherwise be shipped to the browser
/// for this alone).
fn parse_date(date: &str) -> Option<NaiveDate> {
    let mut parts = date.splitn(3, '-').map(str::parse::<u32>);
    let (year, month, day) = (
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    );
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[component]
fn MonthGrid(
    days: Vec<CalendarDayLabel>,
    month: u32,
    today: NaiveDate,
    chips: RwSignal<Vec<CalendarChip>>,
    hidden: RwSignal<Vec<(NaiveDate, u32)>>,
    open_day: Callback<NaiveDate>,
    compose_tz: String,
) -> impl IntoView {
    view! {
        <div class="overflow-x-auto rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <div class="cal-month grid grid-cols-1 lg:grid-cols-7" role="table" aria-label="Month">
                <div role="row" class="contents">
                    {WEEKDAYS.iter().map(|d| view! {
                        // A list of days below lg names each day in its cell instead.
                        <div role="columnheader" class="border-b border-zinc-200 px-2 py-2 text-center text-xs font-semibold uppercase tracking-wide text-zinc-600 max-lg:sr-only dark:border-zinc-800 dark:text-zinc-400">{*d}</div>
                    }).collect_view()}
                </div>
                {days.chunks(7).map(|week| view! {
                    <div role="row" class="contents">
                        {week.iter().map(|day| {
                            let in_month = day.date.month() == month;
                            view! { <DayCell day=day.clone() in_month today chips hidden open_day compose_tz=compose_tz.clone() /> }
                        }).collect_view()}
                    </div>
                }).collect_view()}
            </div>
        </div>
    }
}

#[component]
fn DayCell(
    day: CalendarDayLabel,
    in_month: bool,
    today: NaiveDate,
    chips: RwSignal<Vec<CalendarChip>>,
    hidden: RwSignal<Vec<(NaiveDate, u32)>>,
    open_day: Callback<NaiveDate>,
    compose_tz: String,
) -> impl IntoView {
    let date = day.date;
    let of_day = Memo::new(move |_| {
        chips.with(|all| {
            let mut of_day: Vec<CalendarChip> =
                all.iter().filter(|c| c.date == date).cloned().collect();
            of_day.sort_by_key(|c| (c.hour, c.time.clone(), c.id));
            of_day
        })
    });
    let is_today = date == today;
    let label = day.long.clone();
    // "Tue" of "Tue 24": the list of days on phones names the weekday beside the number.
    let weekday = day.short.split(' ').next().unwrap_or_default().to_string();
    view! {
        <div
            role="cell"
            data-date=date.to_string()
            data-testid="day"
            class=if in_month { "group cal-day" } else { "group cal-day cal-day-out" }
        >
            // A click on the day's empty space composes for that day (the "+" is the
            // keyboard's way to the same place).
            <a href=format!("/compose?date={date}{compose_tz}") class="absolute inset-0" tabindex="-1" aria-hidden="true"></a>
            <div class="relative flex items-center justify-between gap-1 lg:mb-1">
                <span aria-hidden="true" class="text-xs font-semibold text-zinc-700 lg:hidden dark:text-zinc-300">{weekday}</span>
                <span
                    aria-current=is_today.then_some("date")
                    class=if is_today {
                        "grid h-7 w-7 place-items-center rounded-full bg-primary text-xs font-bold text-white"
                    } else if in_month {
                        "px-1 text-xs font-semibold text-zinc-800 dark:text-zinc-200"
                    } else {
                        "px-1 text-xs text-zinc-600 dark:text-zinc-400"
                    }
                >
                    {day.number}
                </span>
                <a
                    href=format!("/compose?date={date}{compose_tz}")
                    class="cal-add"
                    aria-label=format!("New post on {label}")
                >"+"</a>
            </div>
            <ul class="relative space-y-1" inner_html=move || of_day.with(|of_day| chips_html(ChipPlace::Board, of_day.iter().take(CHIPS_PER_DAY)))></ul>
            {move || {
                let not_sent = hidden.with(|h| h.iter().find(|(d, _)| *d == date).map_or(0, |(_, n)| *n as usize));
                let extra = not_sent + of_day.with(Vec::len).saturating_sub(CHIPS_PER_DAY);
                (extra > 0).then(|| view! {
                    <button type="button" data-testid="more" class="cal-day-more" on:click=move |_| open_day.run(date)>
                        {format!("+{extra} more")}
                    </button>
                })
            }}
        </div>
    }
}

#[component]
fn WeekGrid(
    days: Vec<CalendarDayLabel>,
    today: NaiveDate,
    chips: RwSignal<Vec<CalendarChip>>,
    compose_tz: String,
) -> impl IntoView {
    let days = StoredValue::new(days);
    let dates: Vec<NaiveDate> = days.with_value(|days| days.iter().map(|day| day.date).collect());
    let compose_attr = html_escape::encode_double_quoted_attribute(&compose_tz).into_owned();
    let hours = move || chips.with(|chips| week_hours_html(&dates, chips, &compose_attr));
    view! {
        <div class="overflow-x-auto rounded-2xl border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <div class="cal-week grid min-w-[52rem] grid-cols-[4rem_repeat(7,minmax(0,1fr))]" role="table" aria-label="Week">
                <div role="row" class="contents">
                    <div role="columnheader" class="border-b border-zinc-200 dark:border-zinc-800"><span class="sr-only">"Hour"</span></div>
                    {days.get_value().into_iter().map(|day| {
                        let is_today = day.date == today;
                        view! {
                            // Named by the day alone: the "+" beside it is not part of the
                            // name screen readers repeat on every cell of the column.
                            <div role="columnheader" aria-labelledby=format!("week-day-{}", day.date) aria-current=is_today.then_some("date") class=format!("flex items-center justify-center gap-1 border-b border-zinc-200 px-2 py-2 text-xs font-semibold dark:border-zinc-800 {}", if is_today { "text-brand" } else { "text-zinc-700 dark:text-zinc-300" })>
                                <span id=format!("week-day-{}", day.date)>{day.short}</span>
                                <a href=format!("/compose?date={}{compose_tz}", day.date) class="rounded px-1 text-sm text-brand" aria-label=format!("New post on {}", day.long)>"+"</a>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <div role="rowgroup" class="contents" inner_html=hours></div>
            </div>
        </div>
    }
}

fn hour_label(hour: u32) -> String {
    match hour {
        0 => "12 AM".into(),
        12 => "12 PM".into(),
        h if h < 12 => format!("{h} AM"),
        h => format!("{} PM", h - 12),
    }
}

/// The week's 24 rows of hours, as markup: each hour of each day is a drop target, and a click
/// on its empty space composes for that hour (the day's "+" is the keyboard's way to compose;
/// 168 tab stops would bury the chips). One string for the whole grid, redrawn when a chip
/// moves: as views, its 168 cells and their chips were most of the week's render time.
fn week_hours_html(dates: &[NaiveDate], chips: &[CalendarChip], compose_tz: &str) -> String {
    use std::fmt::Write;
    let mut slots: HashMap<(NaiveDate, u32), Vec<&CalendarChip>> = HashMap::new();
    for chip in chips {
        slots.entry((chip.date, chip.hour)).or_default().push(chip);
    }
    let mut html = String::with_capacity(24 * 7 * 200 + chips.len() * 480);
    for hour in 0..24u32 {
        let _ = write!(
            html,
            r#"<div role="row" class="contents"><div role="rowheader" class="border-b border-r border-zinc-200 px-2 py-1 text-right text-xs text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">{}</div>"#,
            hour_label(hour)
        );
        for date in dates {
            let _ = write!(
                html,
                r#"<div role="cell" data-date="{date}" data-hour="{hour}" class="cal-slot"><a href="/compose?at={date}T{hour:02}:00{compose_tz}" tabindex="-1" aria-hidden="true"></a><ul>"#
            );
            if let Some(in_slot) = slots.get(&(*date, hour)) {
                write_chips(&mut html, ChipPlace::Board, in_slot.iter().copied());
            }
            html.push_str("</ul></div>");
        }
        html.push_str("</div>");
    }
    html
}

/// A list of posts on the calendar, as markup. Each chip links to its post, is draggable while
/// it can move, and has a "Move to…" button (`data-move`).
///
/// Chips are written as one string rather than as views: a week with a thousand posts in its
/// month draws about 230 of them, and as views (ten nodes, a drag handler and a click handler
/// each) they were most of the page's render time on the server, and of its hydration in the
/// browser. The board listens for their drags and clicks instead (`delegated`). Every text
/// from the user (account name, caption) is escaped here.
fn chips_html<'a>(place: ChipPlace, chips: impl IntoIterator<Item = &'a CalendarChip>) -> String {
    let mut html = String::new();
    write_chips(&mut html, place, chips);
    html
}

/// Where a list of chips is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChipPlace {
    Board,
    /// The "+N more" dialog: its chips move through "Move to…" only (the dialog is modal, so
    /// there is no board to drop them on).
    DayList,
}

fn write_chips<'a>(
    html: &mut String,
    place: ChipPlace,
    chips: impl IntoIterator<Item = &'a CalendarChip>,
) {
    use std::fmt::Write;
    for chip in chips {
        let id = chip.id;
        let _ = write!(
            html,
            r#"<li class="cal-chip {class}" data-post-id="{id}" data-status="{status}" draggable="{movable}"><a href="/posts/{id}/edit"><span class="sr-only">{platform}, {status_word}, {account}: </span><b aria-hidden="true">{initial} {mark}</b><span>{time}</span><span>{excerpt}</span></a>"#,
            class = platform_class(chip.platform),
            status = chip.status.as_str(),
            movable = chip.movable && place == ChipPlace::Board,
            // Read before the visible time and caption: "Instagram, scheduled, Mug Shop:".
            platform = chip.platform.label(),
            status_word = status_label(chip.status).to_ascii_lowercase(),
            account = html_escape::encode_text(&chip.account_name),
            initial = platform_initial(chip.platform),
            mark = status_mark(chip.status),
            time = html_escape::encode_text(&chip.time),
            excerpt = html_escape::encode_text(&chip.excerpt),
        );
        if chip.movable {
            html.push_str(r#"<button type="button" data-move aria-label="Move to…" title="Move to…">⋯</button>"#);
        }
        html.push_str("</li>");
    }
}

/// The board's handlers for what happens on its chips and cells: one listener each for the
/// whole board instead of one per chip and cell. A cell is the nearest element with a
/// `data-date` (and, in the week, a `data-hour`); a chip, the nearest `li[data-post-id]`.
mod delegated {
    use chrono::NaiveDate;
    use leptos::ev::{DragEvent, MouseEvent};
    use leptos::prelude::NodeRef;
    use uuid::Uuid;

    /// Marks the cell a chip is dragged over.
    const OVER: &str = "cal-over";

    #[cfg(feature = "hydrate")]
    fn closest(ev: &web_sys::Event, selector: &str) -> Option<web_sys::Element> {
        use wasm_bindgen::JsCast;
        ev.target()?
            .dyn_into::<web_sys::Element>()
            .ok()?
            .closest(selector)
            .ok()
            .flatten()
    }

    #[cfg(feature = "hydrate")]
    fn post_id(el: &web_sys::Element) -> Option<Uuid> {
        Uuid::parse_str(&el.get_attribute("data-post-id")?).ok()
    }

    /// Whether an element of the page has the focus (after a drop with the mouse, none has).
    pub fn page_has_focus() -> bool {
        #[cfg(feature = "hydrate")]
        {
            leptos::prelude::document()
                .active_element()
                .is_some_and(|el| el.tag_name() != "BODY")
        }
        #[cfg(not(feature = "hydrate"))]
        false
    }

    /// Once the chip of post `id` is redrawn, gives it the focus back if the redraw took it
    /// (the focused button was replaced): its "Move to…" button, else its link.
    pub fn refocus_chip_after_redraw(board: NodeRef<leptos::html::Div>, id: Uuid) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::prelude::GetUntracked;
            let Some(board) = board.get_untracked() else {
                return;
            };
            when_focus_lost(move || {
                let chip = format!(r#"li[data-post-id="{id}"]"#);
                [format!("{chip} button[data-move]"), format!("{chip} a")]
                    .iter()
                    .find_map(|selector| board.query_selector(selector).ok().flatten())
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (board, id);
    }

    /// Once the page is redrawn, gives `button` the focus if the redraw took it.
    pub fn refocus_after_redraw(button: NodeRef<leptos::html::Button>) {
        #[cfg(feature = "hydrate")]
        when_focus_lost(move || {
            use leptos::prelude::GetUntracked;
            button.get_untracked().map(Into::into)
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = button;
    }

    /// After the next frame (signal changes are drawn before it), focuses what `target` finds
    /// when nothing has the focus any more.
    #[cfg(feature = "hydrate")]
    fn when_focus_lost(target: impl FnOnce() -> Option<web_sys::Element> + 'static) {
        use leptos::prelude::request_animation_frame;
        use wasm_bindgen::JsCast;
        request_animation_frame(move || {
            if page_has_focus() {
                return;
            }
            if let Some(el) = target().and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = el.focus();
            }
        });
    }

    /// The post whose "Move to…" button was clicked.
    pub fn move_button_chip(ev: &MouseEvent) -> Option<Uuid> {
        #[cfg(feature = "hydrate")]
        {
            closest(ev, "button[data-move]")?;
            post_id(&closest(ev, "li[data-post-id]")?)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = ev;
            None
        }
    }

    /// Carries the dragged chip's post id (a chip that cannot move is not draggable, but its
    /// link still is, as every link: dragging that carries no post).
    pub fn start_drag(ev: &DragEvent) {
        #[cfg(feature = "hydrate")]
        if let (Some(chip), Some(dt)) = (
            closest(ev, r#"li[data-post-id][draggable="true"]"#),
            ev.data_transfer(),
        ) {
            if let Some(id) = chip.get_attribute("data-post-id") {
                let _ = dt.set_data("text/plain", &id);
                dt.set_effect_allowed("move");
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    }

    /// Lets the cell under the pointer accept the drop, and marks it.
    pub fn drag_over(ev: &DragEvent) {
        #[cfg(feature = "hydrate")]
        if let Some(cell) = closest(ev, "[data-date]") {
            ev.prevent_default();
            let _ = cell.class_list().add_1(OVER);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    }

    pub fn drag_leave(ev: &DragEvent) {
        #[cfg(feature = "hydrate")]
        if let Some(cell) = closest(ev, "[data-date]") {
            let _ = cell.class_list().remove_1(OVER);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    }

    /// The dropped post and the day (and, in the week, the hour) of the cell it fell on.
    pub fn drop_target(ev: &DragEvent) -> Option<(Uuid, NaiveDate, Option<u32>)> {
        #[cfg(feature = "hydrate")]
        {
            let cell = closest(ev, "[data-date]")?;
            ev.prevent_default();
            let _ = cell.class_list().remove_1(OVER);
            let id = Uuid::parse_str(&ev.data_transfer()?.get_data("text/plain").ok()?).ok()?;
            let date = super::parse_date(&cell.get_attribute("data-date")?)?;
            let hour = cell
                .get_attribute("data-hour")
                .and_then(|h| h.parse::<u32>().ok());
            Some((id, date, hour))
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (ev, OVER);
            None::<(Uuid, NaiveDate, Option<u32>)>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Platform, PostStatus};

    fn chip(status: PostStatus, movable: bool) -> CalendarChip {
        CalendarChip {
            id: Uuid::nil(),
            platform: Platform::Instagram,
            status,
            account_name: "Mug & <Co>".into(),
            excerpt: r#"<script>alert("x")</script> 50% off"#.into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            day: "Tue, Nov 24".into(),
            hour: 15,
            time: "3:30 PM".into(),
            movable,
        }
    }

    #[test]
    fn chips_escape_what_users_wrote() {
        let html = chips_html(ChipPlace::Board, &[chip(PostStatus::Scheduled, true)]);
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<Co>"), "{html}");
        assert!(html.contains("Mug &amp; &lt;Co&gt;"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(\"x\")&lt;/script&gt; 50% off"),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<span class="sr-only">Instagram, scheduled, Mug &amp; &lt;Co&gt;: </span>"#
            ),
            "{html}"
        );
    }

    #[test]
    fn only_movable_chips_drag_and_offer_a_move() {
        let movable = chips_html(ChipPlace::Board, &[chip(PostStatus::Scheduled, true)]);
        assert!(movable.contains(r#"draggable="true""#));
        assert!(movable.contains(r#"<button type="button" data-move aria-label="Move to…""#));
        let posted = chips_html(ChipPlace::Board, &[chip(PostStatus::Posted, false)]);
        assert!(posted.contains(r#"draggable="false""#));
        assert!(posted.contains(r#"data-status="posted""#));
        assert!(!posted.contains("data-move"));
        assert_eq!(chips_html(ChipPlace::Board, &[]), "");
        // In the day's list a chip moves through its button only.
        let listed = chips_html(ChipPlace::DayList, &[chip(PostStatus::Scheduled, true)]);
        assert!(listed.contains(r#"draggable="false""#));
        assert!(listed.contains("data-move"));
        assert_eq!(
            chips_html(
                ChipPlace::Board,
                &[
                    chip(PostStatus::Scheduled, true),
                    chip(PostStatus::Draft, true)
                ]
            )
            .matches("<li ")
            .count(),
            2
        );
    }

    #[test]
    fn the_week_has_a_cell_per_hour_and_day_with_its_chips() {
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let dates: Vec<NaiveDate> = (0..7).map(|d| monday + chrono::Days::new(d)).collect();
        let mut late = chip(PostStatus::Scheduled, true);
        late.id = Uuid::from_u128(7);
        late.hour = 23;
        let chips = vec![chip(PostStatus::Scheduled, true), late];
        let html = week_hours_html(&dates, &chips, "&amp;tz=Asia%2FTokyo");
        assert_eq!(html.matches(r#"role="row""#).count(), 24);
        assert_eq!(html.matches(r#"role="cell""#).count(), 168);
        assert_eq!(html.matches("<li ").count(), 2);
        let slot = |hour: u32, id: Uuid| {
            format!(
                r#"<div role="cell" data-date="2026-11-24" data-hour="{hour}" class="cal-slot"><a href="/compose?at=2026-11-24T{hour:02}:00&amp;tz=Asia%2FTokyo" tabindex="-1" aria-hidden="true"></a><ul><li class="cal-chip bg-instagram text-white" data-post-id="{id}""#
            )
        };
        assert!(html.contains(&slot(15, Uuid::nil())), "{html}");
        assert!(html.contains(&slot(23, Uuid::from_u128(7))), "{html}");
        assert!(html.contains(">12 AM</div>") && html.contains(">11 PM</div>"));
    }

    #[test]
    fn dates_and_times_are_read_without_chrono() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(parse_date("2026-11-24"), Some(day));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("soon"), None);
        assert_eq!(split_local("2026-11-24T15:30"), Some((day, Some(15))));
        assert_eq!(split_local("2026-11-24T24:00"), None);
        assert_eq!(split_local("2026-11-24"), None);
    }
}
