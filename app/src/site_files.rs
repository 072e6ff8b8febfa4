//! The files of the built site that pages link to by name: the shell preloads the fonts, the
//! marketing pages share the image, and the server serves them under content-hashed names
//! (`server::site_assets`).

/// The self-hosted fonts (scripts/setup.sh copies them from their npm packages).
pub const FONTS: [&str; 2] = [
    "fonts/inter-latin-wght-normal.woff2",
    "fonts/plus-jakarta-sans-latin-wght-normal.woff2",
];

/// The OpenGraph / Twitter card image, 1200 × 630 (scripts/make-images.sh draws it).
pub const SHARING_IMAGE: &str = "og-image.png";

/// The marketing pages' own stylesheet, written by scripts/build-release.sh from
/// `style/marketing.css` (only the classes those pages use).
pub const MARKETING_CSS: &str = "pkg/marketing.css";
