//! What an uploaded file is, read from its bytes (never its name): its type, pixels, a video's
//! length, and a JPEG thumbnail. Photos are measured from their header before anything is
//! decoded, so a small file that declares a huge picture is refused without allocating it.

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageReader, Limits, Rgb, RgbImage};

use crate::error::AppError;
use crate::model::MediaKind;
use crate::platforms::{media_type_label, stored_media_type, StoredMediaType};

/// The most pixels a photo may have: its decoded copy (4 bytes a pixel) stays under 200 MB.
const MAX_PIXELS: u64 = 50_000_000;

/// What was learned about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    pub kind: MediaKind,
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
    pub duration_ms: Option<i64>,
}

/// The type of a file from its first bytes, or why it is not one we keep.
pub fn sniff(head: &[u8]) -> Result<StoredMediaType, AppError> {
    let found = infer::get(head).map(|t| t.mime_type());
    let stored = found.and_then(|mime| {
        let mime = if mime == "video/x-m4v" {
            "video/mp4"
        } else {
            mime
        };
        stored_media_type(mime)
    });
    stored.ok_or_else(|| {
        let what = match found {
            Some(mime) => format!("a {} file", media_type_label(mime)),
            None => "not a file type PostPilot recognises".to_string(),
        };
        AppError::validation(
            "file",
            format!(
                "This file is {what}, not a photo or video. Upload JPEG, PNG, WebP or GIF \
                 photos, or MP4 or MOV videos."
            ),
        )
    })
}

pub fn kind_of(content_type: &str) -> MediaKind {
    if content_type.starts_with("video/") {
        MediaKind::Video
    } else {
        MediaKind::Image
    }
}

fn damaged(what: &str) -> AppError {
    AppError::validation(
        "file",
        format!("This {what} is damaged or cut off (the upload may have been interrupted). Try the original file again."),
    )
}

/// A photo's size in pixels, checked against `max_side` before decoding, and its thumbnail
/// (longest side `thumb_px`, JPEG). CPU-bound: run it on a blocking thread.
pub fn inspect_image(
    bytes: &[u8],
    content_type: &'static str,
    max_side: u32,
    thumb_px: u32,
) -> Result<(Inspected, Vec<u8>), AppError> {
    let reader = |bytes| {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| damaged("photo"))
    };
    let (width, height) = reader(bytes)?
        .into_dimensions()
        .map_err(|_| damaged("photo"))?;
    if width > max_side || height > max_side {
        return Err(AppError::validation(
            "file",
            format!(
                "This photo is {width} × {height} pixels; PostPilot takes photos up to {max_side} \
                 pixels on each side. Resize it and upload it again."
            ),
        ));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AppError::validation(
            "file",
            format!(
                "This photo is {width} × {height} pixels ({:.0} megapixels); PostPilot takes \
                 photos up to {} megapixels. Resize it and upload it again.",
                (u64::from(width) * u64::from(height)) as f64 / 1e6,
                MAX_PIXELS / 1_000_000
            ),
        ));
    }
    if width == 0 || height == 0 {
        return Err(damaged("photo"));
    }
    // A JPEG decoder fills a cut-off picture with grey instead of failing: its end marker
    // tells a whole file.
    if content_type == "image/jpeg" && !ends_like_jpeg(bytes) {
        return Err(damaged("photo"));
    }
    let mut decoder = reader(bytes)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(1024 * 1024 * 1024);
    decoder.limits(limits);
    let image = decoder.decode().map_err(|_| damaged("photo"))?;
    let thumbnail = jpeg(&image.thumbnail(thumb_px, thumb_px))?;
    Ok((
        Inspected {
            kind: MediaKind::Image,
            content_type,
            width,
            height,
            duration_ms: None,
        },
        thumbnail,
    ))
}

fn ends_like_jpeg(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    tail.windows(2).any(|pair| pair == [0xFF, 0xD9])
}

fn jpeg(image: &DynamicImage) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&image.to_rgb8())
        .map_err(|err| AppError::internal("thumbnail", err))?;
    Ok(out)
}

