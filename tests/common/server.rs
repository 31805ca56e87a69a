//! Minimal HTTP/1.1 server for integration tests, standard library only.
//!
//! Binds 127.0.0.1 on a random port, serves one thread per connection with
//! keep-alive, and bounds every thread in time so a broken test cannot hang
//! the suite: the accept loop polls, connections poll reads every 100 ms and
//! give up after 5 s idle, and everything stops after 120 s or on drop.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Fixed Last-Modified sent by `Route::File`.
pub const LAST_MODIFIED: &str = "Tue, 15 Nov 1994 12:45:26 GMT";

const HARD_LIMIT: Duration = Duration::from_secs(120);
const IDLE: Duration = Duration::from_secs(5);
const HANG: Duration = Duration::from_secs(30);
const SOCKET_POLL: Duration = Duration::from_millis(100);
const MAX_HEAD: usize = 64 * 1024;
const CHUNK: usize = 64 * 1024;

/// A request as received (body skipped).
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path without query string, e.g. "/feeds/a.xml".
    pub path: String,
    /// Request target as sent, query included.
    pub target: String,
    /// Header names lowercased, in arrival order.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// First header with that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Debug)]
pub enum Route {
    /// 200 with body, a strong ETag (hash of the body) and `LAST_MODIFIED`;
    /// 304 when If-None-Match matches, or (without If-None-Match) when
    /// If-Modified-Since equals `LAST_MODIFIED`.
    File { body: Vec<u8>, content_type: String },
    /// Any status, headers and body, no conditional handling. A
    /// Content-Length given here replaces the real one (the connection is
    /// then closed after the body, so a short body simulates truncation).
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// 302 to the given location.
    Redirect(String),
    /// Never answers; holds the connection until drop or 30 s.
    Hang,
    /// 200 with N bytes of 'a', chunked, no Content-Length.
    Huge(usize),
    /// The n-th request to the path gets the n-th route; the last repeats.
    /// Counting restarts when the path's route is replaced.
    Sequence(Vec<Route>),
}

impl Route {
    /// Shorthand for `Route::File`.
    pub fn file(body: impl Into<Vec<u8>>, content_type: &str) -> Route {
        Route::File {
            body: body.into(),
            content_type: content_type.to_string(),
        }
    }

    /// Shorthand for a `Route::Raw` with that status and an empty body.
    pub fn status(status: u16) -> Route {
        Route::Raw {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

struct State {
    /// Route per path and how many requests it has served.
    routes: HashMap<String, (Route, usize)>,
    hits: HashMap<String, usize>,
    statuses: HashMap<String, Vec<u16>>,
    requests: Vec<Request>,
    conns: Vec<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    stop: AtomicBool,
    started: Instant,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True once every thread should wind down.
    fn done(&self) -> bool {
        self.stop.load(Ordering::SeqCst) || self.started.elapsed() > HARD_LIMIT
    }
}

pub struct TestServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server with an empty route table (every path is 404).
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("test server: bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("test server: local_addr: {e}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("test server: set_nonblocking: {e}"));
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                routes: HashMap::new(),
                hits: HashMap::new(),
                statuses: HashMap::new(),
                requests: Vec::new(),
                conns: Vec::new(),
            }),
            stop: AtomicBool::new(false),
            started: Instant::now(),
        });
        let sh = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("testserver-accept".into())
            .spawn(move || accept_loop(listener, sh))
            .unwrap_or_else(|e| panic!("test server: spawn: {e}"));
        TestServer {
            shared,
            addr,
            accept: Some(accept),
        }
    }

    /// Adds or replaces the route for a path (query strings are ignored when matching).
    pub fn route(&self, path: &str, route: Route) {
        self.shared
            .lock()
            .routes
            .insert(path.to_string(), (route, 0));
    }

    /// "http://127.0.0.1:PORT" followed by path.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.base())
        } else {
            format!("{}/{path}", self.base())
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// Number of requests received for that path.
    pub fn hits(&self, path: &str) -> usize {
        self.shared.lock().hits.get(path).copied().unwrap_or(0)
    }

    /// Statuses answered for that path, in order (Hang answers nothing).
    pub fn statuses(&self, path: &str) -> Vec<u16> {
        self.shared
            .lock()
            .statuses
            .get(path)
            .cloned()
            .unwrap_or_default()
    }

    /// Every well-formed request, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    /// Serves every file under dir (recursively) as a `File` route at prefix/name.
    pub fn serve_dir(&self, prefix: &str, dir: &Path) {
        let entries =
            fs::read_dir(dir).unwrap_or_else(|e| panic!("serve_dir: read {}: {e}", dir.display()));
        let prefix = prefix.trim_matches('/');
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let url_path = if prefix.is_empty() {
                format!("/{name}")
            } else {
                format!("/{prefix}/{name}")
            };
            let path = entry.path();
            if path.is_dir() {
                self.serve_dir(&url_path, &path);
                continue;
            }
            let body = fs::read(&path)
                .unwrap_or_else(|e| panic!("serve_dir: read {}: {e}", path.display()));
            self.route(&url_path, Route::file(body, content_type_for(&path)));
        }
    }
}

