//! The interface end to end: the built binary in a pseudo-terminal against
//! a local server, the screen read with a terminal emulator. Every wait
//! has a deadline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;
use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROWS: u16 = 40;
const COLS: u16 = 120;

struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
}

impl Pty {
    fn spawn(sb: &Sandbox, extra: &[&str]) -> Pty {
        let mut args = vec![
            "--config".into(),
            sb.config().into_os_string(),
            "--cache".into(),
            sb.cache().into_os_string(),
        ];
        args.extend(extra.iter().map(std::ffi::OsString::from));
        Pty::spawn_args(sb, &args)
    }

    /// The binary with exactly these arguments, at home in the sandbox.
    fn spawn_args(sb: &Sandbox, args: &[std::ffi::OsString]) -> Pty {
        Pty::spawn_sized(sb, args, (ROWS, COLS), &[])
    }

    /// The same in a terminal of (rows, cols), with more environment.
    fn spawn_sized(
        sb: &Sandbox,
        args: &[std::ffi::OsString],
        (rows, cols): (u16, u16),
        env: &[(&str, &str)],
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_tidings"));
        for a in args {
            cmd.arg(a);
        }
        cmd.env("HOME", sb.dir.path());
        cmd.cwd(sb.dir.path());
        cmd.env("XDG_STATE_HOME", sb.dir.path().join("state"));
        cmd.env("TERM", "xterm-256color");
        cmd.env("BROWSER", "/bin/true");
        let tmp = sb.dir.path().join("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        cmd.env("TMPDIR", tmp);
        cmd.env_remove("TIDINGS_CONFIG");
        cmd.env_remove("TIDINGS_CACHE");
        cmd.env_remove("NO_COLOR");
        cmd.env_remove("TIDINGS_SCREEN_READER");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let sink = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty {
            screen,
            writer,
            child,
            _master: pair.master,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Polls the screen until `ok` holds; fails with the screen after `secs`.
    fn wait(&self, what: &str, secs: u64, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.contents();
            if ok(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The cursor (row, column), whether it shows, and its line.
    fn cursor(&self) -> ((u16, u16), bool, String) {
        let p = self.screen.lock().unwrap();
        let s = p.screen();
        let (row, col) = s.cursor_position();
        let (_, cols) = s.size();
        let line = s.rows(0, cols).nth(usize::from(row)).unwrap_or_default();
        let shown = !s.hide_cursor();
        ((row, col), shown, line.trim_end().to_string())
    }

    /// Waits until the cursor is at `at` on a line that passes `ok`, and
    /// checks the screen has no decoration.
    fn wait_cursor(&self, what: &str, at: (u16, u16), ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (pos, shown, line) = self.cursor();
            if pos == at && shown && ok(&line) {
                let s = self.contents();
                let bad: Vec<char> = s.chars().filter(|c| decoration(*c)).collect();
                assert!(bad.is_empty(), "{bad:?} on screen:\n{s}");
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} at {at:?}; cursor at {pos:?} (shown: {shown}) on {line:?}; screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait(text, 20, |s| s.contains(text))
    }

    /// Types keys one at a time, as a person would.
    fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let mut b = [0u8; 4];
            self.writer
                .write_all(c.encode_utf8(&mut b).as_bytes())
                .unwrap();
            self.writer.flush().unwrap();
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Esc alone (a pause after it so it is not read as Alt).
    fn esc(&mut self) {
        self.writer.write_all(b"\x1b").unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(250));
    }

    fn wait_exit(&mut self, secs: u64) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("tidings did not exit; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Box drawing, blocks, and the marks the screen-reader mode never shows.
fn decoration(c: char) -> bool {
    matches!(c, '\u{2500}'..='\u{259f}' | '●' | '▶' | '✓' | '★')
}

fn rss(title: &str, items: &[(&str, &str, &str)]) -> String {
    let mut s =
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>");
    for (guid, t, date) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{t}</title><link>https://example.test/{guid}</link>\
             <pubDate>{date}</pubDate><description>&lt;p&gt;{t} body text.&lt;/p&gt;</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn by_title<'a>(list: &'a [serde_json::Value], title: &str) -> &'a serde_json::Value {
    list.iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("{title} in {list:?}"))
}

#[test]
fn browse_filter_read_star_quit_then_offline() {
    let server = TestServer::start();
    server.route(
        "/alpha.xml",
        Route::file(
            rss(
                "Alpha",
                &[
                    ("a1", "Alpha one", "Thu, 25 May 2023 09:00:00 GMT"),
                    ("a2", "Alpha two", "Wed, 24 May 2023 09:00:00 GMT"),
                ],
            ),
            "application/rss+xml",
        ),
    );
    server.route(
        "/beta.xml",
        Route::file(
            rss(
                "Beta",
                &[("b1", "Beta news", "Fri, 26 May 2023 09:00:00 GMT")],
            ),
            "application/rss+xml",
        ),
    );
    let sb = Sandbox::new();
    sb.write_config(
        "refresh_minutes = 0",
        &[
            ("Alpha", &server.url("/alpha.xml")),
            ("Beta", &server.url("/beta.xml")),
        ],
    );

    let mut t = Pty::spawn(&sb, &[]);
    // The refresh fills the list; the status bar says when it is done.
    t.wait("the refresh", 30, |s| {
        s.contains("Beta news")
            && s.contains("Alpha two")
            && s.contains("updated just now")
            && !s.contains("refreshing")
    });
    assert!(server.hits("/alpha.xml") >= 1 && server.hits("/beta.xml") >= 1);

    // Live filter.
    t.keys("/beta");
    let s = t.wait("the filtered list", 10, |s| {
        s.contains("All · 1") && s.contains("/beta")
    });
    assert!(!s.contains("Alpha one"), "{s}");
    t.keys("\r");

    // Open it (marks it read) and go back.
    t.keys("\r");
    t.wait_for("Beta news body text.");
    t.keys("q");
    t.wait("the list focused", 10, |s| s.contains("▶ All"));

    // Esc clears the filter; star Alpha one, mark Alpha two read.
    t.esc();
    t.wait("the whole list", 10, |s| s.contains("All · 3"));
    t.keys("js");
    t.wait_for("★");
    t.keys("jm");
    t.wait("3/3", 10, |s| s.contains("3/3"));
    std::thread::sleep(Duration::from_millis(300));
    t.keys("q");
    assert!(t.wait_exit(15).success());

    let list = sb.list_json(&[]);
    assert_eq!(list.len(), 3);
    let beta = by_title(&list, "Beta news");
    let one = by_title(&list, "Alpha one");
    let two = by_title(&list, "Alpha two");
    assert_eq!(
        (beta["read"].as_bool(), beta["starred"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(
        (one["read"].as_bool(), one["starred"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(
        (two["read"].as_bool(), two["starred"].as_bool()),
        (Some(true), Some(false))
    );

    // Offline with the server gone: the same articles, and the last
    // selection restored.
    drop(server);
    let mut t = Pty::spawn(&sb, &["--offline"]);
    // The position is drawn last in a frame: waiting for it waits for the
    // whole frame.
    let s = t.wait("the cached list", 20, |s| {
        s.contains("Beta news")
            && s.contains("Alpha one")
            && s.contains("Alpha two")
            && s.contains("offline")
            && s.contains("/3 ")
    });
    assert!(s.contains("3/3"), "selection restored:\n{s}");
    assert!(!s.contains("refreshing"), "{s}");
    t.keys("q");
    assert!(t.wait_exit(15).success());
    assert_eq!(sb.list_json(&[]), list);
}

#[test]
fn without_a_terminal_the_interface_explains() {
    let sb = Sandbox::new();
    sb.write_config("", &[]);
    let out = sb.cmd().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

#[test]
fn the_demo_runs_on_its_own_samples() {
    let sb = Sandbox::new();
    // The sandbox has no config or cache: the demo needs none.
    let mut t = Pty::spawn_args(&sb, &["--demo".into()]);
    let s = t.wait("the demo's refresh", 30, |s| {
        s.contains("HIN South London")
            && s.contains("Digital health notes")
            && s.contains("NHS announcements")
            // 19 articles; the relicensing announcement is one story of two.
            && s.contains("All · 18")
            && s.contains("also in: NHS announcements")
            && s.contains("updated just now")
            && !s.contains("refreshing")
    });
    assert!(!s.contains(" !"), "no feed fails:\n{s}");
    // The relicensing announcement, scraped from the news page, with the
    // text of its own page.
    t.keys("/title:relicensing");
    t.wait("the filtered list", 10, |s| s.contains("All · 1"));
    t.keys("\r\r");
    t.wait_for("Today the Government has confirmed");
    t.keys("\u{3}");
    assert!(t.wait_exit(15).success());
    assert!(!sb.config().exists() && !sb.cache().exists());
    assert!(!sb.dir.path().join("state/ui-state.json").exists());
    // Its temporary config and cache are gone.
    let left: Vec<_> = std::fs::read_dir(sb.dir.path().join("tmp"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn the_demo_needs_a_terminal() {
    let out = assert_cmd::Command::cargo_bin("tidings")
        .unwrap()
        .arg("--demo")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

#[test]
fn search_narrows_as_each_key_is_typed() {
    let server = TestServer::start();
    server.route(
        "/h.xml",
        Route::file(
            rss(
                "Health",
                &[
                    (
                        "h1",
                        "Health innovation awards",
                        "Thu, 25 May 2023 09:00:00 GMT",
                    ),
                    (
                        "h2",
                        "Health innovators meet",
                        "Wed, 24 May 2023 09:00:00 GMT",
                    ),
                    ("h3", "Health visitors", "Tue, 23 May 2023 09:00:00 GMT"),
                    ("h4", "Weather", "Mon, 22 May 2023 09:00:00 GMT"),
                ],
            ),
            "application/rss+xml",
        ),
    );
    let sb = Sandbox::new();
    sb.write_config("refresh_minutes = 0", &[("Health", &server.url("/h.xml"))]);
    sb.cmd().arg("fetch").assert().success();

    let mut t = Pty::spawn(&sb, &["--offline"]);
    t.wait("the list", 20, |s| {
        s.contains("Weather") && s.contains("All · 4")
    });
    // The unfinished word matches as a prefix: both innovation articles
    // show before "innov" is complete, and the list narrows key by key.
    t.keys("/health inno");
    let s = t.wait("the unfinished word to match", 10, |s| {
        s.contains("/health inno") && s.contains("All · 2")
    });
    assert!(
        s.contains("Health innovati") && s.contains("Health innovato"),
        "{s}"
    );
    assert!(
        !s.contains("No articles match") && !s.contains("Health visitors"),
        "{s}"
    );
    t.keys("vati");
    let s = t.wait("a narrower list", 10, |s| {
        s.contains("/health innovati") && s.contains("All · 1")
    });
    assert!(
        s.contains("Health innovati") && !s.contains("Health innovato"),
        "{s}"
    );
    // A finished word (a space after it) is a whole word again.
    t.keys(" ");
    t.wait("no whole-word match", 10, |s| {
        s.contains("No articles match")
    });
    t.esc();
    t.wait("the whole list", 10, |s| s.contains("All · 4"));
    t.keys("q");
    assert!(t.wait_exit(15).success());
}

#[test]
fn full_text_on_demand_and_a_bulletin_from_the_reader() {
    let server = TestServer::start();
    // Dated today: the bulletin covers the last week.
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Gov</title>\
         <item><guid>g1</guid><title>Genomics strategy published</title><link>{}</link>\
         <pubDate>{}</pubDate>\
         <description>One-line summary.</description></item></channel></rss>",
        server.url("/news/genomics"),
        chrono::Utc::now().to_rfc2822()
    );
    server.route("/gov.xml", Route::file(feed, "application/rss+xml"));
    server.route(
        "/news/genomics",
        Route::file(
            "<html><body><nav>Home About</nav><main><h1>Genomics strategy published</h1>\
             <p>The whole strategy text begins here, paragraph one.</p>\
             <p>Paragraph two of the strategy, long enough to be prose.</p></main></body></html>",
            "text/html; charset=utf-8",
        ),
    );
    let sb = Sandbox::new();
    sb.write_config("refresh_minutes = 0", &[("Gov", &server.url("/gov.xml"))]);
    let mut t = Pty::spawn(&sb, &[]);
    t.wait("the refresh", 30, |s| {
        s.contains("Genomics strategy") && s.contains("updated just now")
    });
    t.keys("\r");
    t.wait_for("One-line summary.");
    assert_eq!(server.hits("/news/genomics"), 0);
    t.keys("F");
    t.wait_for("The whole strategy text begins here");
    assert!(t.contents().contains("whole article read"));
    assert_eq!(server.hits("/news/genomics"), 1);

    // b writes the view's bulletin into the working directory.
    t.keys("b");
    let s = t.wait_for("bulletin of 1 written to");
    assert!(s.contains("bulletin-all-"), "{s}");
    let written: Vec<_> = std::fs::read_dir(sb.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let html = std::fs::read_to_string(&written[0]).unwrap();
    assert!(html.contains("Genomics strategy published"), "{html}");
    t.keys("qq");
    assert!(t.wait_exit(15).success());

    // The whole text stays in the cache.
    drop(server);
    let id = sb.list_json(&[])[0]["id"].to_string();
    let out = sb.cmd().args(["show", &id]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("paragraph one"));
}

/// The screen-reader mode, asked for in the environment: after every key
/// the cursor is on the line to read next.
#[test]
fn screen_reader_cursor_follows_every_key() {
    let server = TestServer::start();
    let alpha = rss(
        "Alpha",
        &[
            ("a1", "Alpha one", "Thu, 25 May 2023 09:00:00 GMT"),
            ("a2", "Alpha two", "Wed, 24 May 2023 09:00:00 GMT"),
        ],
    );
    server.route("/alpha.xml", Route::file(alpha, "application/rss+xml"));
    let beta =
        |items: &[(&str, &str, &str)]| Route::file(rss("Beta", items), "application/rss+xml");
    let news = ("b1", "Beta news", "Fri, 26 May 2023 09:00:00 GMT");
    server.route("/beta.xml", beta(&[news]));
    let sb = Sandbox::new();
    sb.write_config(
        "refresh_minutes = 0",
        &[
            ("Alpha", &server.url("/alpha.xml")),
            ("Beta", &server.url("/beta.xml")),
        ],
    );
    let mut config = std::fs::read_to_string(sb.config()).unwrap();
    config.push_str("\n[[view]]\nname = \"Beta alerts\"\nquery = \"breaking\"\nnotify = true\n");
    std::fs::write(sb.config(), config).unwrap();
    let args: Vec<std::ffi::OsString> = vec![
        "--config".into(),
        sb.config().into(),
        "--cache".into(),
        sb.cache().into(),
    ];
    let mut t = Pty::spawn_sized(&sb, &args, (24, 80), &[("TIDINGS_SCREEN_READER", "1")]);

    // The end of the first refresh is announced: the cursor is on it.
    t.wait_cursor("the refresh's end", (23, 0), |l| {
        l.starts_with("Refresh done: 2 feeds, 3 new articles.")
    });
    t.wait("Articles: All, 3, 3 unread", 10, |s| {
        s.starts_with("Articles: All, 3, 3 unread")
    });
    // The top: a row stored before the others came keeps its selection,
    // so the first row is not selected by itself.
    t.keys("g");
    t.wait_cursor("the first row", (1, 0), |l| {
        l == "unread, 26 May 2023, Beta: Beta news"
    });
    // Move.
    t.keys("j");
    t.wait_cursor("the second row", (2, 0), |l| {
        l == "unread, 25 May 2023, Alpha: Alpha one"
    });
    // Open: the article's first line.
    t.keys("\r");
    t.wait_cursor("the article", (1, 0), |l| l == "Alpha one");
    t.wait("Reader: 2 of 3 in All, q goes back", 10, |s| {
        s.starts_with("Reader: 2 of 3 in All, q goes back")
    });
    // Scroll: the first visible line follows.
    t.keys("j");
    t.wait_cursor("the next line", (1, 0), |l| {
        l.starts_with("From Alpha, 25 May 2023")
    });
    t.keys("j");
    t.wait_cursor("the link line", (1, 0), |l| {
        l.starts_with("Page: example.test")
    });
    // Back: the row again, now read.
    t.keys("q");
    t.wait_cursor("the row", (2, 0), |l| l == "25 May 2023, Alpha: Alpha one");
    // Tab through the panes, each alone on the screen.
    t.keys("\t");
    // The reader where it was left.
    t.wait_cursor("the reader", (1, 0), |l| {
        l.starts_with("Page: example.test")
    });
    t.keys("\t");
    t.wait_cursor("the views", (1, 0), |l| {
        l == "All, 3 articles, 2 unread, shown"
    });
    t.wait("Views and feeds: 2 feeds", 10, |s| {
        s.starts_with("Views and feeds: 2 feeds")
    });
    t.keys("j");
    t.wait_cursor("the next view", (2, 0), |l| l == "Unread, 2 articles");
    t.keys("\t");
    t.wait_cursor("the list", (2, 0), |l| l.contains("Alpha one"));
    // Filter: the insertion point after each key.
    t.keys("/");
    t.wait_cursor("the prompt", (23, 8), |l| l == "Filter:");
    for (i, c) in "beta".chars().enumerate() {
        t.keys(&c.to_string());
        let col = 9 + u16::try_from(i).unwrap();
        t.wait_cursor("the insertion point", (23, col), |_| true);
    }
    t.keys("\r");
    t.wait_cursor("the filtered row", (1, 0), |l| {
        l == "unread, 26 May 2023, Beta: Beta news"
    });
    t.wait("Articles: All, filtered by beta, 1, 1 unread", 10, |s| {
        s.starts_with("Articles: All, filtered by beta, 1, 1 unread")
    });
    t.esc();
    t.wait_cursor("the whole list", (1, 0), |l| l.ends_with("Beta news"));
    // Refresh with an alert arriving: one message at the end names it.
    server.route(
        "/beta.xml",
        beta(&[
            ("b2", "Beta breaking", "Sat, 27 May 2023 09:00:00 GMT"),
            news,
        ]),
    );
    t.keys("R");
    t.wait_cursor("the alert", (23, 0), |l| {
        l == "Refresh done: 2 feeds, 1 new article. Alert: new in Beta alerts: Beta breaking"
    });
    t.keys("k");
    t.wait_cursor("the new row", (1, 0), |l| {
        l == "unread, 27 May 2023, Beta: Beta breaking"
    });
    // The message log: the refresh's start was said too.
    t.keys("M");
    t.wait_cursor("the newest message", (1, 0), |l| {
        l.ends_with("Refresh done: 2 feeds, 1 new article. Alert: new in Beta alerts: Beta")
    });
    t.wait("the start", 10, |s| s.contains(" Refreshing 2 feeds."));
    t.esc();
    t.wait_cursor("the row again", (1, 0), |l| l.ends_with("Beta breaking"));
    // Star it.
    t.keys("s");
    t.wait_cursor("the starred row", (1, 0), |l| {
        l == "unread, starred, 27 May 2023, Beta: Beta breaking"
    });
    t.keys("q");
    assert!(t.wait_exit(15).success());
}

/// A refresh of 50 feeds puts at most three texts on the status line: the
/// hint, the start and the end.
#[test]
fn screen_reader_refresh_of_50_feeds_is_quiet() {
    let server = TestServer::start();
    let mut feeds = Vec::new();
    for i in 0..50 {
        let path = format!("/f{i}.xml");
        let item = (format!("g{i}"), format!("Item {i}"));
        server.route(
            &path,
            Route::file(
                rss(
                    &format!("Feed {i}"),
                    &[(&item.0, &item.1, "Thu, 25 May 2023 09:00:00 GMT")],
                ),
                "application/rss+xml",
            ),
        );
        feeds.push((format!("Feed {i}"), server.url(&path)));
    }
    let pairs: Vec<(&str, &str)> = feeds
        .iter()
        .map(|(n, u)| (n.as_str(), u.as_str()))
        .collect();
    let sb = Sandbox::new();
    sb.write_config("refresh_minutes = 0", &pairs);
    let mut t = Pty::spawn(&sb, &["--screen-reader"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen: Vec<String> = Vec::new();
    loop {
        let bottom = {
            let p = t.screen.lock().unwrap();
            let s = p.screen();
            let row = s
                .rows(0, COLS)
                .nth(usize::from(ROWS - 1))
                .unwrap_or_default();
            row
        };
        let bottom = bottom.trim().to_string();
        if !bottom.is_empty() && seen.last() != Some(&bottom) {
            seen.push(bottom.clone());
        }
        if bottom.starts_with("Refresh done: 50 feeds") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no end of the refresh: {seen:#?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(seen.len() <= 3, "{seen:#?}");
    assert_eq!(
        seen.last().map(String::as_str),
        Some("Refresh done: 50 feeds, 50 new articles.")
    );
    t.keys("q");
    assert!(t.wait_exit(15).success());
}

/// A `password_command` that asks on the terminal (as a pinentry or `pass`
/// does) runs before the interface takes the screen, once, and never under
/// it; with a token cached it does not run at all.
#[test]
fn a_prompting_password_command_runs_before_the_interface() {
    let server = TestServer::start();
    let refused = Route::Raw {
        status: 401,
        headers: vec![],
        body: b"Unauthorized!".to_vec(),
    };
    for path in [
        "/api/greader.php/accounts/ClientLogin",
        "/api/greader.php/reader/api/0/subscription/list",
    ] {
        server.route(path, refused.clone());
    }
    let sb = Sandbox::new();
    let marker = sb.dir.path().join("asked");
    let script = sb.dir.path().join("askpass.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho asked >> '{}'\nprintf 'Passphrase for tidings: ' > /dev/tty\n\
             read -r pw < /dev/tty\necho \"$pw\"\n",
            marker.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::write(
        sb.config(),
        format!(
            "[settings]\nrefresh_minutes = 0\n\n[sync]\nkind = \"greader\"\nurl = \"{}\"\n\
             username = \"alice\"\npassword_command = [{:?}]\n",
            server.url("/api/greader.php"),
            script.display().to_string()
        ),
    )
    .unwrap();
    let asked = || {
        std::fs::read_to_string(&marker)
            .unwrap_or_default()
            .lines()
            .count()
    };

    let mut t = Pty::spawn(&sb, &[]);
    t.wait_for("Passphrase for tidings:");
    assert!(
        !t.screen.lock().unwrap().screen().alternate_screen(),
        "the prompt came under the interface"
    );
    t.keys("typed-passphrase\r");
    t.wait("the interface", 20, |_| {
        t.screen.lock().unwrap().screen().alternate_screen()
    });
    // Refreshing syncs with the password given at the start.
    t.keys("R");
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.hits("/api/greader.php/accounts/ClientLogin") == 0 {
        assert!(Instant::now() < deadline, "the interface did not sync");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(asked(), 1);
    assert!(!t.contents().contains("typed-passphrase"));
    t.keys("q");
    assert!(t.wait_exit(15).success());

    // With a token cached the command is not run at start, and a refused
    // token does not make the interface run it either.
    let token = sb.dir.path().join("state/tidings/sync-token");
    std::fs::create_dir_all(token.parent().unwrap()).unwrap();
    std::fs::write(
        &token,
        format!(
            "greader {} alice\nalice/0123456789\n",
            server.url("/api/greader.php")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let mut t = Pty::spawn(&sb, &[]);
    t.wait("the interface", 20, |_| {
        t.screen.lock().unwrap().screen().alternate_screen()
    });
    t.keys("R");
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.hits("/api/greader.php/reader/api/0/subscription/list") == 0 {
        assert!(Instant::now() < deadline, "the interface did not sync");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(asked(), 1, "the command ran under the interface");
    t.keys("q");
    assert!(t.wait_exit(15).success());
}
