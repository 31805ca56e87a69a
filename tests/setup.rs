//! Completions, the man page, `paths` and `doctor`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::server::{Route, TestServer};
use common::Sandbox;

fn run(sb: &Sandbox, args: &[&str]) -> (i32, String, String) {
    let out = sb.cmd().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn completions_for_each_shell() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, err) = run(&sb, &["completions", shell]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("import") && out.contains("doctor"), "{shell}");
    }
    let (code, _, err) = run(&sb, &["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values"), "{err}");
    // bash loads the script and registers the completion.
    let (_, script, _) = run(&sb, &["completions", "bash"]);
    let path = sb.dir.path().join("tidings.bash");
    std::fs::write(&path, script).unwrap();
    if let Ok(out) = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p tidings", path.display()))
        .output()
    {
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("tidings"),
            "{out:?}"
        );
    }
}

#[test]
fn man_page() {
    let sb = Sandbox::new();
    let (code, out, _) = run(&sb, &["man"]);
    assert_eq!(code, 0);
    assert!(out.starts_with(".ie"), "{}", &out[..80.min(out.len())]);
    for part in [
        ".TH tidings 1",
        ".SH COMMANDS",
        ".SS \"tidings import\"",
        ".SH \"EXIT STATUS\"",
        "TIDINGS_CONFIG",
    ] {
        assert!(out.contains(part), "{part} missing");
    }
}

#[test]
fn paths_follow_options_and_xdg() {
    let sb = Sandbox::new();
    let (code, out, _) = run(&sb, &["paths"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("config  {}\n", sb.config().display())),
        "{out}"
    );
    assert!(
        out.contains(&format!("cache   {}\n", sb.cache().display())),
        "{out}"
    );
    assert!(out.contains("log     off"), "{out}");

    let home = sb.dir.path();
    let out = assert_cmd::Command::cargo_bin("tidings")
        .unwrap()
        .arg("paths")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .env("XDG_CACHE_HOME", home.join("cch"))
        .env("XDG_STATE_HOME", home.join("st"))
        .env_remove("TIDINGS_CONFIG")
        .env_remove("TIDINGS_CACHE")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&out.stdout);
    let want = [
        format!("config  {}", home.join("cfg/tidings/config.toml").display()),
        format!("cache   {}", home.join("cch/tidings/cache.db").display()),
        format!(
            "state   {}",
            home.join("st/tidings/ui-state.json").display()
        ),
    ];
    for w in want {
        assert!(out.contains(&w), "{w} in\n{out}");
    }
}

#[test]
fn doctor_finds_nothing_wrong_with_a_good_setup() {
    let server = TestServer::start();
    server.route(
        "/a.xml",
        Route::file(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>A</title>\
             <item><guid>1</guid><title>One</title></item></channel></rss>",
            "application/rss+xml",
        ),
    );
    let sb = Sandbox::new();
    sb.write_config("", &[("A", &server.url("/a.xml"))]);
    let (code, out, _) = run(&sb, &["doctor"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warn  cache") && out.contains("not created yet"),
        "{out}"
    );
    sb.cmd().args(["fetch", "--quiet"]).assert().success();
    let (code, out, _) = run(&sb, &["doctor", "--network"]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("ok    config ")
            && lines[0].ends_with(": 1 feed, 0 views, 0 ignore rules"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("ok    cache ")
            && lines[1].contains("1 article in 1 feed, integrity ok"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("ok    feed \"A\" ")
            && lines[2].contains("answers (200, ")
            && lines[2].contains("a feed"),
        "{out}"
    );
    assert_eq!(lines[3], "no problems found");
}

#[test]
fn doctor_reports_each_problem_and_exits_1() {
    let server = TestServer::start();
    server.route("/gone.xml", Route::status(404));
    server.route("/slow.xml", Route::Hang);
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/feed", l.local_addr().unwrap())
    };
    let sb = Sandbox::new();
    sb.write_config(
        "timeout_seconds = 2\nretries = 0",
        &[
            ("Gone", &server.url("/gone.xml")),
            ("Slow", &server.url("/slow.xml")),
            ("Closed", &closed),
        ],
    );
    sb.cmd()
        .args(["fetch", "--quiet", "--feed", "Gone"])
        .assert()
        .code(1);
    let started = std::time::Instant::now();
    let (code, out, _) = run(&sb, &["doctor", "--network"]);
    assert!(started.elapsed().as_secs() < 20);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL  feed \"Gone\": the last fetch"), "{out}");
    assert!(
        out.contains(&format!(
            "FAIL  feed \"Gone\" {}: ",
            server.url("/gone.xml")
        )),
        "{out}"
    );
    assert!(out.contains("404"), "{out}");
    assert!(out.contains("FAIL  feed \"Slow\""), "{out}");
    assert!(
        out.contains(&format!("FAIL  feed \"Closed\" {closed}")),
        "{out}"
    );
    assert!(out.ends_with("4 problems found\n"), "{out}");

    // A broken config and a damaged cache.
    std::fs::write(sb.config(), "[settings]\nconcurency = 3\n").unwrap();
    std::fs::write(sb.cache(), vec![7u8; 8192]).unwrap();
    let (code, out, _) = run(&sb, &["doctor"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":2:1: unknown field `concurency`"), "{out}");
    assert!(
        out.contains("FAIL  cache ") && out.contains("cannot be read"),
        "{out}"
    );
}
