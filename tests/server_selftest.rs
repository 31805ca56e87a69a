//! Self-test of the std-only test HTTP server in tests/common/server.rs,
//! driven by a raw TcpStream client.

// Clippy's allow-unwrap-in-tests does not cover helper fns outside #[test].
#![allow(clippy::unwrap_used)]

mod common;

use common::server::{Route, TestServer, LAST_MODIFIED};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn connect(s: &TestServer) -> BufReader<TcpStream> {
    let c = TcpStream::connect(s.host()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    BufReader::new(c)
}

fn send(c: &mut BufReader<TcpStream>, path: &str, extra: &[(&str, &str)]) {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: test\r\n");
    for (n, v) in extra {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    c.get_mut().write_all(req.as_bytes()).unwrap();
}

/// Reads status line, headers and a Content-Length body.
fn read_head(c: &mut BufReader<TcpStream>) -> Resp {
    let mut line = String::new();
    c.read_line(&mut line).unwrap();
    let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        c.read_line(&mut line).unwrap();
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').unwrap();
        headers.push((n.to_ascii_lowercase(), v.trim().to_string()));
    }
    Resp {
        status,
        headers,
        body: Vec::new(),
    }
}

fn read_resp(c: &mut BufReader<TcpStream>) -> Resp {
    let mut r = read_head(c);
    let len: usize = r.header("content-length").unwrap().parse().unwrap();
    r.body = vec![0; len];
    c.read_exact(&mut r.body).unwrap();
    r
}

/// One request on a fresh connection.
fn get(s: &TestServer, path: &str, extra: &[(&str, &str)]) -> Resp {
    let mut c = connect(s);
    send(&mut c, path, extra);
    read_resp(&mut c)
}

#[test]
fn file_etag_and_conditionals() {
    let s = TestServer::start();
    s.route("/a.xml", Route::file("<rss/>", "application/xml"));
    let r = get(&s, "/a.xml", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"<rss/>");
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert_eq!(r.header("last-modified"), Some(LAST_MODIFIED));
    let etag = r.header("etag").unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2);

    let r = get(&s, "/a.xml", &[("If-None-Match", &etag)]);
    assert_eq!(r.status, 304);
    assert_eq!(r.header("content-length"), Some("0"));
    assert!(r.body.is_empty());

    let r = get(&s, "/a.xml", &[("If-Modified-Since", LAST_MODIFIED)]);
    assert_eq!(r.status, 304);

    // If-None-Match takes precedence over If-Modified-Since.
    let r = get(
        &s,
        "/a.xml",
        &[
            ("If-None-Match", "\"other\""),
            ("If-Modified-Since", LAST_MODIFIED),
        ],
    );
    assert_eq!(r.status, 200);
    assert_eq!(s.statuses("/a.xml"), vec![200, 304, 304, 200]);

    // Different body, different ETag.
    s.route("/a.xml", Route::file("<rss></rss>", "application/xml"));
    assert_ne!(get(&s, "/a.xml", &[]).header("etag").unwrap(), etag);
}

#[test]
fn sequence_then_last_repeats() {
    let s = TestServer::start();
    s.route(
        "/seq",
        Route::Sequence(vec![Route::status(500), Route::file("ok", "text/plain")]),
    );
    assert_eq!(get(&s, "/seq", &[]).status, 500);
    assert_eq!(get(&s, "/seq", &[]).status, 200);
    assert_eq!(get(&s, "/seq", &[]).status, 200);
    assert_eq!(s.statuses("/seq"), vec![500, 200, 200]);
}

#[test]
fn redirect_and_raw_headers() {
    let s = TestServer::start();
    s.route("/old", Route::Redirect("/new".into()));
    let r = get(&s, "/old", &[]);
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/new"));

    s.route(
        "/limited",
        Route::Raw {
            status: 429,
            headers: vec![("Retry-After".into(), "120".into())],
            body: b"slow down".to_vec(),
        },
    );
    let r = get(&s, "/limited", &[]);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("120"));
    assert_eq!(r.body, b"slow down");
}

#[test]
fn huge_streams_and_client_can_quit() {
    let s = TestServer::start();
    s.route("/big", Route::Huge(50 * 1024 * 1024));
    let mut c = connect(&s);
    send(&mut c, "/big", &[]);
    let r = read_head(&mut c);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("content-length"), None);
    let mut some = vec![0; 8192];
    c.read_exact(&mut some).unwrap();
    assert!(some.iter().filter(|&&b| b == b'a').count() > 8000);
    drop(c);
    // The server keeps working after the client hung up mid-stream.
    s.route("/small", Route::file("x", "text/plain"));
    assert_eq!(get(&s, "/small", &[]).body, b"x");
    assert_eq!(s.hits("/big"), 1);
}

