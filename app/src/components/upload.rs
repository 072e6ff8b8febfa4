//! Uploading photos and videos to the media library from the browser: a drop zone with a file
//! picker beside it (dragging is never the only way), several files at once, and a row per
//! file with its progress. Files travel in pieces to `/media-uploads…` (the REST API's upload
//! protocol with the session cookie): a dropped connection resumes from the last whole piece.

use leptos::prelude::*;

use crate::components::icon::IconSvg;
use crate::model::byte_size_label;
use crate::nav::Icon;
use crate::platforms::STORED_MEDIA_TYPES;

/// Where one file's upload stands.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadState {
    /// Bytes sent so far.
    Sending(f64),
    /// All sent; the server checks the file and makes its thumbnail.
    Checking,
    Done,
    Failed(String),
}

#[derive(Clone)]
struct UploadRow {
    name: String,
    size: f64,
    state: RwSignal<UploadState>,
}

/// A drop zone and file picker; `on_uploaded` gets each file's library `url` once the
/// library has it.
#[component]
pub fn MediaUploader(
    on_uploaded: Callback<String>,
    /// A shorter drop zone (the composer's).
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let rows = RwSignal::new(Vec::<UploadRow>::new());
    let dragging = RwSignal::new(false);
    let input_id = format!(
        "media-upload-{}",
        if compact { "compose" } else { "library" }
    );

    // Starts one upload per file (browser only: the server never sees these events).
    let start = move |files: Vec<BrowserFile>| {
        for file in files {
            let row = UploadRow {
                name: file.name(),
                size: file.size(),
                state: RwSignal::new(UploadState::Sending(0.0)),
            };
            rows.update(|rows| rows.push(row.clone()));
            send(file, row.state, on_uploaded);
        }
    };

    let zone_class = move || {
        // The file input inside is visually hidden: its focus shows on the zone.
        let base = "flex flex-col items-center justify-center gap-2 rounded-2xl border-2 border-dashed px-4 text-center transition-colors focus-within:ring-2 focus-within:ring-brand focus-within:ring-offset-2 dark:focus-within:ring-offset-zinc-900";
        let size = if compact { "py-5" } else { "py-10" };
        let colour = if dragging.get() {
            "border-brand bg-brand/5"
        } else {
            "border-zinc-300 bg-white dark:border-zinc-700 dark:bg-zinc-900"
        };
        format!("{base} {size} {colour}")
    };
    let accept = STORED_MEDIA_TYPES
        .iter()
        .map(|t| t.mime)
        .collect::<Vec<_>>()
        .join(",");
    view! {
        <div class="space-y-3">
            <div
                class=zone_class
                data-testid="drop-zone"
                on:dragover=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    start(dropped_files(&ev));
                }
            >
                <IconSvg icon=Icon::Upload class="h-6 w-6 text-zinc-500 dark:text-zinc-400" />
                <p class="text-sm text-zinc-700 dark:text-zinc-300">
                    "Drop photos or videos here, or "
                    <label for=input_id.clone() class="cursor-pointer font-semibold text-brand underline-offset-2 hover:underline focus-within:underline">
                        "choose files"
                    </label>
                </p>
                <p class="text-xs text-zinc-600 dark:text-zinc-400">"JPEG, PNG, WebP, GIF, MP4 or MOV. Several at once is fine."</p>
                <input
                    id=input_id
                    type="file"
                    multiple
                    accept=accept
                    class="sr-only"
                    data-testid="file-input"
                    on:change=move |ev| {
                        start(picked_files(&ev));
                    }
                />
            </div>
            // Rebuilt as a whole when a file joins (a handful at a time; the bars start over from
            // where they stand): each row's progress lives in its own signal, and a keyed list
            // would cost every page's wasm its code.
            <ul class="space-y-2" data-testid="upload-rows">
                {move || rows.get().into_iter().map(|row| view! { <UploadProgress row /> }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn UploadProgress(row: UploadRow) -> impl IntoView {
    let UploadRow { name, size, state } = row;
    let percent = move || match state.get() {
        UploadState::Sending(sent) if size > 0.0 => (sent / size * 100.0).clamp(0.0, 100.0),
        UploadState::Sending(_) => 0.0,
        _ => 100.0,
    };
    let status = move || match state.get() {
        UploadState::Sending(sent) => format!(
            "{:.0}% · {} of {}",
            (sent / size.max(1.0) * 100.0).clamp(0.0, 100.0),
            byte_size_label(sent as i64),
            byte_size_label(size as i64)
        ),
        UploadState::Checking => "Checking the file…".to_string(),
        UploadState::Done => "Added to your library".to_string(),
        UploadState::Failed(reason) => reason,
    };
    let bar_class = move || match state.get() {
        UploadState::Failed(_) => "h-full rounded-full bg-red-600",
        UploadState::Done => "h-full rounded-full bg-emerald-600",
        _ => "h-full rounded-full bg-brand transition-[width]",
    };
    let status_class = move || match state.get() {
        UploadState::Failed(_) => "text-xs font-semibold text-red-700 dark:text-red-300",
        _ => "text-xs text-zinc-600 dark:text-zinc-400",
    };
    let (label, file) = (name.clone(), name.clone());
    view! {
        <li class="rounded-xl border border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900" data-testid="upload-row" data-file=file>
            <div class="flex items-center justify-between gap-3">
                <span class="truncate text-sm font-medium">{name}</span>
                // Announced when it settles (added or refused), not at every percent.
                <span class=status_class data-testid="upload-status" aria-live=move || match state.get() { UploadState::Sending(_) => "off", _ => "polite" }>{status}</span>
            </div>
            <div
                class="mt-2 h-1.5 w-full overflow-hidden rounded-full bg-zinc-100 dark:bg-zinc-800"
                role="progressbar"
                aria-label=format!("Uploading {label}")
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || format!("{:.0}", percent())
                data-testid="upload-progress"
            >
                <div class=bar_class style=move || format!("width: {:.1}%", percent())></div>
            </div>
        </li>
    }
}

#[cfg(feature = "hydrate")]
type BrowserFile = web_sys::File;

/// The server never handles browser events: a stand-in that keeps the view compiling there.
#[cfg(not(feature = "hydrate"))]
#[derive(Clone)]
struct BrowserFile;

#[cfg(not(feature = "hydrate"))]
impl BrowserFile {
    fn name(&self) -> String {
        String::new()
    }
    fn size(&self) -> f64 {
        0.0
    }
}

#[cfg(not(feature = "hydrate"))]
fn dropped_files(_: &leptos::ev::DragEvent) -> Vec<BrowserFile> {
    Vec::new()
}

#[cfg(not(feature = "hydrate"))]
fn picked_files(_: &leptos::ev::Event) -> Vec<BrowserFile> {
    Vec::new()
}

#[cfg(not(feature = "hydrate"))]
fn send(_: BrowserFile, _: RwSignal<UploadState>, _: Callback<String>) {}

#[cfg(feature = "hydrate")]
fn files_of(list: Option<web_sys::FileList>) -> Vec<BrowserFile> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

#[cfg(feature = "hydrate")]
fn dropped_files(ev: &leptos::ev::DragEvent) -> Vec<BrowserFile> {
    files_of(ev.data_transfer().and_then(|d| d.files()))
}

#[cfg(feature = "hydrate")]
fn picked_files(ev: &leptos::ev::Event) -> Vec<BrowserFile> {
    use wasm_bindgen::JsCast;
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = files_of(input.files());
    // The same file can be picked again later.
    input.set_value("");
    files
}

#[cfg(feature = "hydrate")]
fn send(file: BrowserFile, state: RwSignal<UploadState>, on_uploaded: Callback<String>) {
    leptos::task::spawn_local(async move {
        match browser::upload(&file, state).await {
            Ok(url) => {
                state.set(UploadState::Done);
                on_uploaded.run(url);
            }
            Err(reason) => state.set(UploadState::Failed(reason)),
        }
    });
}

/// Reads a page of this site as the server renders it now: the media library swaps in its
/// fresh list after an upload.
#[cfg(feature = "hydrate")]
pub use browser::fetch_page;

#[cfg(feature = "hydrate")]
mod browser {
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    use super::UploadState;

    /// How often a piece is tried again after the connection failed.
    const PIECE_RETRIES: u32 = 3;

    const UNEXPECTED: &str = "PostPilot answered something unexpected. Try again.";

    /// An answer's status and its JSON body, parsed by the browser: the uploader reads a few
    /// fields, and serde_json's decoder (with the models' decoders for it) would weigh on
    /// every page's wasm.
    struct Answer {
        status: u16,
        text: String,
        body: JsValue,
    }

    const JSON: &str = "application/json";

    impl Answer {
        fn ok(&self) -> bool {
            (200..300).contains(&self.status)
        }

        fn field(&self, name: &str) -> JsValue {
            js_sys::Reflect::get(&self.body, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
        }

        fn text(&self, name: &str) -> Result<String, String> {
            self.field(name)
                .as_string()
                .ok_or_else(|| UNEXPECTED.to_string())
        }

        fn number(&self, name: &str) -> Result<f64, String> {
            self.field(name)
                .as_f64()
                .ok_or_else(|| UNEXPECTED.to_string())
        }

        /// The problem's `detail` (the contract's error body), else the status.
        fn detail(&self) -> String {
            self.field("detail")
                .as_string()
                .unwrap_or_else(|| format!("The upload failed (HTTP {})", self.status))
        }

        /// This answer if it is a success, else its problem.
        fn success(self) -> Result<Self, String> {
            if self.ok() {
                Ok(self)
            } else {
                Err(self.detail())
            }
        }
    }

    /// One request, its upload progress reported to `progress` (bytes of this body sent).
    async fn request(
        method: &str,
        url: &str,
        accept: &str,
        body: Option<&JsValue>,
        content_type: Option<&str>,
        progress: Option<Rc<dyn Fn(f64)>>,
    ) -> Result<Answer, String> {
        let offline = |_| "Could not reach PostPilot. Check your connection.".to_string();
        let xhr = XmlHttpRequest::new().map_err(offline)?;
        xhr.open_with_async(method, url, true).map_err(offline)?;
        xhr.set_request_header("Accept", accept).map_err(offline)?;
        if let Some(content_type) = content_type {
            xhr.set_request_header("Content-Type", content_type)
                .map_err(offline)?;
        }
        let on_progress = progress.map(|report| {
            Closure::<dyn FnMut(ProgressEvent)>::new(move |ev: ProgressEvent| report(ev.loaded()))
        });
        if let (Some(callback), Ok(upload)) = (&on_progress, xhr.upload()) {
            upload.set_onprogress(Some(callback.as_ref().unchecked_ref()));
        }
        // Each handler is freed when it runs; the one that never runs is a few bytes lost.
        let promise = js_sys::Promise::new(&mut |resolve, reject| {
            let on_load = Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::NULL);
            });
            let on_fail = Closure::once_into_js(move || {
                let _ = reject.call0(&JsValue::NULL);
            });
            xhr.set_onload(Some(on_load.unchecked_ref()));
            xhr.set_onerror(Some(on_fail.unchecked_ref()));
            xhr.set_onabort(Some(on_fail.unchecked_ref()));
        });
        let sent = match body {
            Some(body) if body.is_instance_of::<web_sys::Blob>() => {
                xhr.send_with_opt_blob(Some(body.unchecked_ref()))
            }
            Some(body) => xhr.send_with_opt_str(body.as_string().as_deref()),
            None => xhr.send(),
        };
        sent.map_err(offline)?;
        let result = JsFuture::from(promise).await;
        drop(on_progress);
        result.map_err(offline)?;
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        // Not JSON (a page, or a proxy's error page): no fields, so the status speaks.
        let body = match accept {
            JSON => js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED),
            _ => JsValue::UNDEFINED,
        };
        Ok(Answer {
            status: xhr.status().unwrap_or(0),
            text,
            body,
        })
    }

    /// Sends `file` in pieces and completes it: the library file's `url`.
    pub async fn upload(
        file: &web_sys::File,
        state: RwSignal<UploadState>,
    ) -> Result<String, String> {
        let start = js_sys::Object::new();
        let set = |key: &str, value: JsValue| {
            let _ = js_sys::Reflect::set(&start, &JsValue::from_str(key), &value);
        };
        set("filename", JsValue::from_str(&file.name()));
        set("byte_size", JsValue::from_f64(file.size()));
        let start = js_sys::JSON::stringify(&start).map_err(|_| UNEXPECTED.to_string())?;
        let upload = request(
            "POST",
            "/media-uploads",
            JSON,
            Some(&start.into()),
            Some("application/json"),
            None,
        )
        .await?
        .success()?;
        let url = format!("/media-uploads/{}", upload.text("id")?);
        let chunk_bytes = upload.number("chunk_bytes")?;
        let total = file.size();
        let mut offset = upload.number("received")?;
        let mut failures = 0;
        while offset < total {
            let end = (offset + chunk_bytes).min(total);
            let piece = file
                .slice_with_f64_and_f64(offset, end)
                .map_err(|_| "The browser could not read this file".to_string())?;
            let base = offset;
            let report: Rc<dyn Fn(f64)> =
                Rc::new(move |sent: f64| state.set(UploadState::Sending(base + sent)));
            let sent = request(
                "PUT",
                &format!("{url}?offset={}", offset as i64),
                JSON,
                Some(&piece.into()),
                Some("application/octet-stream"),
                Some(report),
            )
            .await;
            match sent {
                Ok(answer) if answer.ok() => {
                    offset = answer.number("received")?;
                    failures = 0;
                }
                // Out of step (a retried piece had arrived): resume where the server stands.
                Ok(answer) if answer.status == 409 => {
                    offset = resume_point(&url).await?;
                }
                Ok(answer) => return Err(answer.detail()),
                Err(reason) => {
                    failures += 1;
                    if failures > PIECE_RETRIES {
                        return Err(reason);
                    }
                    wait(500 * failures).await;
                    offset = resume_point(&url).await?;
                }
            }
            state.set(UploadState::Sending(offset));
        }
        state.set(UploadState::Checking);
        request("POST", &format!("{url}/complete"), JSON, None, None, None)
            .await?
            .success()?
            .text("url")
    }

    async fn resume_point(url: &str) -> Result<f64, String> {
        request("GET", url, JSON, None, None, None)
            .await?
            .success()?
            .number("received")
    }

    /// The document at `url`, as the server renders it now (`None` if it cannot be had).
    pub async fn fetch_page(url: &str) -> Option<web_sys::Document> {
        let answer = request("GET", url, "text/html", None, None, None)
            .await
            .ok()?;
        if !answer.ok() {
            return None;
        }
        web_sys::DomParser::new()
            .ok()?
            .parse_from_string(&answer.text, web_sys::SupportedType::TextHtml)
            .ok()
    }

    async fn wait(ms: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}
