//! `tidings sync` with a Google Reader API server: a small stateful server on
//! 127.0.0.1 inside the test, answering with the response bodies the API
//! documents (as FreshRSS's greader.php sends them), and recording each
//! request with its body.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "greader-secret-pw-7781";

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    auth: Option<String>,
    body: String,
}

#[derive(Default)]
struct State {
    /// The token ClientLogin hands out and the API accepts.
    token: String,
    /// The `T` token POSTs need.
    t_token: String,
    /// The next `T` handed out is replaced before it is used.
    expire_t: bool,
    read: BTreeSet<u64>,
    starred: BTreeSet<u64>,
    seen: Vec<Seen>,
}

struct Server {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            token: "alice/8e6845e089457af25303abc6f53356eb60bdb5f8".into(),
            t_token: "tok123".into(),
            read: [2].into(),
            starred: [2].into(),
            ..Default::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (state.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            while !sp.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
                match listener.accept() {
                    Ok((conn, _)) => handle(conn, &st),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            port,
            state,
            stop,
            thread: Some(thread),
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}/api/greader.php", self.port)
    }

    fn take_seen(&self) -> Vec<Seen> {
        std::mem::take(&mut self.state.lock().unwrap().seen)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Three items in feed/1; ids 1..3, an hour apart.
fn item(id: u64, state: &State) -> Value {
    let t = 1_700_000_000 + id as i64 * 3600;
    let mut cats = vec![
        "user/-/state/com.google/reading-list".to_string(),
        "user/-/label/Tech".to_string(),
    ];
    if state.read.contains(&id) {
        cats.push("user/-/state/com.google/read".into());
    }
    if state.starred.contains(&id) {
        cats.push("user/-/state/com.google/starred".into());
    }
    let title = ["First", "Second", "Third"][id as usize - 1];
    json!({
        "id": format!("tag:google.com,2005:reader/item/{id:016x}"),
        "crawlTimeMsec": (t * 1000).to_string(),
        "timestampUsec": (t * 1_000_000).to_string(),
        "published": t,
        "title": title,
        "canonical": [{"href": format!("http://127.0.0.1/{id}")}],
        "alternate": [{"href": format!("http://127.0.0.1/{id}"), "type": "text/html"}],
        "categories": cats,
        "origin": {"streamId": "feed/1", "title": "Loopback News", "htmlUrl": "http://127.0.0.1/"},
        "summary": {"content": format!("<p>Body of {title}</p>")},
        "author": "Ann"
    })
}

fn query_param<'a>(target: &'a str, key: &str) -> Option<&'a str> {
    target
        .split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
}

