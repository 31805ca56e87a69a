//! `tidings export`: OPML that tidings and newsboat import, and TOML.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;
use std::path::Path;
use tidings::config::Config;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// (name, url, tags) of every feed, sorted.
fn feeds(path: &Path) -> Vec<(String, String, Vec<String>)> {
    let c = Config::load(path).unwrap();
    let mut v: Vec<_> = c
        .feeds
        .iter()
        .map(|f| (f.name.clone(), f.url.to_string(), f.tags.clone()))
        .collect();
    v.sort();
    v
}

fn export(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.cmd().arg("export").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn import_export_import_changes_nothing() {
    let first = Sandbox::new();
    for f in ["netnewswire-nested.opml", "newsboat-urls", "feedly.opml"] {
        first.cmd().arg("import").arg(fixture(f)).assert().success();
    }
    let before = std::fs::read_to_string(first.config()).unwrap();
    let opml = first.dir.path().join("export.opml");
    std::fs::write(&opml, export(&first, &[])).unwrap();

    // Into the same config: everything is already there.
    let out = first.cmd().arg("import").arg(&opml).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.starts_with("added 0 feeds and 0 views"), "{report}");
    assert_eq!(std::fs::read_to_string(first.config()).unwrap(), before);

    // Into an empty config: the same feeds, names and tags.
    let second = Sandbox::new();
    second.cmd().arg("import").arg(&opml).assert().success();
    assert_eq!(feeds(&second.config()), feeds(&first.config()));
    assert!(feeds(&first.config()).len() >= 15);

    // And once more through the second config's export.
    assert_eq!(export(&second, &["--opml"]), export(&first, &[]));
}

#[test]
fn toml_export_is_a_config() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), tidings::config::EXAMPLE).unwrap();
    let toml = export(&sb, &["--toml"]);
    assert!(!toml.contains("[settings]"));
    let other = Sandbox::new();
    std::fs::write(other.config(), &toml).unwrap();
    let a = Config::load(&sb.config()).unwrap();
    let b = Config::load(&other.config()).unwrap();
    assert_eq!(feeds(&sb.config()), feeds(&other.config()));
    assert_eq!(a.views.len(), b.views.len());
    assert_eq!(
        b.feeds.iter().filter(|f| f.html.is_some()).count(),
        a.feeds.iter().filter(|f| f.html.is_some()).count()
    );
    let out = sb
        .cmd()
        .args(["export", "--opml", "--toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn html_pages_are_noted() {
    let sb = Sandbox::new();
    std::fs::write(sb.config(), tidings::config::EXAMPLE).unwrap();
    let out = sb.cmd().arg("export").output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("3 HTML news page(s) written with htmlUrl only"),
        "{err}"
    );
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(xml.contains("htmlUrl=\"https://healthinnovationnetwork.com/news/\""));
}

/// newsboat reads the export, with each feed under its first tag. Runs only
/// where newsboat is installed.
#[test]
fn newsboat_imports_the_export() {
    let found = std::process::Command::new("newsboat")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("newsboat is not installed; skipped");
        return;
    }
    let sb = Sandbox::new();
    sb.cmd()
        .arg("import")
        .arg(fixture("netnewswire-nested.opml"))
        .assert()
        .success();
    let dir = sb.dir.path();
    std::fs::write(dir.join("export.opml"), export(&sb, &[])).unwrap();
    std::fs::write(dir.join("urls"), "").unwrap();
    let out = assert_cmd::Command::new("newsboat")
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
        .env("XDG_DATA_HOME", dir.join("xdg-data"))
        .arg("-u")
        .arg(dir.join("urls"))
        .arg("-c")
        .arg(dir.join("newsboat.db"))
        .arg("-C")
        .arg(dir.join("newsboat-config"))
        .arg("-i")
        .arg(dir.join("export.opml"))
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let urls = std::fs::read_to_string(dir.join("urls")).unwrap();
    assert!(
        urls.contains("https://www.mhlw.go.jp/stf/news.rdf \"日本語ニュース\""),
        "{urls}"
    );
    assert!(
        urls.contains("https://www.healthinnovationyh.org.uk/feed/ \"Health-&-Care\""),
        "{urls}"
    );
    assert_eq!(
        urls.lines().count(),
        Config::load(&sb.config()).unwrap().feeds.len()
    );
}
