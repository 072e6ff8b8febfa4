//! Where media-library bytes live: one `object_store` store, the local disk (the `media` folder
//! of the data directory) or an S3-compatible bucket, and the addresses browsers and platforms
//! fetch a file at.
//!
//! Keys: `m/{user}/{sha256}.{ext}` (a file), `t/{user}/{sha256}.jpg` (its thumbnail) and
//! `staging/{upload}/{offset}` (the pieces of an upload in progress; never served).

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::Signer;
use object_store::{
    Attribute, Attributes, GetOptions, GetRange, GetResult, ObjectStore, ObjectStoreExt,
    PutMultipartOptions, PutOptions, PutPayload, WriteMultipart,
};
use tokio::io::AsyncReadExt;

use crate::server::config::{MediaSettings, Settings};

/// The store's failure, logged where it happens; users read a generic message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("media store: {0}")]
    Store(#[from] object_store::Error),
    #[error("media store file: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            StoreError::Store(object_store::Error::NotFound { .. })
        )
    }
}

/// Where files are kept and at which addresses they are fetched.
pub struct MediaStore {
    store: Arc<dyn ObjectStore>,
    /// The bucket, when files are in S3 (it signs GET links for the platforms).
    s3: Option<Arc<AmazonS3>>,
    /// The local store's folder (served at `/media/` by the binary) and the store itself (it
    /// knows where a key's file is).
    local: Option<(PathBuf, Arc<LocalFileSystem>)>,
    /// `{server.public_url}/media`: the address every post carries.
    app_base: String,
    /// S3's public address for the bucket's files, if it has one.
    public_base: Option<String>,
    presign_for: Duration,
    /// Where completed uploads are assembled (always the local disk).
    work_dir: PathBuf,
}

/// How long a file may be cached: keys hold the content hash, so a key's bytes never change.
pub const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

impl MediaStore {
    /// The store the settings describe; a local store's folder is created.
    pub fn from_settings(settings: &Settings) -> Result<Self, StoreError> {
        let media = &settings.media;
        let app_base = format!("{}/media", settings.server.public_url.trim_end_matches('/'));
        let public_base = Some(media.public_base_url.trim().trim_end_matches('/'))
            .filter(|base| !base.is_empty())
            .map(str::to_string);
        let presign_for = Duration::from_secs(media.presigned_url_minutes * 60);
        let work_dir = settings.database.data_dir.join("media-work");
        std::fs::create_dir_all(&work_dir)?;
        if media.uses_s3() {
            let s3 = Arc::new(s3_client(media)?);
            Ok(MediaStore {
                store: s3.clone(),
                s3: Some(s3),
                local: None,
                app_base,
                public_base,
                presign_for,
                work_dir,
            })
        } else {
            let root = settings.database.data_dir.join("media");
            std::fs::create_dir_all(&root)?;
            let root = root.canonicalize()?;
            // Emptied folders (an upload's pieces, a deleted user's files) go too.
            let disk =
                Arc::new(LocalFileSystem::new_with_prefix(&root)?.with_automatic_cleanup(true));
            Ok(MediaStore {
                store: disk.clone(),
                s3: None,
                local: Some((root, disk)),
                app_base,
                public_base: None,
                presign_for,
                work_dir,
            })
        }
    }

