use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(Path::new("t.toml"), text)
}

fn err(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn example_config_is_valid() {
    let c = parse(EXAMPLE).expect("example parses");
    assert!(c.feeds.len() >= 5);
    assert_eq!(c.settings.concurrency, 8);
}

#[test]
fn defaults_apply() {
    let c = parse("[[feed]]\nname = \"a\"\nurl = \"http://x.test/f\"\n").unwrap();
    assert_eq!(c.settings.per_host, 2);
    assert_eq!(c.settings.max_response_bytes, 10 * 1024 * 1024);
    assert_eq!(c.feeds[0].kind, FeedKind::Auto);
}

#[test]
fn unknown_key_names_key_line_and_column() {
    let e = err("[settings]\nconcurency = 3\n");
    assert!(
        e.starts_with("t.toml:2:1: unknown field `concurency`"),
        "{e}"
    );
}

#[test]
fn unknown_feed_key() {
    let e = err("[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\ntitle = \"x\"\n");
    assert!(
        e.contains("t.toml:4:1") && e.contains("unknown field `title`"),
        "{e}"
    );
}

#[test]
fn wrong_type() {
    let e = err("[settings]\nconcurrency = \"eight\"\n");
    assert!(
        e.starts_with("t.toml:2:15:") && e.contains("invalid type"),
        "{e}"
    );
}

#[test]
fn duplicate_names() {
    let e = err("[[feed]]\nname = \"A\"\nurl = \"http://x.test/1\"\n[[feed]]\nname = \"a\"\nurl = \"http://x.test/2\"\n");
    assert!(
        e.starts_with("t.toml:5:8: duplicate feed name \"a\" (first used on line 2)"),
        "{e}"
    );
}

#[test]
fn duplicate_urls() {
    let e = err("[[feed]]\nname = \"A\"\nurl = \"http://x.test\"\n[[feed]]\nname = \"B\"\nurl = \"http://x.test/\"\n");
    assert!(
        e.starts_with("t.toml:6:7: feed \"B\" has the same URL as feed \"A\""),
        "{e}"
    );
}

#[test]
fn invalid_urls() {
    let e = err("[[feed]]\nname = \"a\"\nurl = \"not a url\"\n");
    assert!(e.starts_with("t.toml:3:7: invalid URL"), "{e}");
    let e = err("[[feed]]\nname = \"a\"\nurl = \"file:///etc/passwd\"\n");
    assert!(e.contains("scheme \"file\" is not supported"), "{e}");
}

#[test]
fn bad_kind_and_ranges() {
    let e = err("[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\nkind = \"gopher\"\n");
    assert!(
        e.contains("t.toml:4:8") && e.contains("unknown variant `gopher`"),
        "{e}"
    );
    let e = err("[settings]\nconcurrency = 0\n");
    assert!(e.contains("concurrency must be between"), "{e}");
}

#[test]
fn syntax_error_position() {
    let e = err("[[feed]]\nname = \"a\nurl = 1\n");
    assert!(e.starts_with("t.toml:2:"), "{e}");
}

#[test]
fn views_and_ignore_rules() {
    let c = parse(
        "[[feed]]\nname = \"A\"\nurl = \"http://x.test/\"\n\
         [[view]]\nname = \"NHS this week\"\nquery = \"tag:nhs since:7d\"\n\
         [[ignore]]\nquery = \"webinar\"\nfeed = \"a\"\n",
    )
    .unwrap();
    assert_eq!(c.views[0].name, "NHS this week");
    assert!(c.view("nhs THIS week").is_some());
    assert_eq!(c.ignore[0].feed.as_deref(), Some("A"));
    let e = err("[[view]]\nname = \"v\"\nquery = \"tag:nhs (unclosed\"\n");
    assert!(
        e.starts_with("t.toml:3:18: invalid query: unclosed parenthesis"),
        "{e}"
    );
    let e = err("[[ignore]]\nfeed = \"nope\"\n");
    assert!(e.starts_with("t.toml:2:8: no feed named"), "{e}");
    let e = err("[[ignore]]\nquery = \"is:ignored\"\n");
    assert!(e.contains("invalid query: is:ignored cannot"), "{e}");
    let e = err("[[view]]\nname = \"v\"\nquery = \"a\"\n[[view]]\nname = \"V\"\nquery = \"b\"\n");
    assert!(e.contains("duplicate view name"), "{e}");
}

#[test]
fn html_rules_are_checked() {
    let base = "[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\nkind = \"html\"\n";
    let c = parse(&format!(
        "{base}[feed.html]\nitem = \"article\"\ntitle = \"h2\"\n"
    ))
    .unwrap();
    assert!(c.feeds[0].html.is_some());
    let e = err(&format!(
        "{base}[feed.html]\nitem = \"article\"\ntitle = \"h2[\"\n"
    ));
    assert!(
        e.starts_with("t.toml:7:9: html.title: invalid CSS selector 'h2['"),
        "{e}"
    );
    let e = err(&format!(
        "{base}[feed.html]\nitem = \"article\"\ntitel = \"h2\"\n"
    ));
    assert!(e.starts_with("t.toml:7:1: unknown field `titel`"), "{e}");
    let e = err(base);
    assert!(
        e.contains("has kind = \"html\" but no [feed.html] rules"),
        "{e}"
    );
}

#[test]
fn keys_and_theme() {
    let c = parse("[keys]\nx = \"quit\"\n\"ctrl-n\" = \"move_down\"\nq = \"none\"\n[theme]\naccent = \"#00ff00\"\nselection_bg = \"blue\"\n").unwrap();
    assert_eq!(c.keys.len(), 3);
    assert_eq!(c.keys[0].action, Some(action::Action::Quit));
    assert_eq!(c.keys[2].action, None);
    assert_eq!(c.theme.accent, Some(ratatui::style::Color::Rgb(0, 255, 0)));
    assert_eq!(c.theme.selection_bg, Some(ratatui::style::Color::Blue));
}

#[test]
fn bad_keys_and_colours_have_line_and_column() {
    let e = err("[keys]\nj = \"move_down\"\nx = \"launch\"\n");
    assert!(
        e.starts_with("t.toml:3:5: unknown action \"launch\""),
        "{e}"
    );
    let e = err("[keys]\n\"hyper-x\" = \"quit\"\n");
    assert!(e.starts_with("t.toml:2:1: \"hyper-x\" is not a key"), "{e}");
    let e = err("[theme]\nstar = \"blurple\"\n");
    assert!(
        e.starts_with("t.toml:2:8: \"blurple\" is not a colour"),
        "{e}"
    );
    let e = err("[theme]\nsparkle = \"red\"\n");
    assert!(
        e.contains("t.toml:2:1") && e.contains("unknown field `sparkle`"),
        "{e}"
    );
    let c = parse("[theme]\npreset = \"high-contrast\"\n").unwrap();
    assert!(c.theme.high_contrast);
    let e = err("[theme]\npreset = \"neon\"\n");
    assert!(
        e.starts_with("t.toml:2:10: \"neon\" is not a theme preset"),
        "{e}"
    );
    let e = err("[keys]\nx = 3\n");
    assert!(e.starts_with("t.toml:2:5:"), "{e}");
}

#[test]
fn sync_section() {
    let base = "[sync]\nkind = \"fever\"\nusername = \"me\"\n";
    let c = parse(&format!(
        "{base}url = \"https://rss.example.org/api/fever.php\"\npassword_command = [\"pass\", \"show\", \"freshrss\"]\n"
    ))
    .unwrap();
    let sync = c.sync.unwrap();
    assert_eq!(sync.kind, SyncKind::Fever);
    assert_eq!(
        sync.password,
        PasswordSource::Command(vec!["pass".into(), "show".into(), "freshrss".into()])
    );
    let c = parse(&format!("{base}url = \"http://127.0.0.1:8080/fever/\"\n")).unwrap();
    assert_eq!(c.sync.unwrap().password, PasswordSource::Env);
    let e = err(&format!(
        "{base}url = \"https://x.test/\"\npassword = \"hunter2hunter2\"\n"
    ));
    assert!(
        e.starts_with("t.toml:5:12: sync.password: a password is not allowed"),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
    let e = err(&format!("{base}url = \"http://rss.example.org/fever/\"\n"));
    assert!(e.contains("sync.url must use https"), "{e}");
    let e = err(&format!("{base}url = \"https://me:pw@x.test/\"\n"));
    assert!(
        e.contains("must not contain a user name or password"),
        "{e}"
    );
    assert!(!e.contains(":pw@"), "{e}");
    let e = err(&format!(
        "{base}url = \"https://x.test/\"\npassword_command = []\n"
    ));
    assert!(e.contains("must name a program"), "{e}");
    let c = parse("[[feed]]\nname = \"a\"\nurl = \"http://x.test/\"\nlocal = true\n").unwrap();
    assert!(c.feeds[0].local);
}

#[test]
fn mail_section() {
    let from = "[mail]\nfrom = \"Innovation team <team@example.org>\"\n";
    let c = parse(&format!(
        "{from}smtp = \"smtp.example.org:587\"\nusername = \"team@example.org\"\n\
         password_command = [\"pass\", \"show\", \"smtp\"]\n"
    ))
    .unwrap();
    let mail = c.mail.unwrap();
    assert_eq!(mail.from.email.to_string(), "team@example.org");
    let MailTransport::Smtp(smtp) = mail.transport else {
        panic!("smtp expected")
    };
    assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.example.org", 587));
    assert_eq!(smtp.tls, TlsMode::Starttls);
    assert_eq!(
        smtp.login.unwrap().password,
        PasswordSource::Command(vec!["pass".into(), "show".into(), "smtp".into()])
    );
    let c = parse(&format!("{from}smtp = \"smtp.example.org:465\"\n")).unwrap();
    let Some(MailConfig {
        transport: MailTransport::Smtp(smtp),
        ..
    }) = c.mail
    else {
        panic!("smtp expected")
    };
    assert_eq!((smtp.tls, smtp.login), (TlsMode::Implicit, None));
    let c = parse(&format!(
        "{from}smtp = \"localhost:25\"\ntls = \"none\"\nusername = \"u\"\n"
    ))
    .unwrap();
    let Some(MailConfig {
        transport: MailTransport::Smtp(smtp),
        ..
    }) = c.mail
    else {
        panic!("smtp expected")
    };
    assert_eq!(smtp.tls, TlsMode::None);
    assert_eq!(smtp.login.unwrap().password, PasswordSource::Env);
    let c = parse(&format!("{from}command = [\"sendmail\", \"-t\"]\n")).unwrap();
    assert_eq!(
        c.mail.unwrap().transport,
        MailTransport::Command(vec!["sendmail".into(), "-t".into()])
    );

    let e = err(&format!(
        "{from}smtp = \"smtp.example.org:587\"\nusername = \"u\"\npassword = \"hunter2hunter2\"\n"
    ));
    assert!(
        e.starts_with("t.toml:5:12: mail.password: a password is not allowed")
            && e.contains("$TIDINGS_MAIL_PASSWORD"),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
    let e = err(&format!(
        "{from}smtp = \"smtp.example.org:25\"\ntls = \"none\"\n"
    ));
    assert!(
        e.starts_with(
            "t.toml:4:7: mail.tls = \"none\" is allowed only for a server on this machine"
        ),
        "{e}"
    );
    let e = err(&format!(
        "{from}smtp = \"smtp.example.org:587\"\ntls = \"ssl\"\n"
    ));
    assert!(
        e.contains("t.toml:4:7") && e.contains("unknown variant `ssl`"),
        "{e}"
    );
    let e = err(&format!(
        "{from}smtp = \"smtp.example.org:587\"\nport = 25\n"
    ));
    assert!(
        e.contains("t.toml:4:1") && e.contains("unknown field `port`"),
        "{e}"
    );
    let e = err(&format!("{from}smtp = \"smtp.example.org:x\"\n"));
    assert!(
        e.starts_with("t.toml:3:8: mail.smtp: \"smtp.example.org:x\" is not host:port"),
        "{e}"
    );
    let e = err(from);
    assert!(e.starts_with("t.toml:1:1: mail needs smtp"), "{e}");
    let e = err(&format!(
        "{from}smtp = \"x.test:587\"\ncommand = [\"sendmail\", \"-t\"]\n"
    ));
    assert!(e.contains("give smtp or command, not both"), "{e}");
    let e = err(&format!("{from}command = []\n"));
    assert!(e.contains("mail.command must name a program"), "{e}");
    let e = err(&format!(
        "{from}command = [\"sendmail\", \"-t\"]\nusername = \"u\"\n"
    ));
    assert!(
        e.contains("mail.username applies to smtp, not to command"),
        "{e}"
    );
    let e = err(&format!(
        "{from}smtp = \"x.test:587\"\npassword_file = \"~/.smtp\"\n"
    ));
    assert!(e.contains("a password needs username"), "{e}");
    let e = err(
        "[mail]\nfrom = \"team\\r\\nBcc: x@y.test <team@example.org>\"\ncommand = [\"sendmail\"]\n",
    );
    assert!(e.starts_with("t.toml:2:8: mail.from:"), "{e}");
    let e = err("[mail]\nfrom = \"not an address\"\ncommand = [\"sendmail\"]\n");
    assert!(e.contains("is not an address like"), "{e}");
}

#[test]
fn creates_example_at_default_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/config.toml");
    let (c, created) = Config::load_or_create(&path, true).unwrap();
    assert!(created && path.exists() && !c.feeds.is_empty());
    let (_, created) = Config::load_or_create(&path, true).unwrap();
    assert!(!created);
    let missing = dir.path().join("nope.toml");
    assert!(matches!(
        Config::load_or_create(&missing, false),
        Err(ConfigError::Read { .. })
    ));
}