impl Drop for TestServer {
    /// Stops accepting, then waits at most ~1 s for connection threads;
    /// any still running are abandoned (they notice the stop flag within 100 ms).
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        let conns = std::mem::take(&mut self.shared.lock().conns);
        let deadline = Instant::now() + Duration::from_secs(1);
        for h in conns {
            while !h.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            if h.is_finished() {
                let _ = h.join();
            }
        }
    }
}

/// Content type guessed from a file extension.
pub fn content_type_for(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("xml" | "atom" | "rss" | "rdf") => "application/xml",
        Some("json") => "application/json",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while !shared.done() {
        match listener.accept() {
            Ok((stream, _)) => {
                let sh = Arc::clone(&shared);
                let spawned = thread::Builder::new()
                    .name("testserver-conn".into())
                    .spawn(move || serve_conn(stream, sh));
                // On spawn failure the stream is dropped, closing the connection.
                if let Ok(h) = spawned {
                    let mut st = shared.lock();
                    st.conns.retain(|h| !h.is_finished());
                    st.conns.push(h);
                }
            }
            Err(_) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

fn serve_conn(stream: TcpStream, shared: Arc<Shared>) {
    // Short socket timeouts so the loops below can check the stop flag.
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(SOCKET_POLL));
    let _ = stream.set_write_timeout(Some(SOCKET_POLL));
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
        shared,
    };
    while let Some(head) = conn.read_head() {
        let Some((req, body_len, keep)) = parse_head(&head) else {
            conn.send("", 400, &[], b"bad request\n", false, false);
            return;
        };
        if !conn.skip(body_len) || !conn.respond(req, keep) {
            return;
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

/// Parses request line and headers into (request, body length, keep-alive).
fn parse_head(head: &[u8]) -> Option<(Request, usize, bool)> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.lines();
    let mut parts = lines.next()?.split_whitespace();
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let valid = parts.next().is_none()
        && version.starts_with("HTTP/1.")
        && method.bytes().all(|b| b.is_ascii_uppercase());
    if !valid {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines.take_while(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    // Absolute-form targets ("http://host/path") are reduced to their path.
    let mut path = target;
    if let Some(rest) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        path = rest.find('/').map_or("/", |i| &rest[i..]);
    }
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let req = Request {
        method: method.to_string(),
        path: path.to_string(),
        target: target.to_string(),
        headers,
    };
    // Chunked request bodies are not supported.
    if req.header("transfer-encoding").is_some() {
        return None;
    }
    let body_len = match req.header("content-length") {
        Some(v) => v.parse().ok()?,
        None => 0,
    };
    let connection = req.header("connection").unwrap_or("").to_ascii_lowercase();
    let keep = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    Some((req, body_len, keep))
}

/// End of the header block (index just past the blank line), if complete.
fn head_end(buf: &[u8]) -> Option<usize> {
    (0..buf.len()).find_map(|i| match &buf[i..] {
        [b'\n', b'\n', ..] => Some(i + 2),
        [b'\n', b'\r', b'\n', ..] => Some(i + 3),
        _ => None,
    })
}

/// Picks the route of a Sequence for the n-th request (0-based).
fn pick(route: &Route, n: usize) -> &Route {
    match route {
        Route::Sequence(list) if !list.is_empty() => pick(&list[n.min(list.len() - 1)], n),
        r => r,
    }
}

/// FNV-1a, a small stable hash for ETags.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

struct Conn {
    stream: TcpStream,
    /// Bytes received but not yet consumed.
    buf: Vec<u8>,
    shared: Arc<Shared>,
}

impl Conn {
    /// Reads more bytes into buf; false on EOF, error, 5 s idle or stop.
    fn fill(&mut self) -> bool {
        let start = Instant::now();
        let mut tmp = [0u8; 8192];
        while !self.shared.done() && start.elapsed() < IDLE {
            match self.stream.read(&mut tmp) {
                Ok(0) => return false,
                Ok(n) => {
                    self.buf.extend_from_slice(&tmp[..n]);
                    return true;
                }
                Err(e) if is_timeout(&e) => {}
                Err(_) => return false,
            }
        }
        false
    }

    /// Writes all of data; false on error, 5 s without progress or stop.
    fn write(&mut self, mut data: &[u8]) -> bool {
        let mut last = Instant::now();
        while !data.is_empty() {
            if self.shared.done() || last.elapsed() > IDLE {
                return false;
            }
            match self.stream.write(data) {
                Ok(0) => return false,
                Ok(n) => {
                    data = &data[n..];
                    last = Instant::now();
                }
                Err(e) if is_timeout(&e) => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// Next request head, or None when the connection should end.
    fn read_head(&mut self) -> Option<Vec<u8>> {
        loop {
            // Tolerate stray blank lines between requests.
            let blanks = self
                .buf
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            self.buf.drain(..blanks);
            if let Some(end) = head_end(&self.buf) {
                return Some(self.buf.drain(..end).collect());
            }
            if self.buf.len() > MAX_HEAD {
                self.send("", 400, &[], b"header too large\n", false, false);
                return None;
            }
            if !self.fill() {
                return None;
            }
        }
    }

    /// Discards n body bytes.
    fn skip(&mut self, mut n: usize) -> bool {
        loop {
            let k = n.min(self.buf.len());
            self.buf.drain(..k);
            n -= k;
            if n == 0 {
                return true;
            }
            if !self.fill() {
                return false;
            }
        }
    }

    /// Records the request and answers it; returns whether to keep the connection.
    fn respond(&mut self, req: Request, keep: bool) -> bool {
        let route = {
            let mut st = self.shared.lock();
            *st.hits.entry(req.path.clone()).or_default() += 1;
            st.requests.push(req.clone());
            st.routes.get_mut(&req.path).map(|(route, served)| {
                *served += 1;
                pick(route, *served - 1).clone()
            })
        };
        let path = req.path.as_str();
        let head_only = req.method == "HEAD";
        let Some(route) = route else {
            let hs = [("Content-Type", "text/plain")];
            return self.send(path, 404, &hs, b"not found\n", keep, head_only);
        };
        match route {
            Route::File { body, content_type } => {
                let etag = format!("\"{:016x}\"", fnv1a(&body));
                let not_modified = match req.header("if-none-match") {
                    Some(v) => v
                        .split(',')
                        .map(str::trim)
                        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag),
                    None => req.header("if-modified-since") == Some(LAST_MODIFIED),
                };
                let mut hs = vec![("ETag", etag.as_str()), ("Last-Modified", LAST_MODIFIED)];
                if not_modified {
                    self.send(path, 304, &hs, b"", keep, head_only)
                } else {
                    hs.push(("Content-Type", &content_type));
                    self.send(path, 200, &hs, &body, keep, head_only)
                }
            }
            Route::Raw {
                status,
                headers,
                body,
            } => {
                let hs: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                self.send(path, status, &hs, &body, keep, head_only)
            }
            Route::Redirect(location) => {
                self.send(path, 302, &[("Location", &location)], b"", keep, head_only)
            }
            Route::Hang => {
                let start = Instant::now();
                while !self.shared.done() && start.elapsed() < HANG {
                    thread::sleep(Duration::from_millis(20));
                }
                false
            }
            Route::Huge(n) => self.send_huge(path, n, keep, head_only),
            // Only an empty Sequence gets here.
            Route::Sequence(_) => self.send(path, 500, &[], b"empty sequence\n", false, head_only),
        }
    }

    /// Sends a complete response with Content-Length; returns whether to keep the connection.
    fn send(
        &mut self,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
        mut keep: bool,
        head_only: bool,
    ) -> bool {
        if !path.is_empty() {
            let mut st = self.shared.lock();
            st.statuses
                .entry(path.to_string())
                .or_default()
                .push(status);
        }
        let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        let mut has_len = false;
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("content-length") {
                // A caller-given length may lie: close afterwards to stay in sync.
                has_len = true;
                keep = false;
            }
            if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
                keep = false;
            }
            let _ = write!(out, "{name}: {value}\r\n");
        }
        if !has_len {
            let _ = write!(out, "Content-Length: {}\r\n", body.len());
        }
        if !keep {
            out.push_str("Connection: close\r\n");
        }
        out.push_str("\r\n");
        let mut data = out.into_bytes();
        if !head_only {
            data.extend_from_slice(body);
        }
        self.write(&data) && keep
    }

    /// Streams n bytes of 'a' with chunked encoding; stops quietly on client close.
    fn send_huge(&mut self, path: &str, n: usize, keep: bool, head_only: bool) -> bool {
        {
            let mut st = self.shared.lock();
            st.statuses.entry(path.to_string()).or_default().push(200);
        }
        let mut head = String::from(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n",
        );
        if !keep {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        if !self.write(head.as_bytes()) {
            return false;
        }
        if head_only {
            return keep;
        }
        let chunk = vec![b'a'; CHUNK];
        let mut left = n;
        while left > 0 {
            let k = left.min(CHUNK);
            let mut data = format!("{k:x}\r\n").into_bytes();
            data.extend_from_slice(&chunk[..k]);
            data.extend_from_slice(b"\r\n");
            if !self.write(&data) {
                return false;
            }
            left -= k;
        }
        self.write(b"0\r\n\r\n") && keep
    }
}
