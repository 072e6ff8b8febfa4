//! What the media-library tests (`media.rs`) upload and where they look afterwards: photos made
//! with the `image` crate, videos whose MP4 boxes are written by hand, a PDF, a photo that
//! declares a huge picture; and the two stores every scenario runs on, the local disk and an
//! S3 bucket of one `moto_server` shared by the whole test process.

use std::io::{Cursor, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use app::server::config::Settings;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use uuid::Uuid;

use crate::helpers::{spawn_app_with, TestApp};

/// Where an app under test keeps its media-library files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// The `media` folder of the test's data directory.
    Local,
    /// A bucket of its own on the moto server.
    S3,
}

/// Pieces of 5 MiB on both stores (the smallest S3 takes): a file of a few MiB is sent in
/// several.
pub const CHUNK_MB: u64 = 5;

/// An app under test whose media folders go with it. (The harness removes a SQLite test's
/// data directory; a PostgreSQL test's stays, and would keep the files it uploaded.)
pub struct MediaApp(TestApp);

impl std::ops::Deref for MediaApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.0
    }
}

impl Drop for MediaApp {
    fn drop(&mut self) {
        let data_dir = &self.0.state.settings.database.data_dir;
        for folder in ["media", "media-work"] {
            let _ = std::fs::remove_dir_all(data_dir.join(folder));
        }
    }
}

/// The app with its files on `store`.
pub async fn media_app(store: Store) -> MediaApp {
    media_app_with(store, |_| {}).await
}

/// The app with its files on `store`, then `adjust`.
pub async fn media_app_with(store: Store, adjust: impl FnOnce(&mut Settings)) -> MediaApp {
    let bucket = match store {
        Store::Local => None,
        Store::S3 => Some(new_bucket().await),
    };
    let app = spawn_app_with(move |s| {
        s.media.chunk_mb = CHUNK_MB;
        if let Some(bucket) = bucket {
            s.media.storage = "s3".into();
            s.media.s3_endpoint = moto_endpoint().to_string();
            s.media.s3_bucket = bucket;
            s.media.s3_region = "us-east-1".into();
            s.media.s3_access_key_id = "testing".into();
            s.media.s3_secret_access_key = "testing".into();
        }
        adjust(s);
    })
    .await;
    MediaApp(app)
}

/// Every object the app's store holds, sorted (`m/…`, `t/…`, `staging/…`).
pub async fn stored_keys(app: &TestApp) -> Vec<String> {
    let media = &app.state.settings.media;
    let mut keys = if media.storage == "s3" {
        bucket_keys(&media.s3_endpoint, &media.s3_bucket).await
    } else {
        let root = app.state.settings.database.data_dir.join("media");
        files_under(&root)
            .into_iter()
            .map(|path| {
                path.strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    };
    keys.sort();
    keys
}

/// Files left in the folder where completed uploads are assembled (the local disk, whatever
/// the store).
pub fn work_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.state.settings.database.data_dir.join("media-work"))
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

// Photos.

/// A deterministic pattern: `seed` changes every pixel, so two seeds never give the same file.
pub fn picture(width: u32, height: u32, seed: u32) -> RgbImage {
    let mut state = 0x9E37_79B9u32.wrapping_mul(seed.wrapping_add(1));
    RgbImage::from_fn(width, height, |x, y| {
        // A little noise on a gradient: realistic sizes, cheap to encode.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state & 0x1F) as u8;
        Rgb([
            (x.wrapping_mul(255) / width.max(1)) as u8 ^ seed as u8,
            (y.wrapping_mul(255) / height.max(1)) as u8 ^ noise,
            ((x ^ y) as u8).wrapping_add((seed as u8).wrapping_mul(37)),
        ])
    })
}

pub fn jpeg(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&picture(width, height, seed))
        .unwrap();
    out
}

pub fn png(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(width, height, seed)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

/// A lossless WebP.
pub fn webp(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(width, height, seed)
        .write_to(&mut out, ImageFormat::WebP)
        .unwrap();
    out.into_inner()
}

pub fn gif(width: u32, height: u32, seed: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(picture(width, height, seed))
        .to_rgba8()
        .write_to(&mut out, ImageFormat::Gif)
        .unwrap();
    out.into_inner()
}

/// A JPEG of `width` × `height` that weighs exactly `total` bytes: comment segments (which
/// decoders skip) full of noise after its start marker. A big file that decodes quickly.
pub fn padded_jpeg(width: u32, height: u32, seed: u32, total: usize) -> Vec<u8> {
    let photo = jpeg(width, height, seed);
    assert!(total >= photo.len() + 4, "{total} bytes is too small");
    let mut padding = total - photo.len();
    let mut noise = Noise::new(seed as u64);
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&photo[..2]); // SOI
    while padding > 0 {
        // A segment is its marker (2), its length (2, counting itself) and at most 65533
        // bytes; the last one takes what is left (at least 4 bytes).
        let mut take = padding.min(4 + 65_533);
        if padding - take > 0 && padding - take < 4 {
            take -= 4;
        }
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&((take - 2) as u16).to_be_bytes());
        out.extend(noise.bytes(take - 4));
        padding -= take;
    }
    out.extend_from_slice(&photo[2..]);
    assert_eq!(out.len(), total);
    out
}

