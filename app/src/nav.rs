//! The one configuration of branding and navigation (the seeds' `service.config.ts`): the
//! sidebar, the route guard and the landing page all read it. Plan tiers live in `plans`.

pub struct Brand {
    pub name: &'static str,
    pub tagline: &'static str,
    pub description: &'static str,
}

pub const BRAND: Brand = Brand {
    name: "PostPilot",
    tagline: "Social media on autopilot",
    description: "Turn your products into scheduled Instagram, Facebook and TikTok posts with \
                  AI-written captions, published on time, exactly once.",
};

/// Icons are inline SVG path data (lucide, ISC licence), so no icon font or CDN is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    LayoutDashboard,
    ListOrdered,
    Calendar,
    Users,
    BarChart3,
    FileText,
    Key,
    CreditCard,
    Settings,
    LogOut,
    Sun,
    Moon,
    Menu,
    Send,
    Image,
    Upload,
    Trash,
}

impl Icon {
    pub fn paths(self) -> &'static [&'static str] {
        match self {
            Icon::LayoutDashboard => &[
                "M3 3h7v9H3z",
                "M14 3h7v5h-7z",
                "M14 12h7v9h-7z",
                "M3 16h7v5H3z",
            ],
            Icon::ListOrdered => &[
                "M10 6h11",
                "M10 12h11",
                "M10 18h11",
                "M4 6h1v4",
                "M4 10h2",
                "M6 18H4c0-1 2-2 2-3s-1-1.5-2-1",
            ],
            Icon::Calendar => &[
                "M8 2v4",
                "M16 2v4",
                "M3 10h18",
                "M5 4h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
            ],
            Icon::Users => &[
                "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2",
                "M9 7m-4 0a4 4 0 1 0 8 0a4 4 0 1 0-8 0",
                "M22 21v-2a4 4 0 0 0-3-3.87",
                "M16 3.13a4 4 0 0 1 0 7.75",
            ],
            Icon::BarChart3 => &["M3 3v18h18", "M18 17V9", "M13 17V5", "M8 17v-3"],
            Icon::FileText => &[
                "M15 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V7z",
                "M14 2v4a2 2 0 0 0 2 2h4",
                "M16 13H8",
                "M16 17H8",
                "M10 9H8",
            ],
            Icon::Key => &[
                "M7.5 15.5m-5.5 0a5.5 5.5 0 1 0 11 0a5.5 5.5 0 1 0-11 0",
                "M21 2l-9.6 9.6",
                "M15.5 7.5l3 3L22 7l-3-3",
            ],
            Icon::CreditCard => &["M2 5h20v14H2z", "M2 10h20"],
            Icon::Settings => &[
                "M12.22 2h-.44a2 2 0 0 0-2 2v.18a2 2 0 0 1-1 1.73l-.43.25a2 2 0 0 1-2 0l-.15-.08a2 2 0 0 0-2.73.73l-.22.38a2 2 0 0 0 .73 2.73l.15.1a2 2 0 0 1 1 1.72v.51a2 2 0 0 1-1 1.74l-.15.09a2 2 0 0 0-.73 2.73l.22.38a2 2 0 0 0 2.73.73l.15-.08a2 2 0 0 1 2 0l.43.25a2 2 0 0 1 1 1.73V20a2 2 0 0 0 2 2h.44a2 2 0 0 0 2-2v-.18a2 2 0 0 1 1-1.73l.43-.25a2 2 0 0 1 2 0l.15.08a2 2 0 0 0 2.73-.73l.22-.39a2 2 0 0 0-.73-2.73l-.15-.08a2 2 0 0 1-1-1.74v-.5a2 2 0 0 1 1-1.74l.15-.09a2 2 0 0 0 .73-2.73l-.22-.38a2 2 0 0 0-2.73-.73l-.15.08a2 2 0 0 1-2 0l-.43-.25a2 2 0 0 1-1-1.73V4a2 2 0 0 0-2-2z",
                "M12 12m-3 0a3 3 0 1 0 6 0a3 3 0 1 0-6 0",
            ],
            Icon::LogOut => &[
                "M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4",
                "M16 17l5-5-5-5",
                "M21 12H9",
            ],
            Icon::Sun => &[
                "M12 12m-4 0a4 4 0 1 0 8 0a4 4 0 1 0-8 0",
                "M12 2v2",
                "M12 20v2",
                "M4.93 4.93l1.41 1.41",
                "M17.66 17.66l1.41 1.41",
                "M2 12h2",
                "M20 12h2",
                "M6.34 17.66l-1.41 1.41",
                "M19.07 4.93l-1.41 1.41",
            ],
            Icon::Moon => &["M12 3a6 6 0 0 0 9 9 9 9 0 1 1-9-9z"],
            Icon::Menu => &["M4 6h16", "M4 12h16", "M4 18h16"],
            Icon::Image => &[
                "M5 3h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z",
                "M9 9m-2 0a2 2 0 1 0 4 0a2 2 0 1 0-4 0",
                "M21 15l-3.086-3.086a2 2 0 0 0-2.828 0L6 21",
            ],
            Icon::Upload => &[
                "M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4",
                "M17 8l-5-5-5 5",
                "M12 3v12",
            ],
            Icon::Trash => &[
                "M3 6h18",
                "M19 6v14c0 1-1 2-2 2H7c-1 0-2-1-2-2V6",
                "M8 6V4c0-1 1-2 2-2h4c1 0 2 1 2 2v2",
            ],
            Icon::Send => &[
                "M14.536 21.686a.5.5 0 0 0 .937-.024l6.5-19a.496.496 0 0 0-.635-.635l-19 6.5a.5.5 0 0 0-.024.937l7.93 3.18a2 2 0 0 1 1.112 1.11z",
                "M21.854 2.147l-10.94 10.939",
            ],
        }
    }
}

pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub icon: Icon,
}

/// The dashboard sidebar, in order.
pub const NAV_ITEMS: [NavItem; 11] = [
    NavItem {
        label: "Dashboard",
        href: "/dashboard",
        icon: Icon::LayoutDashboard,
    },
    NavItem {
        label: "Posts",
        href: "/posts",
        icon: Icon::Send,
    },
    NavItem {
        label: "Queue",
        href: "/queue",
        icon: Icon::ListOrdered,
    },
    NavItem {
        label: "Calendar",
        href: "/calendar",
        icon: Icon::Calendar,
    },
    NavItem {
        label: "Media",
        href: "/media",
        icon: Icon::Image,
    },
    NavItem {
        label: "Accounts",
        href: "/accounts",
        icon: Icon::Users,
    },
    NavItem {
        label: "Analytics",
        href: "/analytics",
        icon: Icon::BarChart3,
    },
    NavItem {
        label: "Templates",
        href: "/templates",
        icon: Icon::FileText,
    },
    NavItem {
        label: "API Keys",
        href: "/api-keys",
        icon: Icon::Key,
    },
    NavItem {
        label: "Billing",
        href: "/billing",
        icon: Icon::CreditCard,
    },
    NavItem {
        label: "Settings",
        href: "/settings",
        icon: Icon::Settings,
    },
];

/// Signed-in pages beyond the sidebar's.
const OTHER_PROTECTED: [&str; 1] = ["/compose"];

/// Pages only admins see (others get the not-found page).
pub const ADMIN_PREFIX: &str = "/admin";

/// The marketing pages: rendered without the app's wasm, listed in the sitemap.
pub const MARKETING_PAGES: [&str; 2] = ["/", "/pricing"];

/// Public pages search engines should index, in sitemap order.
pub const INDEXED_PAGES: [&str; 3] = ["/", "/pricing", "/docs"];

/// Signed-in pages rendered only on the server: their content is markup and forms (posted to
/// server functions, also without JavaScript), so the browser bundle carries none of their
/// code (but the media library's uploader, which it mounts there). The shell around them is
/// hydrated as on every page; links to them, the shell's and their own, carry
/// `rel="external"` and load a document.
pub const SERVER_RENDERED_PAGES: [&str; 9] = [
    "/dashboard",
    "/media",
    "/queue",
    "/accounts",
    "/analytics",
    "/templates",
    "/api-keys",
    "/billing",
    "/settings",
];

/// The admin console's pages and their titles.
pub const ADMIN_PAGES: [(&str, &str); 4] = [
    ("/admin", "Admin"),
    ("/admin/logs", "Logs · Admin"),
    ("/admin/users", "Users · Admin"),
    ("/admin/system", "System · Admin"),
];

/// The document title of a sidebar or admin page: "Queue · PostPilot".
pub fn page_title(path: &str) -> String {
    let label = NAV_ITEMS
        .iter()
        .find(|item| item.href == path)
        .map(|item| item.label)
        .or_else(|| {
            ADMIN_PAGES
                .iter()
                .find(|(href, _)| *href == path)
                .map(|(_, label)| *label)
        })
        .unwrap_or(BRAND.name);
    format!("{label} · {}", BRAND.name)
}

/// Whether a link to `path` loads a new document instead of navigating in the browser.
pub fn is_server_rendered(path: &str) -> bool {
    SERVER_RENDERED_PAGES.contains(&path)
}

/// Whether a page is a marketing page (served as plain HTML and CSS, no wasm).
pub fn is_marketing_path(path: &str) -> bool {
    MARKETING_PAGES.contains(&path)
}