/// A video's size and length from its MP4/MOV boxes (`moov` → `mvhd`, `trak` → `tkhd`). A file
/// whose boxes run past its end was cut off.
pub fn inspect_video(path: &Path, content_type: &'static str) -> Result<Inspected, AppError> {
    let mut file = std::fs::File::open(path).map_err(|err| AppError::internal("video", err))?;
    let size = file
        .metadata()
        .map_err(|err| AppError::internal("video", err))?
        .len();
    let header = read_movie_header(&mut file, size).map_err(|_| damaged("video"))?;
    let Some(header) = header else {
        return Err(damaged("video"));
    };
    if header.width == 0 || header.height == 0 {
        return Err(AppError::validation(
            "file",
            "This file has no picture (an audio-only MP4?). Upload a video with a picture.",
        ));
    }
    Ok(Inspected {
        kind: MediaKind::Video,
        content_type,
        width: header.width,
        height: header.height,
        duration_ms: Some(header.duration_ms),
    })
}

#[derive(Debug, Default)]
struct MovieHeader {
    duration_ms: i64,
    width: u32,
    height: u32,
}

struct BoxHeader {
    kind: [u8; 4],
    /// Where its contents start and end.
    body: u64,
    end: u64,
}

fn read_box<R: Read + Seek>(r: &mut R, at: u64, limit: u64) -> std::io::Result<Option<BoxHeader>> {
    if at + 8 > limit {
        return Ok(None);
    }
    r.seek(SeekFrom::Start(at))?;
    let mut head = [0u8; 8];
    r.read_exact(&mut head)?;
    let size = u32::from_be_bytes(head[..4].try_into().expect("4 bytes")) as u64;
    let kind: [u8; 4] = head[4..].try_into().expect("4 bytes");
    let (body, end) = match size {
        0 => (at + 8, limit),
        1 => {
            let mut large = [0u8; 8];
            r.read_exact(&mut large)?;
            (at + 16, at.saturating_add(u64::from_be_bytes(large)))
        }
        n => (at + 8, at + n),
    };
    if end < body || end > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "a box runs past its container",
        ));
    }
    Ok(Some(BoxHeader { kind, body, end }))
}

/// The movie's header, or `None` when the file has no `moov` box. Every top-level box must
/// end within the file.
fn read_movie_header<R: Read + Seek>(r: &mut R, size: u64) -> std::io::Result<Option<MovieHeader>> {
    let mut at = 0;
    let mut found = None;
    while let Some(b) = read_box(r, at, size)? {
        if &b.kind == b"moov" {
            found = Some(read_moov(r, b.body, b.end)?);
        }
        at = b.end;
    }
    Ok(found)
}

fn read_moov<R: Read + Seek>(r: &mut R, start: u64, end: u64) -> std::io::Result<MovieHeader> {
    let mut header = MovieHeader::default();
    let mut at = start;
    while let Some(b) = read_box(r, at, end)? {
        match &b.kind {
            b"mvhd" => header.duration_ms = read_mvhd(r, b.body)?,
            b"trak" => {
                if let Some((w, h)) = read_trak(r, b.body, b.end)? {
                    if header.width == 0 {
                        (header.width, header.height) = (w, h);
                    }
                }
            }
            _ => {}
        }
        at = b.end;
    }
    Ok(header)
}

fn read_u32<R: Read>(r: &mut R) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_be_bytes(b))
}

fn read_u64<R: Read>(r: &mut R) -> std::io::Result<u64> {
    let mut b = [0u8; 8];
    r.read_exact(&mut b)?;
    Ok(u64::from_be_bytes(b))
}

fn read_mvhd<R: Read + Seek>(r: &mut R, body: u64) -> std::io::Result<i64> {
    r.seek(SeekFrom::Start(body))?;
    let version = read_u32(r)? >> 24;
    let (timescale, duration) = if version == 1 {
        read_u64(r)?; // creation
        read_u64(r)?; // modification
        (read_u32(r)?, read_u64(r)?)
    } else {
        read_u32(r)?;
        read_u32(r)?;
        (read_u32(r)?, read_u32(r)? as u64)
    };
    if timescale == 0 {
        return Ok(0);
    }
    Ok((duration as u128 * 1000 / timescale as u128).min(i64::MAX as u128) as i64)
}

