//! State that lives in the URL: tabs and pagination are links that change one query
//! parameter and keep the others, so they work before hydration, can be shared and the back
//! button undoes them.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The current path with `key` set to `value` (or removed when `value` is empty); every other
/// query parameter is kept. Setting anything but the page sends the list back to page 1.
pub fn href_with(path: &str, query: &[(String, String)], key: &str, value: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| k != key && !(key != "page" && k == "page"))
        .cloned()
        .collect();
    if !value.is_empty() {
        pairs.push((key.to_string(), value.to_string()));
    }
    if pairs.is_empty() {
        return path.to_string();
    }
    let query = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{path}?{query}")
}

/// Percent-encodes a query component.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The current query as ordered pairs.
pub fn current_query() -> Memo<Vec<(String, String)>> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .read()
            .clone()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    })
}

/// Links that set `param` to one of `options` (`(value, label)`); the first is the default.
#[component]
pub fn Tabs(
    #[prop(into)] param: String,
    options: Vec<(&'static str, &'static str)>,
    #[prop(into)] label: String,
) -> impl IntoView {
    let location = use_location();
    let query = current_query();
    let default = options.first().map(|(v, _)| *v).unwrap_or_default();
    view! {
        <nav aria-label=label class="inline-flex rounded-lg border border-zinc-300 bg-white p-0.5 dark:border-zinc-700 dark:bg-zinc-900">
            {options
                .into_iter()
                .map(|(value, text)| {
                    let param = param.clone();
                    let param2 = param.clone();
                    let active = Memo::new(move |_| {
                        let q = query.get();
                        let current = q.iter().find(|(k, _)| *k == param2).map(|(_, v)| v.clone());
                        current.as_deref().unwrap_or(default) == value
                    });
                    let href = move || {
                        href_with(&location.pathname.get(), &query.get(), &param, if value == default { "" } else { value })
                    };
                    view! {
                        <a
                            href=href
                            aria-current=move || active.get().then_some("page")
                            class=move || if active.get() {
                                "rounded-md bg-primary px-3 py-1.5 text-sm font-semibold text-white"
                            } else {
                                "rounded-md px-3 py-1.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 dark:text-zinc-200 dark:hover:bg-zinc-800"
                            }
                        >
                            {text}
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

/// "Page 2 of 7" with previous and next links (the `page` query parameter).
#[component]
pub fn Pagination(page: u64, per_page: u64, total: u64) -> impl IntoView {
    let location = use_location();
    let query = current_query();
    let pages = total.div_ceil(per_page.max(1)).max(1);
    let link = move |target: u64| {
        href_with(
            &location.pathname.get_untracked(),
            &query.get_untracked(),
            "page",
            &if target <= 1 {
                String::new()
            } else {
                target.to_string()
            },
        )
    };
    let class = "rounded-lg border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";
    view! {
        <nav aria-label="Pagination" class="mt-4 flex items-center justify-between gap-2 text-sm">
            <p class="text-zinc-600 dark:text-zinc-400">{format!("Page {page} of {pages} · {total} in all")}</p>
            <div class="flex gap-2">
                {(page > 1).then(|| view! { <a class=class href=link(page - 1) rel="prev">"Previous"</a> })}
                {(page < pages).then(|| view! { <a class=class href=link(page + 1) rel="next">"Next"</a> })}
            </div>
        </nav>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn changing_a_filter_keeps_the_others_and_resets_the_page() {
        let query = q(&[("status", "failed"), ("page", "3")]);
        assert_eq!(
            href_with("/posts", &query, "platform", "instagram"),
            "/posts?status=failed&platform=instagram"
        );
        assert_eq!(
            href_with("/posts", &query, "page", "4"),
            "/posts?status=failed&page=4"
        );
        assert_eq!(href_with("/posts", &query, "status", ""), "/posts");
        assert_eq!(href_with("/posts", &[], "q", "a&b c"), "/posts?q=a%26b%20c");
    }
}
