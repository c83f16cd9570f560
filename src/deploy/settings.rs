//! The `[deploy]` table of `site.toml`: where `archsite deploy` uploads the site, and how.
//!
//! The types live here, beside the code that uses them, and [`crate::config::Config`] holds
//! them as its `deploy` key, so a typo in a target is an error naming the key like any other.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Problem;

/// The `[deploy]` table.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeployConfig {
    /// Places to deploy to; `archsite deploy` without `--target` uses the first.
    pub targets: Vec<DeployTarget>,
}

/// The number of remote files a deploy deletes before it asks for `--force`.
pub const DEFAULT_MAX_DELETES: u64 = 256;

fn default_max_deletes() -> u64 {
    DEFAULT_MAX_DELETES
}

/// One `[[deploy.targets]]` entry: an S3 bucket (and optional prefix) and its settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeployTarget {
    /// Name given to `--target`.
    pub name: String,
    /// `s3://bucket` or `s3://bucket/prefix`.
    pub url: String,
    /// AWS region of the bucket; empty means `AWS_REGION` or the profile's region.
    #[serde(default)]
    pub region: String,
    /// S3-compatible endpoint (MinIO, R2); empty means `AWS_ENDPOINT_URL` or AWS itself.
    #[serde(default)]
    pub endpoint: String,
    /// CloudFront distribution to invalidate the changed paths of; empty for none.
    #[serde(default)]
    pub cloudfront_distribution_id: String,
    /// Most remote files one deploy may delete without `--force`.
    #[serde(default = "default_max_deletes")]
    pub max_deletes: u64,
    /// Upload text files gzip-compressed with `Content-Encoding: gzip`.
    #[serde(default)]
    pub gzip: bool,
    /// `Cache-Control` by file pattern; the first matching rule wins over the defaults.
    #[serde(default)]
    pub cache_control: Vec<CacheRule>,
}

/// A `Cache-Control` value for the files matching a pattern.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheRule {
    /// Glob over the path from the output folder: `*` stays within a folder, `**` crosses them.
    pub pattern: String,
    /// The header value, e.g. `public, max-age=3600`.
    pub value: String,
}

impl DeployConfig {
    /// A target with every key set, so that key listings name them all.
    pub fn with_every_key() -> DeployConfig {
        DeployConfig {
            targets: vec![DeployTarget {
                name: "prod".into(),
                url: "s3://bucket".into(),
                region: String::new(),
                endpoint: String::new(),
                cloudfront_distribution_id: String::new(),
                max_deletes: DEFAULT_MAX_DELETES,
                gzip: false,
                cache_control: vec![CacheRule {
                    pattern: "images/**".into(),
                    value: "public, max-age=86400".into(),
                }],
            }],
        }
    }

    /// Checks names, URLs and patterns; problems name `file`.
    pub fn validate(&self, file: &Path, problems: &mut Vec<Problem>) {
        let mut seen = std::collections::HashSet::new();
        for t in &self.targets {
            let mut error = |m: String| problems.push(Problem::error(file, None, m));
            if t.name.trim().is_empty() {
                error("deploy target names must not be empty".into());
            } else if !seen.insert(t.name.as_str()) {
                error(format!("deploy target `{}` is declared twice", t.name));
            }
            if let Err(m) = t.location() {
                error(format!("deploy target `{}`: {m}", t.name));
            }
            let is_url = t.endpoint.starts_with("http://") || t.endpoint.starts_with("https://");
            if !(t.endpoint.is_empty() || is_url) {
                error(format!(
                    "deploy target `{}`: endpoint `{}` must start with http:// or https://",
                    t.name, t.endpoint
                ));
            }
            for rule in &t.cache_control {
                if let Err(e) = glob::Pattern::new(&rule.pattern) {
                    error(format!(
                        "deploy target `{}`: cache_control pattern `{}`: {e}",
                        t.name, rule.pattern
                    ));
                }
            }
        }
    }
}

impl DeployTarget {
    /// The bucket and key prefix (empty, or ending with `/`) of `url`.
    pub fn location(&self) -> Result<(String, String), String> {
        let rest = self.url.strip_prefix("s3://").ok_or_else(|| {
            format!(
                "url `{}` must look like s3://bucket or s3://bucket/prefix",
                self.url
            )
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("url `{}` names no bucket", self.url));
        }
        let prefix = prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        Ok((bucket.to_string(), prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> DeployTarget {
        let mut t = DeployConfig::with_every_key().targets.remove(0);
        t.url = url.into();
        t
    }

    #[test]
    fn urls_split_into_bucket_and_prefix() {
        assert_eq!(target("s3://b").location(), Ok(("b".into(), String::new())));
        assert_eq!(
            target("s3://b/docs/v1/").location(),
            Ok(("b".into(), "docs/v1/".into()))
        );
        assert!(target("https://b").location().is_err());
        assert!(target("s3:///x").location().is_err());
    }

    #[test]
    fn duplicate_names_and_bad_patterns_are_errors() {
        let mut c = DeployConfig::with_every_key();
        c.targets.push(c.targets[0].clone());
        c.targets[1].cache_control[0].pattern = "[".into();
        c.targets[1].endpoint = "minio:9000".into();
        let mut problems = Vec::new();
        c.validate(Path::new("site.toml"), &mut problems);
        let text: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            text.iter().any(|m| m.contains("declared twice")),
            "{text:?}"
        );
        assert!(text.iter().any(|m| m.contains("pattern `[`")), "{text:?}");
        assert!(
            text.iter().any(|m| m.contains("endpoint `minio:9000`")),
            "{text:?}"
        );
        assert_eq!(problems.len(), 3, "{text:?}");
    }
}
