//! Uploading photos and videos to the media library from the browser: a drop zone with a file
//! picker beside it (dragging is never the only way), several files at once, and a row per
//! file with its progress. Files travel in pieces to `/media-uploads…` (the REST API's upload
//! protocol with the session cookie): a dropped connection resumes from the last whole piece.

use leptos::prelude::*;

use crate::components::icon::IconSvg;
use crate::model::{byte_size_label, MediaItem};
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
    key: usize,
    name: String,
    size: f64,
    state: RwSignal<UploadState>,
}

/// A drop zone and file picker; `on_uploaded` gets each file once the library has it.
#[component]
pub fn MediaUploader(
    on_uploaded: Callback<MediaItem>,
    /// A shorter drop zone (the composer's).
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let rows = RwSignal::new(Vec::<UploadRow>::new());
    let next_key = StoredValue::new(0usize);
    let dragging = RwSignal::new(false);
    let input_id = format!(
        "media-upload-{}",
        if compact { "compose" } else { "library" }
    );

    // Starts one upload per file (browser only: the server never sees these events).
    let start = move |files: Vec<BrowserFile>| {
        for file in files {
            let key = next_key.get_value();
            next_key.set_value(key + 1);
            let row = UploadRow {
                key,
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
            <ul class="space-y-2" data-testid="upload-rows">
                <For each=move || rows.get() key=|row| row.key let:row>
                    <UploadProgress row />
                </For>
            </ul>
        </div>
    }
}

#[component]
fn UploadProgress(row: UploadRow) -> impl IntoView {
    let UploadRow {
        name, size, state, ..
    } = row;
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
fn send(_: BrowserFile, _: RwSignal<UploadState>, _: Callback<MediaItem>) {}

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
fn send(file: BrowserFile, state: RwSignal<UploadState>, on_uploaded: Callback<MediaItem>) {
    leptos::task::spawn_local(async move {
        match browser::upload(&file, state).await {
            Ok(item) => {
                state.set(UploadState::Done);
                on_uploaded.run(item);
            }
            Err(reason) => state.set(UploadState::Failed(reason)),
        }
    });
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    use super::UploadState;
    use crate::model::{MediaItem, MediaUpload};

    /// How often a piece is tried again after the connection failed.
    const PIECE_RETRIES: u32 = 3;

    struct Answer {
        status: u16,
        body: String,
    }

    fn detail(answer: &Answer) -> String {
        serde_json::from_str::<serde_json::Value>(&answer.body)
            .ok()
            .and_then(|v| v["detail"].as_str().map(str::to_string))
            .unwrap_or_else(|| format!("The upload failed (HTTP {})", answer.status))
    }

    /// One request, its upload progress reported to `progress` (bytes of this body sent).
    async fn request(
        method: &str,
        url: &str,
        body: Option<&JsValue>,
        content_type: Option<&str>,
        progress: Option<Rc<dyn Fn(f64)>>,
    ) -> Result<Answer, String> {
        let offline = |_| "Could not reach PostPilot. Check your connection.".to_string();
        let xhr = XmlHttpRequest::new().map_err(offline)?;
        xhr.open_with_async(method, url, true).map_err(offline)?;
        xhr.set_request_header("Accept", "application/json")
            .map_err(offline)?;
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
        Ok(Answer {
            status: xhr.status().unwrap_or(0),
            body: xhr.response_text().ok().flatten().unwrap_or_default(),
        })
    }

    fn parse<T: serde::de::DeserializeOwned>(answer: &Answer) -> Result<T, String> {
        if !(200..300).contains(&answer.status) {
            return Err(detail(answer));
        }
        serde_json::from_str(&answer.body)
            .map_err(|_| "PostPilot answered something unexpected. Try again.".to_string())
    }

    /// Sends `file` in pieces and completes it: the library's file.
    pub async fn upload(
        file: &web_sys::File,
        state: RwSignal<UploadState>,
    ) -> Result<MediaItem, String> {
        let start = serde_json::json!({ "filename": file.name(), "byte_size": file.size() as i64 });
        let answer = request(
            "POST",
            "/media-uploads",
            Some(&JsValue::from_str(&start.to_string())),
            Some("application/json"),
            None,
        )
        .await?;
        let upload: MediaUpload = parse(&answer)?;
        let url = format!("/media-uploads/{}", upload.id);
        let total = file.size();
        let mut offset = upload.received as f64;
        let mut failures = 0;
        while offset < total {
            let end = (offset + upload.chunk_bytes as f64).min(total);
            let piece = file
                .slice_with_f64_and_f64(offset, end)
                .map_err(|_| "The browser could not read this file".to_string())?;
            let base = offset;
            let report: Rc<dyn Fn(f64)> =
                Rc::new(move |sent: f64| state.set(UploadState::Sending(base + sent)));
            let sent = request(
                "PUT",
                &format!("{url}?offset={}", offset as i64),
                Some(&piece.into()),
                Some("application/octet-stream"),
                Some(report),
            )
            .await;
            match sent {
                Ok(answer) if (200..300).contains(&answer.status) => {
                    let moved: MediaUpload = parse(&answer)?;
                    offset = moved.received as f64;
                    failures = 0;
                }
                // Out of step (a retried piece had arrived): resume where the server stands.
                Ok(answer) if answer.status == 409 => {
                    offset = resume_point(&url).await?;
                }
                Ok(answer) => return Err(detail(&answer)),
                Err(reason) => {
                    failures += 1;
                    if failures > PIECE_RETRIES {
                        return Err(reason);
                    }
                    gloo_wait(500 * failures).await;
                    offset = resume_point(&url).await?;
                }
            }
            state.set(UploadState::Sending(offset));
        }
        state.set(UploadState::Checking);
        let done = request("POST", &format!("{url}/complete"), None, None, None).await?;
        parse(&done)
    }

    async fn resume_point(url: &str) -> Result<f64, String> {
        let answer = request("GET", url, None, None, None).await?;
        let upload: MediaUpload = parse(&answer)?;
        Ok(upload.received as f64)
    }

    async fn gloo_wait(ms: u32) {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let _ = window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
            }
        });
        let _ = JsFuture::from(promise).await;
    }
}
