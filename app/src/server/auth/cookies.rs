//! The browser session's cookies: the same access and refresh tokens as the API, HttpOnly,
//! SameSite=Lax, Secure outside plain-http development.

use chrono::Duration;
use http::header::COOKIE;
use http::HeaderMap;

pub const ACCESS_COOKIE: &str = "pp_access";
pub const REFRESH_COOKIE: &str = "pp_refresh";

pub fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        max_age.num_seconds().max(0),
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(name: &str, secure: bool) -> String {
    set_cookie(name, "", Duration::zero(), secure)
}

/// A cookie only the pages under `path` receive, never sent by another site's request: it
/// carries a secret from a form's answer to the one page render that shows it.
pub fn set_flash_cookie(name: &str, value: &str, path: &str, secure: bool) -> String {
    format!(
        "{name}={value}; Path={path}; Max-Age={FLASH_SECONDS}; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_flash_cookie(name: &str, path: &str, secure: bool) -> String {
    format!(
        "{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Why a platform's sign-in did not connect, from the sign-in's callback to the accounts
/// page's next render: text this server wrote, for this browser only.
const OAUTH_ERROR_COOKIE: &str = "pp_oauth_error";
const OAUTH_ERROR_PATH: &str = "/accounts";
/// A platform's reason can be long; the page shows this much of it.
const OAUTH_ERROR_MAX_CHARS: usize = 400;

/// The cookie that carries `reason` to the accounts page. SameSite=Lax, unlike the other
/// flash cookies: it must survive a redirect chain begun on another site (the platform's
/// sign-in page sends the browser to our callback, which sends it on), where a Strict cookie
/// would be withheld. Hex-encoded: cookie values cannot hold every character a reason may.
pub fn set_oauth_error_cookie(reason: &str, secure: bool) -> String {
    let reason: String = reason.chars().take(OAUTH_ERROR_MAX_CHARS).collect();
    format!(
        "{OAUTH_ERROR_COOKIE}={}; Path={OAUTH_ERROR_PATH}; Max-Age={FLASH_SECONDS}; HttpOnly; \
         SameSite=Lax{}",
        hex::encode(reason.as_bytes()),
        if secure { "; Secure" } else { "" }
    )
}

/// The reason the request's cookie carries, with the header that clears it (it is shown once).
pub fn take_oauth_error(headers: &HeaderMap, secure: bool) -> Option<(String, String)> {
    let value = read_cookie(headers, OAUTH_ERROR_COOKIE)?;
    let clear = clear_flash_cookie(OAUTH_ERROR_COOKIE, OAUTH_ERROR_PATH, secure);
    let reason = String::from_utf8(hex::decode(value).ok()?).ok()?;
    Some((reason.chars().take(OAUTH_ERROR_MAX_CHARS).collect(), clear))
}

/// Long enough for the redirect after a form, short enough that a forgotten one expires.
const FLASH_SECONDS: i64 = 120;

/// The value of cookie `name` in the request, if present and non-empty.
pub fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_lax_and_secure_when_asked() {
        let c = set_cookie(ACCESS_COOKIE, "abc", Duration::minutes(15), true);
        assert_eq!(
            c,
            "pp_access=abc; Path=/; Max-Age=900; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(!set_cookie(ACCESS_COOKIE, "abc", Duration::minutes(1), false).contains("Secure"));
        assert!(clear_cookie(REFRESH_COOKIE, false).contains("Max-Age=0"));
    }

    #[test]
    fn reads_one_cookie_among_many() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            "theme=dark; pp_access=tok.en.x; pp_refresh="
                .parse()
                .unwrap(),
        );
        assert_eq!(
            read_cookie(&headers, ACCESS_COOKIE).as_deref(),
            Some("tok.en.x")
        );
        assert_eq!(read_cookie(&headers, REFRESH_COOKIE), None);
        assert_eq!(read_cookie(&headers, "missing"), None);
    }
}