#[test]
fn huge_small_body_is_well_formed() {
    let s = TestServer::start();
    s.route("/big", Route::Huge(100_000));
    let mut c = connect(&s);
    send(&mut c, "/big", &[("Connection", "close")]);
    read_head(&mut c);
    let mut rest = Vec::new();
    c.read_to_end(&mut rest).unwrap();
    // Decode chunks.
    let mut body = Vec::new();
    let mut i = 0;
    loop {
        let eol = i + rest[i..].windows(2).position(|w| w == b"\r\n").unwrap();
        let len = usize::from_str_radix(std::str::from_utf8(&rest[i..eol]).unwrap(), 16).unwrap();
        i = eol + 2;
        if len == 0 {
            break;
        }
        body.extend_from_slice(&rest[i..i + len]);
        i += len + 2;
    }
    assert_eq!(body.len(), 100_000);
    assert!(body.iter().all(|&b| b == b'a'));
}

#[test]
fn hits_404_and_query_ignored() {
    let s = TestServer::start();
    s.route("/a.xml", Route::file("a", "application/xml"));
    assert_eq!(get(&s, "/a.xml?x=1", &[]).status, 200);
    assert_eq!(get(&s, "/a.xml", &[]).status, 200);
    assert_eq!(get(&s, "/nope", &[]).status, 404);
    assert_eq!(s.hits("/a.xml"), 2);
    assert_eq!(s.hits("/nope"), 1);
    assert_eq!(s.hits("/other"), 0);
    assert_eq!(s.statuses("/nope"), vec![404]);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].target, "/a.xml?x=1");
    assert_eq!(reqs[0].path, "/a.xml");
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].header("HOST"), Some("test"));
}

#[test]
fn keep_alive_and_connection_close() {
    let s = TestServer::start();
    s.route("/a", Route::file("one", "text/plain"));
    s.route("/b", Route::file("two", "text/plain"));
    let mut c = connect(&s);
    send(&mut c, "/a", &[]);
    assert_eq!(read_resp(&mut c).body, b"one");
    send(&mut c, "/b", &[]);
    assert_eq!(read_resp(&mut c).body, b"two");
    // A request with a body: the body is skipped, not taken as a request.
    c.get_mut()
        .write_all(b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")
        .unwrap();
    assert_eq!(read_resp(&mut c).status, 200);
    send(&mut c, "/a", &[("Connection", "close")]);
    let r = read_resp(&mut c);
    assert_eq!(r.header("connection"), Some("close"));
    let mut rest = Vec::new();
    assert_eq!(c.read_to_end(&mut rest).unwrap(), 0);
    assert_eq!(s.hits("/a"), 3);
    assert_eq!(s.requests()[2].method, "POST");
}

#[test]
fn malformed_request_gets_400() {
    let s = TestServer::start();
    let mut c = connect(&s);
    c.get_mut().write_all(b"garbage\r\n\r\n").unwrap();
    let r = read_resp(&mut c);
    assert_eq!(r.status, 400);
    let mut rest = Vec::new();
    assert_eq!(c.read_to_end(&mut rest).unwrap(), 0);
    // Binary junk is handled too.
    let mut c = connect(&s);
    c.get_mut().write_all(b"\xff\xfe \x00\x01\n\n").unwrap();
    assert_eq!(read_resp(&mut c).status, 400);
    assert!(s.requests().is_empty());
}

#[test]
fn hang_never_answers_and_drop_is_fast() {
    let s = TestServer::start();
    s.route("/hang", Route::Hang);
    let mut c = connect(&s);
    c.get_mut()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    send(&mut c, "/hang", &[]);
    let mut buf = [0u8; 16];
    let err = c.read(&mut buf).unwrap_err();
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));
    assert_eq!(s.hits("/hang"), 1);
    assert!(s.statuses("/hang").is_empty());
    // An idle keep-alive connection as well.
    let _idle = connect(&s);
    let t = Instant::now();
    drop(s);
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    // The hanging connection is closed after drop.
    c.get_mut()
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    assert_eq!(c.read(&mut buf).unwrap_or(0), 0);
}

#[test]
fn serve_dir_routes_files() {
    let dir = std::env::temp_dir().join(format!("testserver-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("feed.atom"), "<feed/>").unwrap();
    std::fs::write(dir.join("page.html"), "<p>hi</p>").unwrap();
    std::fs::write(dir.join("sub/f.json"), "{}").unwrap();
    let s = TestServer::start();
    s.serve_dir("/files/", &dir);
    let r = get(&s, "/files/feed.atom", &[]);
    assert_eq!(r.header("content-type"), Some("application/xml"));
    assert_eq!(r.body, b"<feed/>");
    let r = get(&s, "/files/page.html", &[]);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let r = get(&s, "/files/sub/f.json", &[]);
    assert_eq!(r.header("content-type"), Some("application/json"));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(s.url("/x").starts_with("http://127.0.0.1:"));
    assert_eq!(s.url("x"), format!("{}/x", s.base()));
}