    /// "Local disk" or "S3 bucket {name}", for the settings page and logs.
    pub fn describe(&self) -> &'static str {
        if self.s3.is_some() {
            "S3-compatible bucket"
        } else {
            "Local disk"
        }
    }

    /// Where completed uploads are assembled before they are inspected and stored.
    pub fn work_dir(&self) -> &FsPath {
        &self.work_dir
    }

    /// The address a platform fetches `url` at: a library file's own (`platform_url`), any
    /// other address as it is. A link that cannot be signed falls back to this server's.
    pub async fn platform_url_of(&self, url: &str) -> String {
        let Some(key) = url
            .strip_prefix(&self.app_base)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|key| key.starts_with("m/"))
        else {
            return url.to_string();
        };
        match self.platform_url(key).await {
            Ok(address) => address,
            Err(err) => {
                tracing::warn!(error = %err, "could not sign a media link; the platform gets this server's");
                url.to_string()
            }
        }
    }

    /// The folder a local store serves from (`None` for S3).
    pub fn local_root(&self) -> Option<&FsPath> {
        self.local.as_ref().map(|(root, _)| root.as_path())
    }

    /// The address a post carries and a browser loads: this server's `/media/{key}`.
    pub fn app_url(&self, key: &str) -> String {
        format!("{}/{key}", self.app_base)
    }

    /// The address a platform fetches the file at when it publishes: the bucket's public
    /// address, a presigned GET link, or this server's (local disk).
    pub async fn platform_url(&self, key: &str) -> Result<String, StoreError> {
        if let Some(base) = &self.public_base {
            return Ok(format!("{base}/{key}"));
        }
        match &self.s3 {
            Some(s3) => Ok(s3
                .signed_url(http::Method::GET, &Path::from(key), self.presign_for)
                .await?
                .to_string()),
            None => Ok(self.app_url(key)),
        }
    }

    /// Stores `bytes` at `key` (small objects: a piece, a thumbnail).
    pub async fn put(&self, key: &str, bytes: Bytes, content_type: &str) -> Result<(), StoreError> {
        let options = PutOptions {
            attributes: self.attributes(content_type),
            ..Default::default()
        };
        self.store
            .put_opts(&Path::from(key), PutPayload::from(bytes), options)
            .await?;
        Ok(())
    }

    /// Stores the file at `source` under `key`. On the local disk the file is moved into place
    /// (a 4 GB video is written once, not twice); into a bucket (or from a work folder on
    /// another disk) it is sent in parts of `part_bytes` (multipart) and left where it was.
    /// The caller removes whatever is left at `source`.
    pub async fn put_file(
        &self,
        key: &str,
        source: &FsPath,
        content_type: &str,
        part_bytes: usize,
    ) -> Result<(), StoreError> {
        if let Some((root, disk)) = &self.local {
            // Where the store itself keeps `key` (it encodes path segments).
            let target = disk.path_to_filesystem(&Path::from(key))?;
            let dir = target.parent().unwrap_or(root);
            // Retried: the store removes a folder once it is empty (the user's last file
            // deleted meanwhile), and that can fall between creating it and moving in.
            let mut attempts = 0;
            loop {
                attempts += 1;
                tokio::fs::create_dir_all(dir).await?;
                // Atomic, like the store's own writes: a reader sees no file or all of it.
                match tokio::fs::rename(source, &target).await {
                    Ok(()) => return Ok(()),
                    // The work folder is on another disk (a mount inside the data folder).
                    Err(err) if err.kind() == std::io::ErrorKind::CrossesDevices => break,
                    Err(err) => {
                        let folder_went = err.kind() == std::io::ErrorKind::NotFound
                            && attempts < 5
                            && tokio::fs::try_exists(source).await.unwrap_or(false);
                        if !folder_went {
                            return Err(err.into());
                        }
                    }
                }
            }
        }
        let options = PutMultipartOptions {
            attributes: self.attributes(content_type),
            ..Default::default()
        };
        let upload = self
            .store
            .put_multipart_opts(&Path::from(key), options)
            .await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, part_bytes);
        let mut file = tokio::fs::File::open(source).await?;
        let mut buffer = vec![0u8; 1024 * 1024];
        loop {
            let read = match file.read(&mut buffer).await {
                Ok(read) => read,
                Err(err) => {
                    let _ = writer.abort().await;
                    return Err(err.into());
                }
            };
            if read == 0 {
                break;
            }
            if let Err(err) = writer.wait_for_capacity(4).await {
                let _ = writer.abort().await;
                return Err(err.into());
            }
            writer.write(&buffer[..read]);
        }
        writer.finish().await?;
        Ok(())
    }

    /// The object at `key`, whole or the byte `range` of it.
    pub async fn get(&self, key: &str, range: Option<GetRange>) -> Result<GetResult, StoreError> {
        let options = GetOptions {
            range,
            ..Default::default()
        };
        Ok(self.store.get_opts(&Path::from(key), options).await?)
    }

    /// Its bytes, whole.
    pub async fn read(&self, key: &str) -> Result<Bytes, StoreError> {
        Ok(self.store.get(&Path::from(key)).await?.bytes().await?)
    }

    pub async fn exists(&self, key: &str) -> Result<bool, StoreError> {
        match self.store.head(&Path::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    /// Deletes `key`; one that is already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// The keys under `prefix` (a folder: `staging/{upload}`), in key order.
    pub async fn keys_under(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys: Vec<String> = self
            .store
            .list(Some(&Path::from(prefix)))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await?;
        keys.sort();
        Ok(keys)
    }

    /// The upload folders waiting in staging (`staging/{upload}`), by upload id.
    pub async fn staged_uploads(&self) -> Result<Vec<String>, StoreError> {
        let listing = self
            .store
            .list_with_delimiter(Some(&Path::from("staging")))
            .await?;
        Ok(listing
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect())
    }

    /// When anything under `prefix` last changed (`None`: nothing is there).
    pub async fn last_modified_under(
        &self,
        prefix: &str,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, StoreError> {
        let newest = self
            .store
            .list(Some(&Path::from(prefix)))
            .try_fold(
                None,
                |newest: Option<chrono::DateTime<chrono::Utc>>, meta| async move {
                    Ok(Some(
                        newest.map_or(meta.last_modified, |n| n.max(meta.last_modified)),
                    ))
                },
            )
            .await?;
        Ok(newest)
    }

    /// Deletes everything under `prefix`.
    pub async fn delete_under(&self, prefix: &str) -> Result<(), StoreError> {
        let keys = self.keys_under(prefix).await?;
        let mut deletions = futures::stream::iter(keys)
            .map(|key| async move { self.delete(&key).await })
            .buffer_unordered(8);
        while let Some(result) = deletions.next().await {
            result?;
        }
        Ok(())
    }

    /// S3 keeps the type and a year-long cache on the object (so its public or presigned
    /// address serves them); the local disk takes no attributes (the binary sets them).
    fn attributes(&self, content_type: &str) -> Attributes {
        let mut attributes = Attributes::new();
        if self.s3.is_some() {
            attributes.insert(Attribute::ContentType, content_type.to_string().into());
            attributes.insert(Attribute::CacheControl, CACHE_FOREVER.into());
        }
        attributes
    }
}

fn s3_client(media: &MediaSettings) -> Result<AmazonS3, StoreError> {
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(media.s3_bucket.trim())
        .with_region(media.s3_region.trim());
    let endpoint = media.s3_endpoint.trim();
    if !endpoint.is_empty() {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            // MinIO, moto and most S3-compatible servers address buckets by path.
            .with_virtual_hosted_style_request(false);
    }
    if !media.s3_access_key_id.is_empty() {
        builder = builder
            .with_access_key_id(media.s3_access_key_id.trim())
            .with_secret_access_key(media.s3_secret_access_key.trim());
    }
    Ok(builder.build()?)
}

/// A piece's key: offsets are zero-padded so key order is byte order.
pub fn staging_key(upload: uuid::Uuid, offset: i64) -> String {
    format!("staging/{}/{offset:016}", upload.simple())
}

pub fn staging_prefix(upload: uuid::Uuid) -> String {
    format!("staging/{}", upload.simple())
}
