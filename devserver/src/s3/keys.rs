//! Object keys that name a plain relative path, enforced before s3s-fs touches the disk.
//!
//! s3s-fs joins `<bucket>/<key>` and normalises the result (`absolutize_virtually`), so a key
//! `org-1/../org-2/x` is stored as `org-2/x`, and `org-1/../../other-bucket/x` lands in another
//! bucket. A POST policy's `["starts-with", "$key", "org-1/"]` is a textual check that such a key
//! passes. So every key an operation names (in the path, in a POST form, in a copy source, in a
//! multi-object delete) must be a relative path of non-empty segments other than `.` and `..`,
//! or the request gets `400 InvalidArgument` and nothing is read or written.
//!
//! The check is an [`s3s::access::S3Access`]: s3s calls `check` after authentication for every
//! operation (there the key comes from the path), and the per-operation hooks with the parsed
//! input, just before it calls s3s-fs (there the key of a POST form is known: s3s has verified
//! the signature and the policy by then, and holds the file in memory; nothing is on disk yet).

use s3s::access::{S3Access, S3AccessContext};
use s3s::dto::{
    CompleteMultipartUploadInput, CopyObjectInput, CopySource, CreateMultipartUploadInput, DeleteObjectsInput,
    PostObjectInput, PutObjectInput, UploadPartCopyInput, UploadPartInput,
};
use s3s::path::S3Path;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Result};

/// Why `key` is refused, or `None` for a plain relative path. Never quotes the key: it arrives
/// in a presigned form, and the answer goes back to whoever sent it, logs included.
pub fn key_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("is empty");
    }
    if key.starts_with('/') {
        return Some("starts with `/`");
    }
    if key.contains('\\') {
        return Some("contains a backslash");
    }
    if key.chars().any(char::is_control) {
        return Some("contains a control character");
    }
    for seg in key.split('/') {
        match seg {
            "" => return Some("has an empty segment (`//` or a trailing `/`)"),
            "." => return Some("has a `.` segment"),
            ".." => return Some("has a `..` segment"),
            // s3s-fs writes an upload in progress to `.tmp.<id>.internal.part` next to it.
            s if s.starts_with(".tmp.") => return Some("has a segment starting with `.tmp.`, which the server reserves"),
            _ => {}
        }
    }
    None
}

/// The S3 error for a refused key: `400 InvalidArgument`, saying what is wrong and why.
pub fn refused(problem: &str) -> S3Error {
    S3Error::with_message(
        S3ErrorCode::InvalidArgument,
        format!(
            "The object key {problem}. Keys must be relative paths of non-empty segments other than `.` and `..`, \
             so that a key under one prefix can never name an object under another."
        ),
    )
}

fn check_key(key: &str) -> S3Result<()> {
    key_problem(key).map_or(Ok(()), |p| Err(refused(p)))
}

fn check_copy_source(source: &CopySource) -> S3Result<()> {
    match source {
        CopySource::Bucket { key, .. } | CopySource::AccessPoint { key, .. } | CopySource::Outpost { key, .. } => check_key(key),
    }
}

/// The access policy of the embedded S3: signed requests only (s3s's default), and safe keys.
pub struct KeyGuard;

#[async_trait::async_trait]
impl S3Access for KeyGuard {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        // s3s's own default: anonymous requests are refused.
        if cx.credentials().is_none() {
            return Err(S3Error::with_message(S3ErrorCode::AccessDenied, "Signature is required"));
        }
        match cx.s3_path() {
            S3Path::Object { key, .. } => check_key(key),
            _ => Ok(()),
        }
    }

    // A POST form reaches both this hook and `post_object` (s3s converts it to a put first).
    async fn put_object(&self, req: &mut S3Request<PutObjectInput>) -> S3Result<()> {
        check_key(&req.input.key)
    }

    async fn post_object(&self, req: &mut S3Request<PostObjectInput>) -> S3Result<()> {
        check_key(&req.input.key)
    }

    async fn copy_object(&self, req: &mut S3Request<CopyObjectInput>) -> S3Result<()> {
        check_key(&req.input.key)?;
        check_copy_source(&req.input.copy_source)
    }

    async fn create_multipart_upload(&self, req: &mut S3Request<CreateMultipartUploadInput>) -> S3Result<()> {
        check_key(&req.input.key)
    }

    async fn upload_part(&self, req: &mut S3Request<UploadPartInput>) -> S3Result<()> {
        check_key(&req.input.key)
    }

    async fn upload_part_copy(&self, req: &mut S3Request<UploadPartCopyInput>) -> S3Result<()> {
        check_key(&req.input.key)?;
        check_copy_source(&req.input.copy_source)
    }

    async fn complete_multipart_upload(&self, req: &mut S3Request<CompleteMultipartUploadInput>) -> S3Result<()> {
        check_key(&req.input.key)
    }

    async fn delete_objects(&self, req: &mut S3Request<DeleteObjectsInput>) -> S3Result<()> {
        req.input.delete.objects.iter().try_for_each(|o| check_key(&o.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_relative_keys_pass() {
        for ok in ["org-1/a.wav", "a", "org-1/2025/01/x.bin", "org-1/.hidden", "org-1/..x", "org-1/x..", "o/a b"] {
            assert_eq!(key_problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn keys_that_could_leave_their_prefix_are_refused() {
        for (bad, why) in [
            ("", "empty"),
            ("/org-2/x", "starts with `/`"),
            ("org-1/../org-2/x", "`..`"),
            ("..", "`..`"),
            ("org-1/..", "`..`"),
            ("org-1/./x", "`.`"),
            ("./x", "`.`"),
            ("org-1//x", "empty segment"),
            ("org-1/", "empty segment"),
            ("org-1\\..\\org-2", "backslash"),
            ("org-1/\0x", "control"),
            ("org-1/\nx", "control"),
            ("org-1/.tmp.1.internal.part", "reserves"),
        ] {
            let p = key_problem(bad).unwrap_or_else(|| panic!("{bad:?} passed"));
            assert!(p.contains(why), "{bad:?}: {p}");
        }
    }

    #[test]
    fn the_error_is_invalid_argument_and_never_quotes_the_key() {
        let e = refused(key_problem("org-1/../secret-org/x").unwrap());
        assert_eq!(e.code(), &S3ErrorCode::InvalidArgument);
        let m = e.message().unwrap();
        assert!(m.contains("`..` segment") && !m.contains("secret-org"), "{m}");
    }
}
