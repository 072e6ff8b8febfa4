//! The media library's machinery: the store the bytes live in (`storage`) and what a file is
//! (`inspect`). The rules (quota, dedupe, who may delete what) are the `media` service's.

pub mod inspect;
pub mod storage;

pub use storage::MediaStore;