fn handle(mut conn: TcpStream, state: &Mutex<State>) {
    conn.set_nonblocking(false).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let (mut len, mut auth) = (0usize, None);
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        let (name, value) = h.split_once(':').unwrap_or((&h, ""));
        if name.eq_ignore_ascii_case("content-length") {
            len = value.trim().parse().unwrap_or(0);
        }
        if name.eq_ignore_ascii_case("authorization") {
            auth = Some(value.trim().to_string());
        }
    }
    let mut body = vec![0; len];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body).to_string();
    let mut st = state.lock().unwrap();
    st.seen.push(Seen {
        method,
        target: target.clone(),
        auth: auth.clone(),
        body: body.clone(),
    });
    let path = target.split('?').next().unwrap_or("");
    let path = path.strip_prefix("/api/greader.php").unwrap_or(path);
    let authorized = auth.as_deref() == Some(&format!("GoogleLogin auth={}", st.token));
    let (status, ctype, text) = if path == "/accounts/ClientLogin" {
        if body.contains(&format!("Passwd={PASSWORD}")) {
            let t = st.token.clone();
            (200, "text/plain", format!("SID={t}\nLSID=null\nAuth={t}\n"))
        } else {
            (401, "text/plain", "Error=BadAuthentication\n".into())
        }
    } else if !authorized {
        (401, "text/plain", "Unauthorized!".into())
    } else if path == "/reader/api/0/subscription/list" {
        let v = json!({"subscriptions": [{
            "id": "feed/1", "title": "Loopback News",
            "categories": [{"id": "user/-/label/Tech", "label": "Tech"}],
            "url": "http://127.0.0.1/news.xml", "htmlUrl": "http://127.0.0.1/", "iconUrl": ""
        }]});
        (200, "application/json", v.to_string())
    } else if path == "/reader/api/0/stream/contents/user/-/state/com.google/reading-list" {
        let ot: i64 = query_param(&target, "ot")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let ids: Vec<u64> = (1..=3)
            .filter(|id| 1_700_000_000 + *id as i64 * 3600 > ot)
            .collect();
        // Two per page, oldest first.
        let from: usize = match query_param(&target, "c") {
            Some(c) => c.trim_start_matches("page").parse().unwrap_or(0),
            None => 0,
        };
        let page: Vec<Value> = ids
            .iter()
            .skip(from)
            .take(2)
            .map(|i| item(*i, &st))
            .collect();
        let mut v = json!({"id": "user/-/state/com.google/reading-list", "updated": 1_700_100_000, "items": page});
        if from + 2 < ids.len() {
            v["continuation"] = json!(format!("page{}", from + 2));
        }
        (200, "application/json", v.to_string())
    } else if path == "/reader/api/0/stream/items/contents" {
        let items: Vec<Value> = url::form_urlencoded::parse(body.as_bytes())
            .filter(|(k, _)| k == "i")
            .filter_map(|(_, v)| u64::from_str_radix(v.rsplit('/').next()?, 16).ok())
            .filter(|i| (1..=3).contains(i))
            .map(|i| item(i, &st))
            .collect();
        (
            200,
            "application/json",
            json!({"id": "user/-/state/com.google/reading-list", "items": items}).to_string(),
        )
    } else if path == "/reader/api/0/stream/items/ids" {
        let s = query_param(&target, "s").unwrap_or("");
        let ot: i64 = query_param(&target, "ot")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let refs: Vec<Value> = if ot > 0 {
            // Crawled in or after second `ot`, as FreshRSS counts.
            (1..=3u64)
                .filter(|id| 1_700_000_000 + *id as i64 * 3600 >= ot)
                .map(|i| json!({"id": i.to_string()}))
                .collect()
        } else if s.ends_with("starred") {
            st.starred
                .iter()
                .map(|i| json!({"id": i.to_string()}))
                .collect()
        } else {
            (1..=3u64)
                .filter(|i| !st.read.contains(i))
                .map(|i| json!({"id": i.to_string()}))
                .collect()
        };
        (
            200,
            "application/json",
            json!({"itemRefs": refs}).to_string(),
        )
    } else if path == "/reader/api/0/token" {
        let t = st.t_token.clone();
        if st.expire_t {
            // Hands out a token that expires before it is used.
            st.expire_t = false;
            st.t_token = format!("{t}-new");
        }
        (200, "text/plain", format!("{t}\n"))
    } else if path == "/reader/api/0/edit-tag" {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if get("T").as_deref() != Some(st.t_token.as_str()) {
            drop(st);
            let _ = write!(
                conn,
                "HTTP/1.1 401 X\r\nGoogle-Bad-Token: true\r\nContent-Length: 13\r\nConnection: close\r\n\r\nUnauthorized!"
            );
            return;
        }
        let ids: Vec<u64> = form
            .iter()
            .filter(|(n, _)| n == "i")
            .map(|(_, v)| {
                let hex = v.rsplit('/').next().unwrap();
                u64::from_str_radix(hex, 16).unwrap()
            })
            .collect();
        let (tag, add) = match (get("a"), get("r")) {
            (Some(t), None) => (t, true),
            (None, Some(t)) => (t, false),
            _ => panic!("edit-tag needs a or r: {body}"),
        };
        let set = if tag.ends_with("/read") {
            &mut st.read
        } else {
            &mut st.starred
        };
        for i in ids {
            if add {
                set.insert(i);
            } else {
                set.remove(&i);
            }
        }
        (200, "text/plain", "OK".into())
    } else {
        (404, "text/plain", "not found".into())
    };
    drop(st);
    let _ = write!(
        conn,
        "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

fn run(sb: &Sandbox, state: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = sb
        .cmd()
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env("TIDINGS_SYNC_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn titles(sb: &Sandbox, query: &str) -> Vec<String> {
    let mut t: Vec<String> = sb
        .list_json(&[query])
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

#[test]
fn sync_with_a_google_reader_server() {
    let server = Server::start();
    let sb = Sandbox::new();
    std::fs::write(
        sb.config(),
        format!(
            "[sync]\nkind = \"greader\"\nurl = \"{}\"\nusername = \"alice\"\n",
            server.base()
        ),
    )
    .unwrap();
    let state = sb.dir.path().join("state");
    let mut output = String::new();
    let mut sync = || -> Value {
        let (ok, out, err) = run(&sb, &state, &["sync", "--json"]);
        assert!(ok, "{out}\n{err}");
        output.push_str(&out);
        output.push_str(&err);
        serde_json::from_str(&out).unwrap()
    };

    // First sync: sign in, subscriptions with labels as tags, two pages.
    let r = sync();
    assert_eq!(
        (r["feeds"].as_u64(), r["new"].as_u64()),
        (Some(1), Some(3)),
        "{r}"
    );
    let seen = server.take_seen();
    assert!(seen[0].target.ends_with("/accounts/ClientLogin"));
    assert_eq!(seen[0].body, format!("Email=alice&Passwd={PASSWORD}"));
    let pages: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.target.contains("/stream/contents/"))
        .collect();
    assert_eq!(pages.len(), 2, "{seen:?}");
    assert!(pages[1].target.contains("c=page2"), "{:?}", pages[1]);
    assert!(seen[1..].iter().all(|s| s.auth.as_deref()
        == Some("GoogleLogin auth=alice/8e6845e089457af25303abc6f53356eb60bdb5f8")));
    assert_eq!(titles(&sb, "is:unread"), ["First", "Third"]);
    assert_eq!(titles(&sb, "is:starred"), ["Second"]);
    let feeds = sb.cmd().args(["feeds", "--json"]).output().unwrap();
    let feeds: Vec<Value> = serde_json::from_slice(&feeds.stdout).unwrap();
    assert_eq!(feeds[0]["tags"], json!(["Tech"]));

    // Local changes go out in one edit-tag per kind; the token is reused
    // and only newer items are asked for.
    let first = sb.list_json(&["First"])[0]["id"].to_string();
    let second = sb.list_json(&["Second"])[0]["id"].to_string();
    let third = sb.list_json(&["Third"])[0]["id"].to_string();
    for args in [
        ["mark-read", first.as_str()],
        ["mark-read", third.as_str()],
        ["unstar", second.as_str()],
    ] {
        assert!(run(&sb, &state, &args).0);
    }
    let r = sync();
    assert_eq!(
        (r["pushed"].as_u64(), r["new"].as_u64()),
        (Some(3), Some(0)),
        "{r}"
    );
    let seen = server.take_seen();
    assert!(!seen.iter().any(|s| s.target.contains("ClientLogin")));
    let edits: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.target.ends_with("/edit-tag"))
        .collect();
    assert_eq!(edits.len(), 2, "{seen:?}");
    assert!(edits.iter().all(|e| e.method == "POST"));
    {
        let st = server.state.lock().unwrap();
        assert_eq!(st.read, [1, 2, 3].into());
        assert!(st.starred.is_empty());
    }
    // The newest item's second is asked for by id only, and its item,
    // already here, is not read again.
    assert!(!seen.iter().any(|s| s.target.contains("/stream/contents/")));
    assert!(!seen
        .iter()
        .any(|s| s.target.contains("/stream/items/contents")));
    assert!(seen
        .iter()
        .any(|s| s.target.contains("/stream/items/ids") && s.target.contains("ot=1700010800")));
    assert!(titles(&sb, "is:unread").is_empty());

    // A refused T token is fetched again once, and the change goes out.
    server.state.lock().unwrap().expire_t = true;
    assert!(run(&sb, &state, &["mark-unread", first.as_str()]).0);
    let r = sync();
    assert_eq!(r["pushed"], 1, "{r}");
    let seen = server.take_seen();
    let asked = |p: &str| seen.iter().filter(|s| s.target.contains(p)).count();
    assert_eq!(
        (asked("/reader/api/0/token"), asked("/edit-tag")),
        (2, 2),
        "{seen:?}"
    );
    assert!(!server.state.lock().unwrap().read.contains(&1));
    assert!(run(&sb, &state, &["mark-read", first.as_str()]).0);
    assert_eq!(sync()["pushed"], 1);
    server.take_seen();

    // Unread on the server shows here; a token the server no longer takes
    // is replaced by signing in again.
    {
        let mut st = server.state.lock().unwrap();
        st.read.remove(&2);
        st.token = "alice/rotated".into();
    }
    let r = sync();
    assert_eq!(r["from_server"]["marked_unread"], 1, "{r}");
    assert_eq!(titles(&sb, "is:unread"), ["Second"]);
    let seen = server.take_seen();
    assert_eq!(
        seen.iter()
            .filter(|s| s.target.contains("ClientLogin"))
            .count(),
        1
    );

    // A wrong password is a clear error without the password in it.
    std::fs::remove_file(state.join("tidings/sync-token")).unwrap();
    let out = sb
        .cmd()
        .args(["sync"])
        .env("XDG_STATE_HOME", &state)
        .env("TIDINGS_SYNC_PASSWORD", "wrong-password-123")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("refused the user name or password"), "{err}");
    assert!(!err.contains("wrong-password-123"));
    assert!(!output.contains(PASSWORD));
    assert!(!output.contains("8e6845e089457af25303abc6f53356eb60bdb5f8"));
}
