//! The marketing pages' assets, read once at start-up from the built site: their own purged
//! stylesheet (inlined into the page, so nothing blocks the first paint) and the files it and
//! the pages link to (fonts, the sharing image), served under content-hashed names that
//! browsers may keep for a year.

use std::collections::HashMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::site_files::{FONTS, MARKETING_CSS, SHARING_IMAGE};

/// Where hashed files are served.
pub const HASHED_PREFIX: &str = "/assets/";
/// Bytes of the SHA-256 in a hashed name (12 hex digits).
const HASH_BYTES: usize = 6;

#[derive(Clone, Debug)]
pub struct HashedFile {
    pub bytes: axum::body::Bytes,
    pub content_type: &'static str,
}

#[derive(Debug, Default)]
pub struct SiteAssets {
    marketing_css: Option<String>,
    /// Site path ("fonts/inter….woff2") → its hashed URL ("/assets/1a2b3c4d5e6f-inter….woff2").
    urls: HashMap<&'static str, String>,
    /// Hashed file name (the URL without the prefix) → the file.
    files: HashMap<String, HashedFile>,
    /// Plain file name ("og-image.png") → its hashed name.
    current: HashMap<String, String>,
}

/// A hashed file asked for by name.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// The name is this release's: its contents never change under it.
    Current(&'a HashedFile),
    /// Another release's name for a file this one also has (a page rendered by an older or
    /// newer instance during a rolling deploy): this release's contents, which may differ.
    Other(&'a HashedFile),
}

impl SiteAssets {
    /// Reads what the build left in `site_root`. A missing file is not an error (a debug build
    /// or the tests have no site): pages then link the file by its plain path, and without the
    /// marketing stylesheet they link the app's.
    pub fn load(site_root: &Path) -> Self {
        let mut assets = SiteAssets::default();
        for path in FONTS.into_iter().chain([SHARING_IMAGE]) {
            if let Ok(bytes) = std::fs::read(site_root.join(path)) {
                assets.add(path, bytes);
            }
        }
        match std::fs::read_to_string(site_root.join(MARKETING_CSS)) {
            Ok(css) => assets.marketing_css = Some(assets.with_hashed_urls(&css)),
            Err(err) => tracing::warn!(
                site_root = %site_root.display(),
                error = %err,
                "no marketing stylesheet: the landing and pricing pages link the app's instead"
            ),
        }
        assets
    }

    fn add(&mut self, path: &'static str, bytes: Vec<u8>) {
        let digest = Sha256::digest(&bytes);
        let name = path.rsplit('/').next().unwrap_or(path);
        let hashed = format!("{}-{name}", hex::encode(&digest[..HASH_BYTES]));
        self.urls.insert(path, format!("{HASHED_PREFIX}{hashed}"));
        self.current.insert(name.to_string(), hashed.clone());
        self.files.insert(
            hashed,
            HashedFile {
                bytes: bytes.into(),
                content_type: content_type(path),
            },
        );
    }

    /// The stylesheet with every `/fonts/…` reference pointing at the hashed file.
    fn with_hashed_urls(&self, css: &str) -> String {
        self.urls.iter().fold(css.to_string(), |css, (path, url)| {
            css.replace(&format!("/{path}"), url)
        })
    }

    /// The URL to link a site file by: its hashed name when it was loaded.
    pub fn url(&self, path: &str) -> String {
        self.urls
            .get(path)
            .cloned()
            .unwrap_or_else(|| format!("/{path}"))
    }

    pub fn marketing_css(&self) -> Option<&str> {
        self.marketing_css.as_deref()
    }

    /// A hashed file by its name (the URL after `/assets/`).
    pub fn file(&self, hashed_name: &str) -> Option<Lookup<'_>> {
        if let Some(file) = self.files.get(hashed_name) {
            return Some(Lookup::Current(file));
        }
        let (hash, name) = hashed_name.split_once('-')?;
        if hash.len() != 2 * HASH_BYTES || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let current = self.current.get(name)?;
        self.files.get(current).map(Lookup::Other)
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("woff2") => "font/woff2",
        Some("png") => "image/png",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_get_content_hashed_urls_and_the_stylesheet_points_at_them() {
        let site = std::env::temp_dir().join(format!("site-assets-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(site.join("fonts")).unwrap();
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(site.join(FONTS[0]), b"inter bytes").unwrap();
        std::fs::write(
            site.join(MARKETING_CSS),
            "@font-face{src:url(/fonts/inter-latin-wght-normal.woff2)}",
        )
        .unwrap();

        let assets = SiteAssets::load(&site);
        let url = assets.url(FONTS[0]);
        assert!(
            url.starts_with("/assets/") && url.ends_with("-inter-latin-wght-normal.woff2"),
            "{url}"
        );
        let css = assets.marketing_css().unwrap();
        assert_eq!(css, format!("@font-face{{src:url({url})}}"));
        let Some(Lookup::Current(file)) = assets.file(url.trim_start_matches(HASHED_PREFIX)) else {
            panic!("{url} is this release's");
        };
        assert_eq!(file.bytes.as_ref(), b"inter bytes");
        assert_eq!(file.content_type, "font/woff2");

        // Other contents, another name; a file the build did not write keeps its plain path.
        std::fs::write(site.join(FONTS[0]), b"inter bytes, new release").unwrap();
        assert_ne!(SiteAssets::load(&site).url(FONTS[0]), url);
        assert_eq!(assets.url(SHARING_IMAGE), "/og-image.png");
        assert!(assets.file("000000000000-og-image.png").is_none());
        // Another release's name for the font: this release's bytes, not to be kept.
        assert!(matches!(
            assets.file("0123456789ab-inter-latin-wght-normal.woff2"),
            Some(Lookup::Other(file)) if file.bytes.as_ref() == b"inter bytes"
        ));
        assert!(assets
            .file("not-a-hash-inter-latin-wght-normal.woff2")
            .is_none());
        assert!(assets.file("../../etc/passwd").is_none());
        std::fs::remove_dir_all(site).unwrap();
    }

    #[test]
    fn without_a_built_site_there_is_no_marketing_stylesheet() {
        let assets = SiteAssets::load(Path::new("/nonexistent/postpilot-site"));
        assert!(assets.marketing_css().is_none());
        assert_eq!(assets.url(FONTS[1]), format!("/{}", FONTS[1]));
    }
}