/// A valid PNG signature and header declaring `width` × `height` pixels (with their real
/// checksums), then a tiny compressed picture: a few hundred bytes that would need gigabytes
/// once decoded.
pub fn png_bomb(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no interlace
    png_chunk(&mut out, b"IHDR", &header);
    // The first row's filter byte and a few black pixels, as a zlib stream of one stored block.
    let raw = [0u8; 64];
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend_from_slice(&(raw.len() as u16).to_le_bytes());
    zlib.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    png_chunk(&mut out, b"IDAT", &zlib);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut checked = kind.to_vec();
    checked.extend_from_slice(data);
    out.extend_from_slice(&checked);
    out.extend_from_slice(&crc32(&checked).to_be_bytes());
}

/// CRC-32 (IEEE), as PNG chunks carry it.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + byte as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// A PDF (what `infer` reads as one), whatever name it is uploaded under.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
      2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        .to_vec()
}

// Videos.

/// A minimal MP4: `ftyp`, `moov` (`mvhd` with its timescale and duration, one `trak` whose
/// `tkhd` has the picture's size) and an `mdat` of noise (`seed`).
pub fn mp4(width: u32, height: u32, duration_ms: u32, seed: u64) -> Vec<u8> {
    movie(width, height, duration_ms, seed, false)
}

/// A phone's MOV: the QuickTime brand, version 1 headers (64-bit times) and a picture of
/// `width` × `height` filmed upright (the track's matrix turns it a quarter).
pub fn phone_mov(width: u32, height: u32, duration_ms: u32, seed: u64) -> Vec<u8> {
    movie(width, height, duration_ms, seed, true)
}

fn movie(width: u32, height: u32, duration_ms: u32, seed: u64, phone: bool) -> Vec<u8> {
    const TIMESCALE: u32 = 600;
    let duration = duration_ms as u64 * TIMESCALE as u64 / 1000;
    let identity: [u32; 9] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000];
    let quarter_turn: [u32; 9] = [0, 0x0001_0000, 0, 0xFFFF_0000, 0, 0, 0, 0, 0x4000_0000];
    let (brand, version, matrix) = if phone {
        (b"qt  ", 1u8, quarter_turn)
    } else {
        (b"isom", 0u8, identity)
    };
    // Times and durations: 32 bits in version 0, 64 in version 1.
    let time = |out: &mut Vec<u8>, value: u64| {
        if version == 1 {
            out.extend_from_slice(&value.to_be_bytes());
        } else {
            out.extend_from_slice(&(value as u32).to_be_bytes());
        }
    };

    let mut ftyp = brand.to_vec();
    ftyp.extend_from_slice(&0x200u32.to_be_bytes());
    for compatible in [brand, b"isom", b"iso2", b"mp41"] {
        ftyp.extend_from_slice(compatible);
    }

    let mut mvhd = vec![version, 0, 0, 0];
    time(&mut mvhd, 0); // created
    time(&mut mvhd, 0); // modified
    mvhd.extend_from_slice(&TIMESCALE.to_be_bytes());
    time(&mut mvhd, duration);
    mvhd.extend_from_slice(&0x0001_0000u32.to_be_bytes()); // rate 1.0
    mvhd.extend_from_slice(&0x0100u16.to_be_bytes()); // volume 1.0
    mvhd.extend_from_slice(&[0; 10]);
    for cell in identity {
        mvhd.extend_from_slice(&cell.to_be_bytes());
    }
    mvhd.extend_from_slice(&[0; 24]); // pre-defined
    mvhd.extend_from_slice(&2u32.to_be_bytes()); // next track id
    assert_eq!(mvhd.len(), if phone { 112 } else { 100 });

    let mut tkhd = vec![version, 0, 0, 3]; // enabled, in the movie
    time(&mut tkhd, 0); // created
    time(&mut tkhd, 0); // modified
    tkhd.extend_from_slice(&1u32.to_be_bytes()); // track id
    tkhd.extend_from_slice(&0u32.to_be_bytes()); // reserved
    time(&mut tkhd, duration);
    tkhd.extend_from_slice(&[0; 8]); // reserved
    tkhd.extend_from_slice(&[0; 8]); // layer, alternate group, volume, reserved
    for cell in matrix {
        tkhd.extend_from_slice(&cell.to_be_bytes());
    }
    tkhd.extend_from_slice(&(width << 16).to_be_bytes());
    tkhd.extend_from_slice(&(height << 16).to_be_bytes());
    assert_eq!(tkhd.len(), if phone { 96 } else { 84 });

    let trak = mp4_box(b"trak", &mp4_box(b"tkhd", &tkhd));
    let mut moov = mp4_box(b"mvhd", &mvhd);
    moov.extend(trak);

    let mut out = mp4_box(b"ftyp", &ftyp);
    out.extend(mp4_box(b"moov", &moov));
    out.extend(mp4_box(b"mdat", &Noise::new(seed).bytes(4096)));
    out
}

fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

/// xorshift64: reproducible filler.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1)
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            out.extend_from_slice(&self.0.to_le_bytes());
        }
        out.truncate(n);
        out
    }
}

// The S3 side: one moto server for the whole test process.

struct Moto {
    endpoint: String,
    /// The shell that started the server, with the server's lifeline, the shell's standard
    /// input: the shell stops the server when that pipe closes, which the kernel does when the
    /// test process ends, however it ends (a static is never dropped, so dropping a child
    /// handle could not do it).
    _shell: Mutex<Child>,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

/// `http://127.0.0.1:{port}` of the moto server, started on first use. Panics when moto is
/// not installed: the S3 half of the suite must fail, never be skipped.
pub fn moto_endpoint() -> &'static str {
    &MOTO.get_or_init(start_moto).endpoint
}

fn moto_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("POSTPILOT_MOTO_SERVER").filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "POSTPILOT_MOTO_SERVER is {}, which is not a file",
            path.display()
        );
        return path;
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("moto_server"));
    // Where the project's setup script installs it (a virtualenv per moto version).
    let cached = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache/postpilot/python"))
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("moto"))
        .map(|entry| entry.path().join("bin/moto_server"));
    on_path
        .chain(cached)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "moto_server was not found: the media-library tests run every scenario on S3 \
             through moto. Install it (pip install 'moto[server]') or set \
             POSTPILOT_MOTO_SERVER to the moto_server executable."
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_moto() -> Moto {
    let binary = moto_binary();
    let port = free_port();
    let log =
        std::env::temp_dir().join(format!("postpilot-moto-{}-{port}.log", std::process::id()));
    // `sh` starts the server in the background (its standard input is /dev/null then) and
    // waits for its own standard input, our pipe, to close before stopping it and deleting its
    // log.
    let shell = Command::new("sh")
        .arg("-c")
        .arg(r#""$0" -H 127.0.0.1 -p "$1" >"$2" 2>&1 & server=$!; cat >/dev/null; kill "$server"; rm -f "$2""#)
        .arg(&binary)
        .arg(port.to_string())
        .arg(&log)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !answers_http(port) {
        if Instant::now() > deadline {
            panic!(
                "{} did not answer on port {port} within 60 s; its output ({}):\n{}",
                binary.display(),
                log.display(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        _shell: Mutex::new(shell),
    }
}

/// Whether `GET /` on the port gets an HTTP answer (blocking: it runs once, before any test
/// uses S3).
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

/// A new, empty bucket on the moto server.
pub async fn new_bucket() -> String {
    let bucket = format!("pp-media-{}", Uuid::new_v4().simple());
    let res = reqwest::Client::new()
        .put(format!("{}/{bucket}", moto_endpoint()))
        .send()
        .await
        .expect("moto answers");
    assert!(res.status().is_success(), "create bucket: {}", res.status());
    bucket
}

/// The keys in a bucket (moto answers unsigned requests).
async fn bucket_keys(endpoint: &str, bucket: &str) -> Vec<String> {
    let res = reqwest::Client::new()
        .get(format!("{endpoint}/{bucket}?list-type=2&max-keys=1000"))
        .send()
        .await
        .expect("moto answers");
    assert!(res.status().is_success(), "list bucket: {}", res.status());
    let xml = res.text().await.unwrap();
    assert!(
        !xml.contains("<IsTruncated>true</IsTruncated>"),
        "more than 1000 objects"
    );
    xml.split("<Key>")
        .skip(1)
        .map(|rest| rest.split("</Key>").next().unwrap().to_string())
        .collect()
}
