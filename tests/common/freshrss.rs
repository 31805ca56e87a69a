//! A real FreshRSS 1.24.3 for tests: the release archive from
//! `../shared/servers/` unpacked into a temporary directory, its own
//! `DATA_PATH`, PHP's built-in server on a free 127.0.0.1 port. Every request
//! it would make off the machine goes to a closed port. Stopped on drop; the
//! server process is also killed by `timeout` after ten minutes, so a test
//! that dies cannot leave it running.
//!
//! `scripts/freshrss-setup.sh` installs PHP. Without PHP or the archive a
//! test is skipped with a message, except in CI (`CI=true`), where it fails.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "alice";
/// The API password (what ClientLogin and the Fever key take).
pub const API_PASSWORD: &str = "freshrss-api-pw-3317";
const WEB_PASSWORD: &str = "freshrss-web-pw-9920";
/// Longest a php command or the server may run.
const CLI_LIMIT: Duration = Duration::from_secs(60);
const SERVER_LIMIT_SECONDS: u32 = 600;

pub fn archive() -> PathBuf {
    super::shared().join("servers/freshrss-1.24.3.tar.gz")
}

/// Whether FreshRSS can run here. When it cannot, says why and returns
/// false, or fails in CI.
pub fn available(test: &str) -> bool {
    let php = Command::new("php")
        .args([
            "-r",
            "exit(extension_loaded('pdo_sqlite') && extension_loaded('curl') ? 0 : 1);",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let missing = if !php {
        Some("PHP with pdo_sqlite and curl is not installed".to_string())
    } else if !archive().is_file() {
        Some(format!("the archive {} is missing", archive().display()))
    } else {
        None
    };
    let Some(why) = missing else { return true };
    let msg = format!("{test}: {why}; run scripts/freshrss-setup.sh");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED {msg}");
    false
}

/// A feed to subscribe to: its category on the server, and URL.
pub struct Sub<'a> {
    pub category: &'a str,
    pub title: &'a str,
    pub url: &'a str,
}

pub struct FreshRss {
    dir: tempfile::TempDir,
    tree: PathBuf,
    data: PathBuf,
    pub port: u16,
    child: Option<Child>,
    /// The API password now.
    api_password: std::sync::Mutex<String>,
}

impl FreshRss {
    /// Unpacks, installs and starts a server with user `alice` and no feeds.
    pub fn start() -> FreshRss {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(&data).unwrap();
        let ok = Command::new("tar")
            .arg("-xzf")
            .arg(archive())
            .arg("-C")
            .arg(&tree)
            .arg("--strip-components=1")
            .status()
            .unwrap()
            .success();
        assert!(ok, "cannot unpack {}", archive().display());
        std::fs::write(
            data.join("config.custom.php"),
            "<?php return ['curl_options' => [CURLOPT_PROXY => 'http://127.0.0.1:9', \
             CURLOPT_NOPROXY => '127.0.0.1,localhost'], 'limits' => ['cache_duration' => 0]];\n",
        )
        .unwrap();
        std::fs::write(
            data.join("config-user.custom.php"),
            "<?php return ['ttl_default' => 0];\n",
        )
        .unwrap();
        std::fs::write(
            data.join("opml.xml"),
            "<opml version=\"2.0\"><head><title>none</title></head><body/></opml>\n",
        )
        .unwrap();
        let port = free_port();
        let mut fr = FreshRss {
            dir,
            tree,
            data,
            port,
            child: None,
            api_password: std::sync::Mutex::new(API_PASSWORD.to_string()),
        };
        fr.php(&["cli/prepare.php"]);
        fr.php(&[
            "cli/do-install.php",
            "--default-user",
            USER,
            "--db-type",
            "sqlite",
            "--disable-update",
            "--environment",
            "production",
        ]);
        let base = format!("http://127.0.0.1:{port}/");
        fr.php(&[
            "cli/reconfigure.php",
            "--api-enabled",
            "--base-url",
            &base,
            "--disable-update",
        ]);
        fr.php(&[
            "cli/create-user.php",
            "--user",
            USER,
            "--password",
            WEB_PASSWORD,
            "--api-password",
            API_PASSWORD,
        ]);
        fr.serve();
        fr
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.tree)
            .env("DATA_PATH", &self.data)
            .env("http_proxy", "http://127.0.0.1:9")
            .env("https_proxy", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a FreshRSS command-line script; returns its exit code.
    fn php_status(&self, args: &[&str]) -> (i32, String) {
        let mut child = self
            .command("php")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + CLI_LIMIT;
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("php {args:?} ran over {CLI_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    fn php(&self, args: &[&str]) -> String {
        let (code, text) = self.php_status(args);
        assert_eq!(code, 0, "php {args:?}:\n{text}");
        text
    }

    /// Subscribes alice to `subs` (an OPML import), each in its category.
    pub fn subscribe(&self, subs: &[Sub<'_>]) {
        let mut body = String::new();
        for s in subs {
            body.push_str(&format!(
                "<outline text=\"{c}\"><outline type=\"rss\" text=\"{t}\" xmlUrl=\"{u}\"/></outline>",
                c = s.category,
                t = s.title,
                u = s.url
            ));
        }
        let opml = self.dir.path().join("subs.opml");
        std::fs::write(
            &opml,
            format!("<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>t</title></head><body>{body}</body></opml>"),
        )
        .unwrap();
        self.php(&[
            "cli/import-for-user.php",
            "--user",
            USER,
            "--filename",
            opml.to_str().unwrap(),
        ]);
    }

    /// Changes alice's API password: tokens given before stop working.
    pub fn php_update_api_password(&self, password: &str) {
        self.php(&[
            "cli/update-user.php",
            "--user",
            USER,
            "--api-password",
            password,
        ]);
        *self.api_password.lock().unwrap() = password.to_string();
    }

    /// Fetches every feed now (exit 1 only means nothing changed).
    pub fn actualize(&self) {
        let (code, text) = self.php_status(&["cli/actualize-user.php", "--user", USER]);
        assert!(code == 0 || code == 1, "actualize: {text}");
    }

    /// Starts (or restarts) the web server and waits until it answers.
    pub fn serve(&mut self) {
        assert!(self.child.is_none());
        let log = std::fs::File::create(self.dir.path().join("server.log")).unwrap();
        let child = self
            .command("timeout")
            .args([
                "--signal=KILL",
                &SERVER_LIMIT_SECONDS.to_string(),
                "php",
                "-S",
                &format!("127.0.0.1:{}", self.port),
                "-t",
            ])
            .arg(self.tree.join("p"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some((200, _)) = self.try_http("GET", "/api/greader.php", &[], None) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("FreshRSS did not answer on port {} within 20 s", self.port);
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if let Some(php) = self.php_pid_of(c.id()) {
                let _ = Command::new("kill")
                    .args(["-KILL", &php.to_string()])
                    .status();
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn php_pid_of(&self, timeout_pid: u32) -> Option<u32> {
        let children =
            std::fs::read_to_string(format!("/proc/{timeout_pid}/task/{timeout_pid}/children"))
                .ok()?;
        children.split_whitespace().next()?.parse().ok()
    }

    /// The pid of the PHP server process (for kill -STOP).
    pub fn server_pid(&self) -> u32 {
        let c = self.child.as_ref().expect("server running");
        self.php_pid_of(c.id()).expect("php under timeout")
    }

    pub fn greader_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/greader.php", self.port)
    }

    pub fn fever_url(&self) -> String {
        format!("http://127.0.0.1:{}/api/fever.php", self.port)
    }

    /// Everything FreshRSS logged (users' and the API's logs, server log).
    pub fn logs(&self) -> String {
        let mut out = String::new();
        for p in [
            self.data.join("users/alice/log.txt"),
            self.data.join("users/alice/log_api.txt"),
            self.data.join("users/_/log.txt"),
            self.data.join("users/_/log_api.txt"),
            self.dir.path().join("server.log"),
        ] {
            out.push_str(&std::fs::read_to_string(p).unwrap_or_default());
        }
        out
    }

    /// One HTTP/1.0 request; (status, body), or None when unreachable.
    fn try_http(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> Option<(u16, String)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
        let mut req = format!("{method} {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                b.len()
            ));
        }
        req.push_str("\r\n");
        req.push_str(body.unwrap_or(""));
        s.write_all(req.as_bytes()).ok()?;
        let mut resp = Vec::new();
        s.read_to_end(&mut resp).ok()?;
        let resp = String::from_utf8_lossy(&resp).to_string();
        let (head, body) = resp.split_once("\r\n\r\n")?;
        let status = head.split_whitespace().nth(1)?.parse().ok()?;
        Some((status, body.to_string()))
    }

    /// A Google Reader API call as alice (signing in first); the form is
    /// sent as the body of a POST.
    pub fn greader(&self, method: &str, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let (status, login) = self
            .try_http(
                "POST",
                "/api/greader.php/accounts/ClientLogin",
                &[],
                Some(&encode(&[
                    ("Email", USER),
                    ("Passwd", &self.api_password.lock().unwrap().clone()),
                ])),
            )
            .expect("ClientLogin");
        assert_eq!(status, 200, "{login}");
        let auth = login
            .lines()
            .find_map(|l| l.strip_prefix("Auth="))
            .unwrap()
            .to_string();
        let header = format!("GoogleLogin auth={auth}");
        let body = (method == "POST").then(|| encode(form));
        self.try_http(
            method,
            &format!("/api/greader.php/reader/api/0/{path}"),
            &[("Authorization", &header)],
            body.as_deref(),
        )
        .unwrap_or_else(|| panic!("greader {path} failed"))
    }

    /// The decimal ids of stream `s`, without those tagged `xt`.
    pub fn ids(&self, s: &str, xt: Option<&str>) -> Vec<String> {
        let mut q = format!("stream/items/ids?output=json&n=10000&s={s}");
        if let Some(x) = xt {
            q.push_str(&format!("&xt={x}"));
        }
        let (status, body) = self.greader("GET", &q, &[]);
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let mut ids: Vec<String> = v["itemRefs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    }

    pub fn unread_ids(&self) -> Vec<String> {
        self.ids(
            "user/-/state/com.google/reading-list",
            Some("user/-/state/com.google/read"),
        )
    }

    pub fn starred_ids(&self) -> Vec<String> {
        self.ids("user/-/state/com.google/starred", None)
    }

    /// Every item: (decimal id, title).
    pub fn items(&self) -> Vec<(String, String)> {
        let (status, body) = self.greader(
            "GET",
            "stream/contents/user/-/state/com.google/reading-list?output=json&n=1000",
            &[],
        );
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let hex = i["id"].as_str().unwrap().rsplit('/').next().unwrap();
                (
                    u64::from_str_radix(hex, 16).unwrap().to_string(),
                    i["title"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// The server's id of the item titled `title`.
    pub fn item_id(&self, title: &str) -> String {
        self.items()
            .into_iter()
            .find(|(_, t)| t == title)
            .unwrap_or_else(|| panic!("FreshRSS has no item {title}"))
            .0
    }

    /// Adds (`a`) or removes (`r`) a state tag on items, as another client would.
    pub fn edit_tag(&self, op: &str, tag: &str, ids: &[&str]) {
        let (status, token) = self.greader("GET", "token", &[]);
        assert_eq!(status, 200);
        let mut form = vec![("T", token.trim()), (op, tag)];
        form.extend(ids.iter().map(|i| ("i", *i)));
        let (status, body) = self.greader("POST", "edit-tag", &form);
        assert_eq!(status, 200, "{body}");
    }

    /// The subscriptions' feed URLs.
    pub fn subscription_urls(&self) -> Vec<String> {
        let (status, body) = self.greader("GET", "subscription/list?output=json", &[]);
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let mut urls: Vec<String> = v["subscriptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["url"].as_str().unwrap().to_string())
            .collect();
        urls.sort();
        urls
    }

    pub fn data_path(&self) -> &Path {
        &self.data
    }
}

impl Drop for FreshRss {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn encode(form: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish()
}