/// A track's picture size (its `tkhd`, turned by its matrix), `None` for a track without one
/// (sound).
fn read_trak<R: Read + Seek>(
    r: &mut R,
    start: u64,
    end: u64,
) -> std::io::Result<Option<(u32, u32)>> {
    let mut at = start;
    while let Some(b) = read_box(r, at, end)? {
        if &b.kind == b"tkhd" {
            r.seek(SeekFrom::Start(b.body))?;
            let version = read_u32(r)? >> 24;
            // creation, modification, track id, reserved, duration
            let skip = if version == 1 {
                8 + 8 + 4 + 4 + 8
            } else {
                4 * 5
            };
            // reserved (8), layer, alternate group, volume, reserved (2 each)
            r.seek(SeekFrom::Current(skip + 8 + 8))?;
            let mut matrix = [0u32; 9];
            for cell in &mut matrix {
                *cell = read_u32(r)?;
            }
            let width = read_u32(r)? >> 16;
            let height = read_u32(r)? >> 16;
            if width == 0 || height == 0 {
                return Ok(None);
            }
            // A quarter turn (phones filming upright) has a = 0 in the matrix.
            let turned = matrix[0] == 0 && matrix[1] != 0;
            return Ok(Some(if turned {
                (height, width)
            } else {
                (width, height)
            }));
        }
        at = b.end;
    }
    Ok(None)
}

/// A video's thumbnail: its first frame when `ffmpeg` is installed, else a placeholder of the
/// video's shape.
pub async fn video_thumbnail(path: &Path, width: u32, height: u32, thumb_px: u32) -> Vec<u8> {
    if ffmpeg_available() {
        match first_frame(path, thumb_px).await {
            Ok(frame) if !frame.is_empty() => return frame,
            Ok(_) => tracing::warn!("ffmpeg gave no frame; using the placeholder thumbnail"),
            Err(err) => {
                tracing::warn!(error = %err, "ffmpeg failed; using the placeholder thumbnail")
            }
        }
    }
    placeholder(width, height, thumb_px)
}

fn ffmpeg_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        std::process::Command::new("ffmpeg")
            .arg("-version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

async fn first_frame(path: &Path, thumb_px: u32) -> std::io::Result<Vec<u8>> {
    let scale = format!("scale='min({thumb_px},iw)':-2");
    let run = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args([
            "-frames:v",
            "1",
            "-vf",
            &scale,
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
            "pipe:1",
        ])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "ffmpeg took too long"))??;
    if !output.status.success() {
        return Err(std::io::Error::other(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    Ok(output.stdout)
}

/// A slate card of the video's shape with a play mark.
pub fn placeholder(width: u32, height: u32, thumb_px: u32) -> Vec<u8> {
    let (w, h) = if width >= height {
        (
            thumb_px,
            (thumb_px as u64 * height as u64 / width.max(1) as u64).max(1) as u32,
        )
    } else {
        (
            (thumb_px as u64 * width as u64 / height.max(1) as u64).max(1) as u32,
            thumb_px,
        )
    };
    let (cx, cy, r) = (
        w as f32 / 2.0,
        h as f32 / 2.0,
        (w.min(h) as f32 / 6.0).max(4.0),
    );
    let image = RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        // A triangle pointing right inside a circle.
        let in_circle = dx * dx + dy * dy <= r * r;
        let in_triangle = dx >= -r * 0.4 && dx <= r * 0.55 && dy.abs() <= (r * 0.55 - dx) * 0.6;
        match (in_circle, in_triangle) {
            (true, true) => Rgb([255, 255, 255]),
            (true, false) => Rgb([124, 58, 237]),
            _ => Rgb([39, 39, 42]),
        }
    });
    jpeg(&DynamicImage::ImageRgb8(image)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_reads_bytes_not_names() {
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).unwrap().mime,
            "image/jpeg"
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap(),
            StoredMediaType {
                mime: "image/png",
                extension: "png"
            }
        );
        let pdf = sniff(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3").unwrap_err();
        assert!(pdf.to_string().contains("a PDF file"), "{pdf}");
        assert!(sniff(b"hello").is_err());
    }

    #[test]
    fn a_placeholder_has_the_video_shape() {
        let thumb = placeholder(1080, 1920, 480);
        let image = image::load_from_memory(&thumb).unwrap();
        assert_eq!((image.width(), image.height()), (270, 480));
    }
}
