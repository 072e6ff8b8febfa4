//! Guards for the patched copy of `tachys` under `vendor/` (see `vendor/README.md`). Cargo
//! drops a `[patch.crates-io]` entry with only a warning when an update wants another version
//! of the crate, and the patch is safe only in an app without lazy routes.

use std::path::{Path, PathBuf};

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn tachys_is_built_from_the_patched_copy() {
    let lock = std::fs::read_to_string(workspace().join("Cargo.lock")).unwrap();
    let entries: Vec<&str> = lock
        .split("[[package]]")
        .filter(|entry| entry.contains("\nname = \"tachys\"\n"))
        .collect();
    assert!(!entries.is_empty(), "tachys is not in Cargo.lock");
    for entry in entries {
        // A path dependency has no `source` in the lock file.
        assert!(
            !entry.contains("source ="),
            "Cargo.lock takes tachys from a registry, so the patched copy under vendor/ is \
             no longer used: bring vendor/tachys to that version (vendor/README.md) or move \
             to Leptos 0.9 and delete it.\n{entry}"
        );
    }
}

#[test]
fn the_app_has_no_lazy_routes() {
    fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(&workspace().join("app/src"), &mut files);
    assert!(files.len() > 10, "app sources not found: {files:?}");
    // The markers of Leptos's lazy loading, which the patched tachys hydrates synchronously.
    let markers = ["#[lazy", "LazyRoute", "hydrate_lazy", "Lazy<"];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for marker in markers {
            assert!(
                !text.contains(marker),
                "{} uses {marker}: lazy routes need the async hydration vendor/tachys removes \
                 (see vendor/README.md)",
                file.display()
            );
        }
    }
}
