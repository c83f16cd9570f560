//! `archsite deploy` against a real S3-compatible server: `moto_server` (PyPI `moto[server]`),
//! started by each test on 127.0.0.1 with a port of its own. The bucket is read back with the
//! AWS SDK: keys, bytes, and the headers a browser gets.
//!
//! Without `moto_server` on the PATH (or in `ARCHSITE_MOTO_SERVER`) these tests skip with a
//! message; with `ARCHSITE_REQUIRE_BROWSER=1` or `ARCHSITE_REQUIRE_TOOLS=1` (as `.ci/run` sets)
//! they fail instead.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Run, Site};

/// True when a missing tool must fail the test run (CI).
fn tools_required() -> bool {
    ["ARCHSITE_REQUIRE_BROWSER", "ARCHSITE_REQUIRE_TOOLS"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
}

/// The `moto_server` program, if installed.
fn moto_program() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ARCHSITE_MOTO_SERVER") {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A running `moto_server`, killed when dropped.
struct Moto {
    child: Child,
    endpoint: String,
    rt: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a server with an empty bucket `site`, or returns `None` (after saying why) when
/// `moto_server` is not installed and not required.
fn moto() -> Option<Moto> {
    start_moto(false)
}

/// Starts a server; with `auth`, it checks credentials (and has no bucket: nothing may sign).
fn start_moto(auth: bool) -> Option<Moto> {
    let Some(program) = moto_program() else {
        let msg = "moto_server is not installed: `pip install 'moto[server]'` (.ci/run does)";
        assert!(!tools_required(), "{msg}");
        eprintln!("skipped: {msg}");
        return None;
    };
    let port = free_port();
    let mut command = Command::new(&program);
    if auth {
        command.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
    }
    let child = command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let endpoint = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(&endpoint)
        .force_path_style(true)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .build();
    let moto = Moto {
        child,
        endpoint,
        rt,
        s3: aws_sdk_s3::Client::from_conf(conf),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    if auth {
        return Some(moto);
    }
    moto.rt
        .block_on(moto.s3.create_bucket().bucket("site").send())
        .expect("create bucket");
    Some(moto)
}

/// An object as a browser gets it.
#[derive(Debug, Clone, PartialEq)]
struct Object {
    bytes: Vec<u8>,
    content_type: String,
    cache_control: String,
    content_encoding: String,
    etag: String,
}

impl Moto {
    /// Every object of the bucket, by key.
    fn objects(&self) -> BTreeMap<String, Object> {
        self.rt.block_on(async {
            let list = self
                .s3
                .list_objects_v2()
                .bucket("site")
                .send()
                .await
                .expect("list");
            let mut out = BTreeMap::new();
            for o in list.contents() {
                let key = o.key().expect("key").to_string();
                let got = self
                    .s3
                    .get_object()
                    .bucket("site")
                    .key(&key)
                    .send()
                    .await
                    .expect("get");
                let object = Object {
                    content_type: got.content_type().unwrap_or("").into(),
                    cache_control: got.cache_control().unwrap_or("").into(),
                    content_encoding: got.content_encoding().unwrap_or("").into(),
                    etag: got.e_tag().unwrap_or("").into(),
                    bytes: got.body.collect().await.expect("body").to_vec(),
                };
                out.insert(key, object);
            }
            out
        })
    }

    /// Runs `archsite deploy --root ROOT EXTRA...` against `endpoint` with test credentials and
    /// no shared AWS files.
    fn deploy_via(&self, endpoint: &str, site: &Site, extra: &[&str]) -> Run {
        deploy_at(endpoint, site, extra)
    }

    fn deploy(&self, site: &Site, extra: &[&str]) -> Run {
        deploy_at(&self.endpoint, site, extra)
    }
}

fn deploy_at(endpoint: &str, site: &Site, extra: &[&str]) -> Run {
    let nowhere = site.tmp().join("no-aws-files");
    let out = Command::new(env!("CARGO_BIN_EXE_archsite"))
        .arg("deploy")
        .arg("--root")
        .arg(&site.root)
        .args(extra)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .expect("run archsite deploy");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The basic fixture, built for `/`, with a deploy target to the bucket `site`.
fn site(target: &str) -> Site {
    let site = Site::basic_light();
    let mut toml = site.source("site.toml");
    toml.push_str(&format!(
        "\n[[deploy.targets]]\nname = \"test\"\nurl = \"s3://site\"\n{target}\n"
    ));
    site.write("site.toml", toml);
    site.build_ok(&["--base-url", "/"]);
    site
}

/// The files a deploy uploads: every file of the output folder but archsite's bookkeeping.
fn local_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::snapshot(dir)
        .into_iter()
        .filter(|(k, _)| {
            let name = k.rsplit('/').next().unwrap_or(k);
            name != ".nojekyll" && !name.starts_with(".archsite")
        })
        .collect()
}

/// Paths listed in the plan with `mark` (`+`, `~`, `-`).
fn planned(run: &Run, mark: char) -> Vec<String> {
    let prefix = format!("  {mark} ");
    let mut out: Vec<String> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|l| l.split(" (").next().unwrap_or(l).to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn a_first_deploy_uploads_everything_with_its_headers_and_a_second_nothing() {
    let Some(moto) = moto() else { return };
    let site = site(
        "[[deploy.targets.cache_control]]\npattern = \"*.xml\"\nvalue = \"public, max-age=600\"",
    );
    site.write("public/.archsite-manifest", "bookkeeping");
    let run = moto.deploy(&site, &[]);
    run.assert_ok();
    let local = local_files(&site.out());
    assert!(local.len() > 20, "{}", local.len());
    let remote = moto.objects();
    assert_eq!(
        remote.keys().collect::<Vec<_>>(),
        local.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in &local {
        assert_eq!(&remote[key].bytes, bytes, "{key}");
    }
    assert_eq!(planned(&run, '+').len(), local.len(), "{}", run.stdout);

    let html = &remote["index.html"];
    assert_eq!(html.content_type, "text/html; charset=utf-8");
    assert_eq!(html.cache_control, "public, max-age=0, must-revalidate");
    let css = remote
        .iter()
        .find(|(k, _)| k.starts_with("assets/style.") && k.ends_with(".css"))
        .expect("hashed stylesheet");
    assert_eq!(css.1.content_type, "text/css; charset=utf-8");
    assert_eq!(css.1.cache_control, "public, max-age=31536000, immutable");
    let chunk = remote
        .iter()
        .find(|(k, _)| k.starts_with("search/"))
        .expect("search chunk");
    assert_eq!(chunk.1.cache_control, "public, max-age=31536000, immutable");
    assert_eq!(remote["sitemap.xml"].cache_control, "public, max-age=600");
    assert!(remote["sitemap.xml"].content_type.starts_with("text/xml"));

    let again = moto.deploy(&site, &[]);
    again.assert_ok();
    assert!(
        again.stdout.contains("upload 0 files") && again.stdout.contains("up to date"),
        "{}",
        again.stdout
    );
    assert_eq!(moto.objects(), remote, "a second deploy changed the bucket");
}

#[test]
fn an_edit_uploads_only_what_changed_and_a_removed_page_is_deleted() {
    let Some(moto) = moto() else { return };
    let site = site("");
    moto.deploy(&site, &[]).assert_ok();
    let before_local = local_files(&site.out());
    let before = moto.objects();

    site.edit(
        "content/notes/plain-file-name.md",
        "Neither",
        "An added sentence. Neither",
    );
    site.build_ok(&["--base-url", "/"]);
    let after_local = local_files(&site.out());
    let changed: Vec<String> = after_local
        .iter()
        .filter(|(k, v)| before_local.get(*k).is_some_and(|old| old != *v))
        .map(|(k, _)| k.clone())
        .collect();
    let added: Vec<String> = after_local
        .keys()
        .filter(|k| !before_local.contains_key(*k))
        .cloned()
        .collect();
    let gone: Vec<String> = before_local
        .keys()
        .filter(|k| !after_local.contains_key(*k))
        .cloned()
        .collect();
    assert!(changed.contains(&"notes/plain-file-name/index.html".to_string()));

    let dry = moto.deploy(&site, &["--dry-run"]);
    dry.assert_ok();
    assert!(dry.stdout.contains("Dry run"), "{}", dry.stdout);
    assert_eq!(planned(&dry, '~'), changed);
    assert_eq!(planned(&dry, '+'), added);
    assert_eq!(planned(&dry, '-'), gone);
    assert_eq!(moto.objects(), before, "--dry-run changed the bucket");

    let run = moto.deploy(&site, &[]);
    run.assert_ok();
    assert_eq!(planned(&run, '~'), changed);
    let remote = moto.objects();
    for (key, object) in &remote {
        if !changed.contains(key) && !added.contains(key) {
            assert_eq!(Some(object), before.get(key), "{key} was rewritten");
        }
    }
    assert_eq!(
        remote.keys().collect::<Vec<_>>(),
        after_local.keys().collect::<Vec<_>>()
    );

    site.remove("content/notes/heading-title.md");
    site.build_ok(&["--base-url", "/"]);
    let run = moto.deploy(&site, &[]);
    run.assert_ok();
    assert!(planned(&run, '-').contains(&"notes/heading-title/index.html".to_string()));
    let remote = moto.objects();
    assert!(!remote.contains_key("notes/heading-title/index.html"));
    assert_eq!(
        remote.keys().collect::<Vec<_>>(),
        local_files(&site.out()).keys().collect::<Vec<_>>()
    );
}

#[test]
fn more_deletes_than_max_deletes_are_refused_unless_forced() {
    let Some(moto) = moto() else { return };
    let site = site("max_deletes = 1");
    moto.deploy(&site, &[]).assert_ok();
    let before = moto.objects();
    site.remove("content/notes/heading-title.md");
    site.remove("content/notes/plain-file-name.md");
    site.build_ok(&["--base-url", "/"]);
    let after = local_files(&site.out());
    let gone = before.keys().filter(|k| !after.contains_key(*k)).count();
    assert!(gone >= 2, "{gone}");

    let run = moto.deploy(&site, &[]);
    run.assert_code(1)
        .assert_stderr_has(&format!("refusing to delete {gone} files"))
        .assert_stderr_has("max_deletes")
        .assert_stderr_has("--force");
    assert_eq!(
        moto.objects(),
        before,
        "a refused deploy changed the bucket"
    );

    moto.deploy(&site, &["--force"]).assert_ok();
    let remote = moto.objects();
    assert!(!remote.contains_key("notes/heading-title/index.html"));
    assert!(!remote.contains_key("notes/plain-file-name/index.html"));
}

/// A proxy in front of the server that forwards `limit` PUT requests, then dies as a killed
/// server would: it drops every connection and stops listening.
struct DyingProxy {
    port: u16,
    killed: Arc<AtomicBool>,
}

fn dying_proxy(upstream: u16, limit: usize) -> DyingProxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    let killed = Arc::new(AtomicBool::new(false));
    let puts = Arc::new(AtomicUsize::new(0));
    let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let flag = killed.clone();
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(300);
        while !flag.load(Ordering::SeqCst) && Instant::now() < deadline {
            let Ok((client, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            client.set_nonblocking(false).expect("blocking");
            let server = TcpStream::connect(("127.0.0.1", upstream)).expect("upstream");
            for s in [&client, &server] {
                open.lock()
                    .expect("lock")
                    .push(s.try_clone().expect("clone"));
            }
            // Server to client: plain copy.
            let (mut from, mut to) = (
                server.try_clone().expect("clone"),
                client.try_clone().expect("clone"),
            );
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from, &mut to);
                let _ = to.shutdown(std::net::Shutdown::Both);
            });
            // Client to server: count requests, and die at the one past the limit.
            let (mut from, mut to) = (client, server);
            let (flag, puts, open) = (flag.clone(), puts.clone(), open.clone());
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let n = match from.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if buf.starts_with(b"PUT ") && puts.fetch_add(1, Ordering::SeqCst) >= limit {
                        flag.store(true, Ordering::SeqCst);
                        for s in open.lock().expect("lock").iter() {
                            let _ = s.shutdown(std::net::Shutdown::Both);
                        }
                        break;
                    }
                    if flag.load(Ordering::SeqCst) || to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    DyingProxy { port, killed }
}

/// Internal links (`href="/..."`, `src="/..."`) of an HTML page, as bucket keys.
fn linked_keys(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"/", "src=\""] {
        for part in html.split(attr).skip(1) {
            let target = part.split('"').next().unwrap_or("");
            let target = target.trim_start_matches('/');
            if target.contains("://") || target.starts_with('#') || target.starts_with("data:") {
                continue;
            }
            let path = target.split(['#', '?']).next().unwrap_or("");
            if path.is_empty() || path.ends_with('/') {
                out.push(format!("{path}index.html"));
            } else {
                out.push(path.to_string());
            }
        }
    }
    out
}

#[test]
fn an_interrupted_deploy_leaves_a_complete_site_and_a_rerun_converges() {
    let Some(moto) = moto() else { return };
    let site = site("");
    moto.deploy(&site, &[]).assert_ok();
    let before = moto.objects();

    // A new version: a changed page (new search chunks, a changed stylesheet name) and a page
    // fewer, so the deploy has files to upload before its HTML and a file to delete.
    site.edit(
        "content/notes/plain-file-name.md",
        "Neither",
        "Zebra quokka. Neither",
    );
    site.write("static/extra.css", "body { color: teal }");
    site.remove("content/notes/heading-title.md");
    site.build_ok(&["--base-url", "/"]);

    let port: u16 = moto
        .endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port");
    let proxy = dying_proxy(port, 1);
    let run = moto.deploy_via(&format!("http://127.0.0.1:{}", proxy.port), &site, &[]);
    assert!(proxy.killed.load(Ordering::SeqCst), "the proxy never died");
    run.assert_code(1).assert_stderr_has("Run it again");

    // Nothing was deleted, no page was replaced, and every page's links resolve in the bucket.
    let during = moto.objects();
    for (key, object) in &before {
        assert!(
            during.contains_key(key),
            "{key} was deleted by an interrupted deploy"
        );
        if key.ends_with(".html") {
            assert_eq!(
                Some(object),
                during.get(key),
                "{key} replaced before its assets"
            );
        }
    }
    let keys: Vec<&String> = during.keys().collect();
    for (key, object) in during.iter().filter(|(k, _)| k.ends_with(".html")) {
        let html = String::from_utf8_lossy(&object.bytes);
        for link in linked_keys(&html) {
            assert!(
                during.contains_key(&link) || !link.contains('.'),
                "{key} links to {link}, missing from the bucket: {keys:?}"
            );
        }
    }

    moto.deploy(&site, &[]).assert_ok();
    let remote = moto.objects();
    let local = local_files(&site.out());
    assert_eq!(
        remote.keys().collect::<Vec<_>>(),
        local.keys().collect::<Vec<_>>()
    );
    for (key, bytes) in &local {
        assert_eq!(&remote[key].bytes, bytes, "{key}");
    }
}

#[test]
fn an_unreachable_endpoint_is_a_clear_error() {
    let site = site("");
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let started = Instant::now();
    let run = deploy_at(&endpoint, &site, &[]);
    run.assert_code(1)
        .assert_stderr_has("cannot list s3://site/")
        .assert_stderr_has(&endpoint);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "gave up too slowly"
    );
}

#[test]
fn refused_credentials_are_a_clear_error() {
    let Some(moto) = start_moto(true) else { return };
    let site = site("");
    let run = moto.deploy(&site, &[]);
    run.assert_code(1)
        .assert_stderr_has("cannot list s3://site/")
        .assert_stderr_has("InvalidAccessKeyId")
        .assert_stderr_has("check the credentials");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn without_a_build_or_a_target_the_error_says_what_to_do() {
    let site = Site::basic_light();
    let run = deploy_at("http://127.0.0.1:9", &site, &[]);
    run.assert_code(1).assert_stderr_has("no deploy target");

    let mut toml = site.source("site.toml");
    toml.push_str("\n[[deploy.targets]]\nname = \"prod\"\nurl = \"s3://site\"\n");
    site.write("site.toml", toml);
    let run = deploy_at("http://127.0.0.1:9", &site, &[]);
    run.assert_code(1)
        .assert_stderr_has("run `archsite build` first");
    let run = deploy_at("http://127.0.0.1:9", &site, &["--target", "staging"]);
    run.assert_code(1)
        .assert_stderr_has("no deploy target `staging`")
        .assert_stderr_has("`prod`");

    site.write(
        "site.toml",
        "[[deploy.targets]]\nname = \"prod\"\nurl = \"https://site\"\nmax_delete = 3\n",
    );
    let run = deploy_at("http://127.0.0.1:9", &site, &[]);
    run.assert_code(1)
        .assert_stderr_has("site.toml")
        .assert_stderr_has("did you mean `max_deletes`");
}

#[test]
fn gzip_targets_upload_compressed_text_with_its_encoding() {
    let Some(moto) = moto() else { return };
    let site = site("gzip = true");
    moto.deploy(&site, &[]).assert_ok();
    let remote = moto.objects();
    let html = &remote["index.html"];
    assert_eq!(html.content_encoding, "gzip");
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&html.bytes[..])
        .read_to_end(&mut text)
        .expect("gunzip");
    assert_eq!(
        text,
        std::fs::read(site.out().join("index.html")).expect("read")
    );
    let again = moto.deploy(&site, &[]);
    again.assert_ok();
    assert!(again.stdout.contains("upload 0 files"), "{}", again.stdout);
}

#[test]
fn the_guide_s_deploy_settings_are_valid() {
    let text = common::read(&common::repo_root().join("content/guide/deploy.md"));
    let blocks: Vec<&str> = text
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(blocks.len() >= 3, "{}", blocks.len());
    for b in blocks {
        let config = archsite::config::Config::parse(b, Path::new("deploy.md"))
            .unwrap_or_else(|e| panic!("{e}\n{b}"));
        assert!(!config.deploy.targets.is_empty(), "{b}");
    }
}

impl Moto {
    /// A CloudFront client of the same server.
    fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        let conf = aws_sdk_cloudfront::Config::builder()
            .behavior_version(aws_sdk_cloudfront::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudfront::config::Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_cloudfront::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .build();
        aws_sdk_cloudfront::Client::from_conf(conf)
    }

    /// Creates a distribution in front of the bucket; returns its id.
    fn distribution(&self) -> String {
        use aws_sdk_cloudfront::types::{
            DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig,
            ViewerProtocolPolicy,
        };
        let origin = Origin::builder()
            .id("site")
            .domain_name("site.s3.amazonaws.com")
            .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
            .build()
            .expect("origin");
        let config = DistributionConfig::builder()
            .caller_reference("tests")
            .comment("tests")
            .enabled(true)
            .origins(
                Origins::builder()
                    .quantity(1)
                    .items(origin)
                    .build()
                    .expect("origins"),
            )
            .default_cache_behavior(
                DefaultCacheBehavior::builder()
                    .target_origin_id("site")
                    .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                    .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                    .build()
                    .expect("behaviour"),
            )
            .build()
            .expect("config");
        let out = self
            .rt
            .block_on(
                self.cloudfront()
                    .create_distribution()
                    .distribution_config(config)
                    .send(),
            )
            .expect("create distribution");
        out.distribution().expect("distribution").id().to_string()
    }

    /// The paths of every invalidation of `distribution`.
    fn invalidated(&self, distribution: &str) -> Vec<Vec<String>> {
        let cf = self.cloudfront();
        self.rt.block_on(async {
            let list = cf
                .list_invalidations()
                .distribution_id(distribution)
                .send()
                .await
                .expect("list invalidations");
            let mut out = Vec::new();
            for summary in list.invalidation_list().map(|l| l.items()).unwrap_or(&[]) {
                let got = cf
                    .get_invalidation()
                    .distribution_id(distribution)
                    .id(summary.id())
                    .send()
                    .await
                    .expect("get invalidation");
                let mut paths: Vec<String> = got
                    .invalidation()
                    .and_then(|i| i.invalidation_batch()?.paths()?.items.clone())
                    .unwrap_or_default();
                paths.sort();
                out.push(paths);
            }
            out
        })
    }
}

#[test]
fn cloudfront_forgets_exactly_the_changed_paths() {
    let Some(moto) = moto() else { return };
    let id = moto.distribution();
    let site = site(&format!("cloudfront_distribution_id = \"{id}\""));
    let first = moto.deploy(&site, &[]);
    first.assert_ok();
    assert!(
        moto.invalidated(&id).is_empty(),
        "new files need no invalidation"
    );

    site.edit(
        "content/notes/plain-file-name.md",
        "Neither",
        "Edited. Neither",
    );
    site.remove("content/notes/heading-title.md");
    site.build_ok(&["--base-url", "/"]);
    let run = moto.deploy(&site, &[]);
    run.assert_ok();
    let mut expected = Vec::new();
    for path in planned(&run, '~').into_iter().chain(planned(&run, '-')) {
        if let Some(folder) = path.strip_suffix("index.html") {
            expected.push(format!("/{folder}"));
        }
        expected.push(format!("/{path}"));
    }
    expected.sort();
    assert!(expected.contains(&"/notes/plain-file-name/".to_string()));
    assert!(expected.contains(&"/notes/heading-title/index.html".to_string()));
    assert_eq!(moto.invalidated(&id), [expected]);
    assert!(run.stdout.contains("Invalidated"), "{}", run.stdout);
}