/// Public files under a private prefix: the media library's files and thumbnails, which the
/// platforms fetch when they publish.
pub const PUBLIC_FILE_PREFIXES: [&str; 2] = ["/media/m/", "/media/t/"];

/// Path prefixes crawlers are asked to stay out of: the signed-in pages and the endpoints.
pub fn private_prefixes() -> Vec<&'static str> {
    let mut prefixes: Vec<&'static str> = NAV_ITEMS.iter().map(|item| item.href).collect();
    prefixes.extend(OTHER_PROTECTED);
    prefixes.extend([ADMIN_PREFIX, "/api/", "/fn/"]);
    prefixes
}

fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a page needs a signed-in user (signed-out visitors are sent to the login page).
pub fn is_protected_path(path: &str) -> bool {
    NAV_ITEMS.iter().any(|item| under(path, item.href))
        || OTHER_PROTECTED.iter().any(|prefix| under(path, prefix))
        || under(path, ADMIN_PREFIX)
}

/// Where to go after signing in: a path on this site, or the dashboard. Never another site.
///
/// Browsers drop tabs and newlines from URLs and read `\\` as `/`, so `/\t/evil.example` or
/// `/\\evil.example` would become `//evil.example`, another origin: anything with a control
/// character or a backslash is refused outright rather than cleaned. What passes is a
/// path-absolute reference (one leading `/`), so it resolves against this site whatever
/// follows; spaces and non-ASCII are percent-encoded so the result is always a valid
/// `Location` header.
pub fn safe_next(next: Option<&str>) -> String {
    const FALLBACK: &str = "/dashboard";
    let Some(path) = next else {
        return FALLBACK.to_string();
    };
    let local = path.starts_with('/') && !path.starts_with("//");
    if !local || path.chars().any(|c| c.is_control() || c == '\\') {
        return FALLBACK.to_string();
    }
    let mut safe = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_graphic() {
            safe.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                safe.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboard_pages_are_protected_and_public_pages_are_not() {
        for path in [
            "/dashboard",
            "/queue",
            "/posts/123/edit",
            "/admin/logs",
            "/settings",
        ] {
            assert!(is_protected_path(path), "{path}");
        }
        for path in [
            "/",
            "/login",
            "/pricing",
            "/postsomething",
            "/docs",
            "/register",
        ] {
            assert!(!is_protected_path(path), "{path}");
        }
    }

    #[test]
    fn marketing_pages_are_public_and_indexed_and_private_ones_are_not() {
        for path in MARKETING_PAGES {
            assert!(
                is_marketing_path(path) && !is_protected_path(path),
                "{path}"
            );
            assert!(INDEXED_PAGES.contains(&path), "{path}");
        }
        // "/pricing/" is redirected to "/pricing" before any page renders (startup.rs).
        assert!(!is_marketing_path("/pricing/"));
        assert!(!is_marketing_path("/login"));
        let private = private_prefixes();
        for path in INDEXED_PAGES {
            assert!(!private.iter().any(|p| path.starts_with(p)), "{path}");
        }
        for path in ["/dashboard", "/calendar", "/compose", "/admin", "/api/"] {
            assert!(private.contains(&path), "{path}");
        }
    }

    #[test]
    fn next_is_always_a_local_path() {
        assert_eq!(safe_next(Some("/calendar?m=11")), "/calendar?m=11");
        assert_eq!(safe_next(Some("//evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("https://evil.example")), "/dashboard");
        assert_eq!(safe_next(Some("/\\evil.example")), "/dashboard");
        assert_eq!(safe_next(None), "/dashboard");
    }

    #[test]
    fn next_with_control_characters_or_backslashes_goes_to_the_dashboard() {
        for hostile in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/\n",
            "/\0",
            "/\u{7f}x",
            "/\u{85}/evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "\t//evil.example",
            " //evil.example",
            "evil.example",
            "javascript:alert(1)",
            "//",
            "",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/dashboard", "{hostile:?}");
        }
    }

    #[test]
    fn next_keeps_local_paths_and_encodes_what_a_header_cannot_carry() {
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(Some("/posts?q=a#top")), "/posts?q=a#top");
        assert_eq!(safe_next(Some("/a b")), "/a%20b");
        assert_eq!(safe_next(Some("/café")), "/caf%C3%A9");
        assert_eq!(
            safe_next(Some("/%2F%2Fevil.example")),
            "/%2F%2Fevil.example"
        );
        for path in ["/a b", "/café", "/x?y=1"] {
            let location = safe_next(Some(path));
            assert!(http::HeaderValue::from_str(&location).is_ok(), "{location}");
        }
    }
}
