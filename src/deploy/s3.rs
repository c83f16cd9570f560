//! The bucket side of a deploy: list, upload, delete, and invalidate CloudFront, through the
//! official AWS SDK.
//!
//! Credentials, region and endpoint come from where every AWS tool reads them
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_PROFILE` and the
//! shared config files, SSO, `AWS_REGION`, `AWS_ENDPOINT_URL`), with the target's `region` and
//! `endpoint` keys first. A custom endpoint (MinIO, R2, a test server) gets path-style
//! addressing, which every S3-compatible service accepts. The SDK is async; this module runs it
//! on a small runtime of its own so the rest of archsite stays synchronous.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::plan::{self, LocalFile, RemoteObject};
use super::settings::DeployTarget;

/// How many uploads run at once.
const PARALLEL_UPLOADS: usize = 8;
/// The metadata key (`x-amz-meta-md5`) holding the MD5 of the uploaded body, which the ETag is
/// not for multipart or KMS-encrypted objects.
const MD5_KEY: &str = "md5";

/// A connection to the target's bucket (and CloudFront, when the target names a distribution).
pub struct Remote {
    rt: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    bucket: String,
    prefix: String,
    /// Where requests go, for error messages: the custom endpoint or "AWS".
    endpoint: String,
}

/// A failed SDK call as one readable line: the service's code and message, or the chain of
/// causes of a failure to reach it (connection refused, timeout, no credentials found).
fn explain<E, R>(what: &str, e: SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    if let SdkError::ServiceError(service) = &e {
        let err = service.err();
        let code = err.code().unwrap_or("error");
        let hint = match code {
            "InvalidAccessKeyId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "AccessDenied"
            | "InvalidToken" => {
                "; check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ~/.aws/credentials)"
            }
            "NoSuchBucket" => "; check the bucket in the target's url",
            _ => "",
        };
        return format!(
            "{what}: {} ({code}){hint}",
            err.message().unwrap_or("the service refused the request")
        );
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    format!("{what}: {text}")
}

impl Remote {
    /// Reads the AWS settings and makes the clients; nothing is sent yet.
    pub fn connect(target: &DeployTarget) -> Result<Remote, String> {
        let (bucket, prefix) = target.location()?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the network runtime: {e}"))?;
        let region = RegionProviderChain::first_try(
            (!target.region.is_empty()).then(|| Region::new(target.region.clone())),
        )
        .or_default_provider()
        .or_else(Region::from_static("us-east-1"));
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).region(region);
        if !target.endpoint.is_empty() {
            loader = loader.endpoint_url(&target.endpoint);
        }
        let sdk = rt.block_on(loader.load());
        let endpoint = sdk.endpoint_url().map(str::to_string);
        let s3_conf = aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(endpoint.is_some())
            // Checksums only where S3 requires them: S3-compatible services do not all read the
            // newer checksum headers.
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .build();
        Ok(Remote {
            s3: aws_sdk_s3::Client::from_conf(s3_conf),
            cloudfront: aws_sdk_cloudfront::Client::new(&sdk),
            rt,
            bucket,
            prefix,
            endpoint: endpoint.unwrap_or_else(|| "AWS".into()),
        })
    }

    /// `s3://bucket/prefix`, for messages.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    /// Every object under the prefix.
    pub fn list(&self) -> Result<Vec<RemoteObject>, String> {
        self.rt.block_on(async {
            let mut out = Vec::new();
            let mut pages = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&self.prefix)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| {
                    explain(
                        &format!("cannot list {} at {}", self.url(), self.endpoint),
                        e,
                    )
                })?;
                for o in page.contents() {
                    let Some(key) = o.key() else { continue };
                    let Some(path) = key.strip_prefix(&self.prefix) else {
                        continue;
                    };
                    out.push(RemoteObject {
                        path: path.to_string(),
                        size: o.size().unwrap_or(0).max(0) as u64,
                        etag: o.e_tag().unwrap_or("").trim_matches('"').to_string(),
                    });
                }
            }
            Ok(out)
        })
    }

    /// The MD5 archsite stored in the metadata of the object at `path`, if any.
    pub fn stored_md5(&self, path: &str) -> Result<Option<String>, String> {
        let key = format!("{}{path}", self.prefix);
        self.rt.block_on(async {
            let head = self
                .s3
                .head_object()
                .bucket(&self.bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| explain(&format!("cannot read s3://{}/{key}", self.bucket), e))?;
            Ok(head.metadata().and_then(|m| m.get(MD5_KEY)).cloned())
        })
    }

    /// Uploads `files` from `root`, several at once, calling `done` with each file's size as it
    /// lands. Stops at the first failure, which it returns.
    pub fn upload(
        &self,
        root: &Path,
        files: &[LocalFile],
        done: &(dyn Fn(u64) + Sync),
    ) -> Result<(), String> {
        let root: Arc<PathBuf> = Arc::new(root.to_path_buf());
        self.rt.block_on(async {
            let mut queue = files.iter();
            let mut running = tokio::task::JoinSet::new();
            loop {
                while running.len() < PARALLEL_UPLOADS {
                    let Some(file) = queue.next() else { break };
                    running.spawn(put(
                        self.s3.clone(),
                        self.bucket.clone(),
                        format!("{}{}", self.prefix, file.path),
                        root.clone(),
                        file.clone(),
                    ));
                }
                let Some(result) = running.join_next().await else {
                    return Ok(());
                };
                match result {
                    Ok(Ok(size)) => done(size),
                    Ok(Err(e)) => {
                        running.abort_all();
                        return Err(e);
                    }
                    Err(e) => {
                        running.abort_all();
                        return Err(format!("an upload stopped: {e}"));
                    }
                }
            }
        })
    }

    /// Deletes the objects at `paths`, a thousand per request.
    pub fn delete(&self, paths: &[String]) -> Result<(), String> {
        self.rt.block_on(async {
            for batch in paths.chunks(1000) {
                let objects = batch
                    .iter()
                    .map(|p| {
                        ObjectIdentifier::builder()
                            .key(format!("{}{p}", self.prefix))
                            .build()
                            .map_err(|e| e.to_string())
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let delete = Delete::builder()
                    .set_objects(Some(objects))
                    .quiet(true)
                    .build()
                    .map_err(|e| e.to_string())?;
                let out = self
                    .s3
                    .delete_objects()
                    .bucket(&self.bucket)
                    .delete(delete)
                    .send()
                    .await
                    .map_err(|e| explain(&format!("cannot delete from {}", self.url()), e))?;
                if let Some(err) = out.errors().first() {
                    return Err(format!(
                        "cannot delete s3://{}/{}: {}",
                        self.bucket,
                        err.key().unwrap_or("?"),
                        err.message().unwrap_or("refused")
                    ));
                }
            }
            Ok(())
        })
    }

    /// Asks CloudFront to forget `paths` in `distribution`; returns the invalidation id.
    pub fn invalidate(&self, distribution: &str, paths: &[String]) -> Result<String, String> {
        use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
        let reference = format!(
            "archsite-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        );
        let batch = InvalidationBatch::builder()
            .paths(
                Paths::builder()
                    .quantity(paths.len() as i32)
                    .set_items(Some(paths.to_vec()))
                    .build()
                    .map_err(|e| e.to_string())?,
            )
            .caller_reference(reference)
            .build()
            .map_err(|e| e.to_string())?;
        self.rt.block_on(async {
            let out = self
                .cloudfront
                .create_invalidation()
                .distribution_id(distribution)
                .invalidation_batch(batch)
                .send()
                .await
                .map_err(|e| {
                    explain(
                        &format!("cannot invalidate CloudFront distribution {distribution}"),
                        e,
                    )
                })?;
            Ok(out
                .invalidation()
                .map(|i| i.id().to_string())
                .unwrap_or_default())
        })
    }
}

/// Uploads one file with its headers and its MD5 in the metadata; returns its size.
async fn put(
    s3: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    root: Arc<PathBuf>,
    file: LocalFile,
) -> Result<u64, String> {
    let bytes = plan::body(&root, &file.path, file.gzip)
        .map_err(|e| format!("{}: {e}", root.join(&file.path).display()))?;
    s3.put_object()
        .bucket(&bucket)
        .key(&key)
        .body(ByteStream::from(bytes))
        .content_type(&file.content_type)
        .cache_control(&file.cache_control)
        .set_content_encoding(file.gzip.then(|| "gzip".to_string()))
        .metadata(MD5_KEY, &file.md5)
        .send()
        .await
        .map_err(|e| explain(&format!("cannot upload s3://{bucket}/{key}"), e))?;
    Ok(file.size)
}
