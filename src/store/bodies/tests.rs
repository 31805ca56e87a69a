//! Round trips, damaged rows, and upgrading old caches.

use super::frame::put_varint;
use super::*;

const WORDS: &[&str] = &[
    "the",
    "trust",
    "patients",
    "virtual",
    "wards",
    "care",
    "home",
    "nurse",
    "hospital",
    "funding",
    "digital",
    "records",
    "clinical",
    "teams",
    "beds",
    "winter",
    "pressure",
    "announced",
    "today",
    "services",
    "community",
    "health",
    "national",
    "report",
];

fn html(rng: &mut fastrand::Rng, words: usize) -> String {
    let text: Vec<&str> = (0..words)
        .map(|_| WORDS[rng.usize(..WORDS.len())])
        .collect();
    format!("<p>{}.</p>", text.join(" "))
}

/// A bare bodies table with `n` plain rows, as an older tidings left it.
fn plain_cache(n: i64) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE article_bodies (article_id INTEGER PRIMARY KEY, summary TEXT,
         content TEXT);",
    )
    .unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    for id in 1..=n {
        let summary = html(&mut rng, 30);
        let content = format!("{summary}{}", html(&mut rng, 200));
        conn.execute(
            "INSERT INTO article_bodies VALUES (?1, ?2, ?3)",
            params![id, summary, content],
        )
        .unwrap();
    }
    conn.execute_batch(BODIES_MIGRATION).unwrap();
    conn
}

fn trained() -> (Connection, Codec) {
    let mut conn = plain_cache(TRAIN_AT + 200);
    let codec = Codec::default();
    upgrade(&mut conn, &codec, &mut |_| {}).unwrap();
    assert!(codec.newest(&conn).unwrap().is_some());
    (conn, codec)
}

fn round_trip(conn: &Connection, codec: &Codec, s: Option<&str>, c: Option<&str>) {
    let (vs, vc) = codec.encode(conn, s, c).unwrap();
    let parts = codec
        .decode(conn, ValueRef::from(&vs), ValueRef::from(&vc))
        .unwrap();
    assert_eq!(parts, (s.map(String::from), c.map(String::from)));
    conn.execute(
        "INSERT OR REPLACE INTO article_bodies VALUES (1, ?1, ?2)",
        params![vs, vc],
    )
    .unwrap();
    let stored = codec.get(conn, 1).unwrap().unwrap();
    assert_eq!(stored, (s.map(String::from), c.map(String::from)));
    // NULL keeps meaning "no such part".
    let (has_s, has_c): (bool, bool) = conn
        .query_row(
            "SELECT summary IS NOT NULL, content IS NOT NULL FROM article_bodies
             WHERE article_id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((has_s, has_c), (s.is_some(), c.is_some()));
}

#[test]
fn bodies_read_back_as_written() {
    let (conn, codec) = trained();
    let mut rng = fastrand::Rng::with_seed(3);
    let long = html(&mut rng, 400);
    let huge: String = (0..2_000).map(|_| html(&mut rng, 150)).collect();
    let unicode = "<p>Café «naïve» — 東京の病院 🏥 Ελληνικά עברית \u{202e}x\u{200b}</p>";
    let cases: Vec<(Option<&str>, Option<&str>)> = vec![
        (None, None),
        (Some(""), None),
        (None, Some("")),
        (Some(""), Some("")),
        (Some("x"), None),
        (Some(unicode), Some(unicode)),
        (Some(&long), None),
        (None, Some(&long)),
        (Some(&long), Some(&long)),
        (Some(&long[..200]), Some(&long)),
        (Some(&long), Some(&huge)),
        (None, Some(&huge)),
        (Some(unicode), Some(&long)),
    ];
    for (s, c) in cases {
        round_trip(&conn, &codec, s, c);
    }
}

#[test]
fn compressed_bodies_are_smaller_and_repeats_cost_little() {
    let (conn, codec) = trained();
    let mut rng = fastrand::Rng::with_seed(5);
    let long = html(&mut rng, 400);
    let size = |v: &Value| match v {
        Value::Blob(b) => b.len(),
        Value::Text(t) => t.len(),
        _ => 0,
    };
    let (_, alone) = codec.encode(&conn, None, Some(&long)).unwrap();
    assert!(matches!(alone, Value::Blob(_)));
    assert!(
        size(&alone) * 2 < long.len(),
        "{} of {}",
        size(&alone),
        long.len()
    );
    let (marker, both) = codec.encode(&conn, Some(&long), Some(&long)).unwrap();
    assert_eq!(marker, Value::Blob(Vec::new()));
    assert!(size(&both) < size(&alone) + 16);
    // Too small to gain: stays plain.
    let (tiny, none) = codec.encode(&conn, Some("<b>"), None).unwrap();
    assert_eq!((tiny, none), (Value::Text("<b>".into()), Value::Null));
}

#[test]
fn without_a_dictionary_bodies_stay_plain() {
    let conn = plain_cache(3);
    let codec = Codec::default();
    let (s, c) = codec
        .encode(&conn, Some("a summary"), Some("content"))
        .unwrap();
    assert_eq!(s, Value::Text("a summary".into()));
    assert_eq!(c, Value::Text("content".into()));
}

#[test]
fn an_upgrade_converts_every_row_in_batches_and_says_how_far_it_is() {
    let n = BATCH * 2 + 17;
    let mut conn = plain_cache(n);
    let before: Vec<Parts> = (1..=n)
        .map(|id| Codec::default().get(&conn, id).unwrap().unwrap())
        .collect();
    let codec = Codec::default();
    let mut seen = Vec::new();
    upgrade(&mut conn, &codec, &mut |p| seen.push(p)).unwrap();
    assert_eq!(seen.first(), Some(&0));
    assert_eq!(seen.last(), Some(&100));
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    let plain: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM article_bodies WHERE typeof(content) = 'text'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(plain, 0);
    let marks: i64 = conn
        .query_row("SELECT COUNT(*) FROM body_upgrade", [], |r| r.get(0))
        .unwrap();
    assert_eq!(marks, 0);
    for (id, parts) in (1..=n).zip(&before) {
        assert_eq!(&codec.get(&conn, id).unwrap().unwrap(), parts);
    }
    // Nothing left: no progress, no work.
    let mut again = Vec::new();
    upgrade(&mut conn, &codec, &mut |p| again.push(p)).unwrap();
    assert!(again.is_empty());
}

#[test]
fn an_interrupted_upgrade_resumes_and_reads_both_kinds_meanwhile() {
    let (mut conn, codec) = trained();
    // As if a crash came after the batches below id 600: newer rows
    // plain again, the mark at 600.
    let mut rng = fastrand::Rng::with_seed(11);
    for id in 600..=700 {
        let s = html(&mut rng, 30);
        conn.execute(
            "UPDATE article_bodies SET summary = ?2, content = ?3 WHERE article_id = ?1",
            params![id, s, format!("{s}<p>more</p>")],
        )
        .unwrap();
    }
    conn.execute("INSERT INTO body_upgrade (next_id) VALUES (600)", [])
        .unwrap();
    let kinds = |conn: &Connection| -> (i64, i64) {
        conn.query_row(
            "SELECT SUM(typeof(content) = 'text'), SUM(typeof(content) = 'blob')
             FROM article_bodies",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    assert_eq!(kinds(&conn).0, 101);
    let (s, c) = codec.get(&conn, 650).unwrap().unwrap();
    assert!(c.unwrap().starts_with(&s.unwrap()));
    let mut seen = Vec::new();
    upgrade(&mut conn, &codec, &mut |p| seen.push(p)).unwrap();
    assert_eq!(kinds(&conn), (0, TRAIN_AT + 200));
    // It says how far it is of the whole: about half was done.
    assert_eq!(seen, [49, 100]);
}

#[test]
fn bodies_stored_plain_before_another_process_trained_are_converted() {
    let mut conn = plain_cache(TRAIN_AT + 200);
    conn.execute("DELETE FROM body_upgrade", []).unwrap();
    let stale = Codec::default();
    assert_eq!(stale.newest(&conn).unwrap(), None);
    Codec::default().maintain(&mut conn).unwrap();
    let mut rng = fastrand::Rng::with_seed(13);
    let (s, c) = (html(&mut rng, 30), html(&mut rng, 300));
    stale.put(&conn, 5_000, Some(&s), Some(&c)).unwrap();
    let kind = |conn: &Connection| -> String {
        conn.query_row(
            "SELECT typeof(content) FROM article_bodies WHERE article_id = 5000",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(kind(&conn), "text");
    stale.maintain(&mut conn).unwrap();
    assert_eq!(kind(&conn), "blob");
    assert_eq!(stale.get(&conn, 5_000).unwrap(), Some((Some(s), Some(c))));
}

#[test]
fn too_few_bodies_stay_plain_without_a_word() {
    let mut conn = plain_cache(20);
    let codec = Codec::default();
    let mut seen = Vec::new();
    upgrade(&mut conn, &codec, &mut |p| seen.push(p)).unwrap();
    assert!(seen.is_empty());
    assert_eq!(codec.newest(&conn).unwrap(), None);
    codec.maintain(&mut conn).unwrap();
    assert_eq!(codec.newest(&conn).unwrap(), None);
    let (s, _) = codec.get(&conn, 1).unwrap().unwrap();
    assert!(s.unwrap().starts_with("<p>"));
}

#[test]
fn damaged_bodies_are_errors() {
    let (conn, codec) = trained();
    let mut rng = fastrand::Rng::with_seed(9);
    let long = html(&mut rng, 300);
    let (marker, frame) = codec
        .encode(&conn, Some(&long[..100]), Some(&long))
        .unwrap();
    let Value::Blob(frame) = frame else {
        panic!("not compressed")
    };
    let decode = |s: &Value, c: &[u8]| codec.decode(&conn, ValueRef::from(s), ValueRef::Blob(c));
    assert!(decode(&marker, &frame).is_ok());
    // Every truncation, and every single-byte change of the header.
    for n in 0..frame.len() {
        let _ = decode(&marker, &frame[..n]);
    }
    for i in 0..frame.len().min(12) {
        for b in [0u8, 1, 0x7f, 0x80, 0xff] {
            let mut f = frame.clone();
            f[i] = b;
            let _ = decode(&marker, &f);
        }
    }
    assert!(decode(&marker, &frame[..frame.len() - 1]).is_err());
    assert!(
        decode(&Value::Null, &frame).is_err(),
        "summary twice unnoticed"
    );
    assert!(decode(&Value::Blob(Vec::new()), b"").is_err());
    // A length past the limit is refused before anything is allocated.
    let mut big = vec![FORMAT_ZSTD, 1];
    put_varint(&mut big, u64::MAX);
    put_varint(&mut big, 1);
    assert!(decode(&Value::Null, &big).is_err());
    let mut unknown = vec![FORMAT_ZSTD];
    put_varint(&mut unknown, 99);
    put_varint(&mut unknown, 0);
    put_varint(&mut unknown, 4);
    unknown.extend_from_slice(&frame[4..]);
    assert!(matches!(
        decode(&Value::Null, &unknown),
        Err(rusqlite::Error::FromSqlConversionFailure(..))
    ));
}

proptest::proptest! {
    #[test]
    fn any_blob_decodes_or_fails_cleanly(
        s in proptest::collection::vec(proptest::num::u8::ANY, 0..64),
        c in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
    ) {
        let _ = decode_untrusted(Some(&s), Some(&c));
        let _ = decode_untrusted(None, Some(&c));
        let _ = decode_untrusted(Some(&s), None);
        let _ = decode_untrusted(Some(&[]), Some(&c));
    }
}

/// Plain and compressed content columns.
fn content_kinds(conn: &Connection) -> (i64, i64) {
    conn.query_row(
        "SELECT SUM(typeof(content) = 'text'), SUM(typeof(content) = 'blob')
         FROM article_bodies",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn a_packer_packs_as_the_codec_encodes_once_there_is_a_dictionary() {
    let conn = plain_cache(20);
    let codec = Codec::default();
    let packer = codec.packer(&conn).unwrap();
    let mut rng = fastrand::Rng::with_seed(21);
    let (s, c) = (html(&mut rng, 30), html(&mut rng, 300));
    // No dictionary yet: the writer stores them as it can.
    assert_eq!(packer.pack(Some(&s), Some(&c)), None);

    let (conn, codec) = trained();
    let packer = codec.packer(&conn).unwrap();
    let dict = codec.newest(&conn).unwrap().unwrap();
    let cases = [
        (Some(s.as_str()), Some(c.as_str())),
        (None, Some(c.as_str())),
        (Some(c.as_str()), None),
        (Some("<b>"), None),
        (None, None),
    ];
    // On another thread, as the fetcher does.
    let packed: Vec<Option<Packed>> = std::thread::scope(|t| {
        t.spawn(|| cases.iter().map(|(s, c)| packer.pack(*s, *c)).collect())
            .join()
            .unwrap()
    });
    for ((s, c), p) in cases.iter().zip(packed) {
        let p = p.unwrap();
        assert_eq!(p.dict, dict);
        // A body too small to gain stays plain, as the codec would keep it.
        let (vs, vc) = codec.encode(&conn, *s, *c).unwrap();
        assert_eq!(columns(*s, *c, p.frame.clone()), (vs, vc), "{s:?} {c:?}");
        codec.put_packed(&conn, 7, *s, *c, Some(&p)).unwrap();
        let back = codec.get(&conn, 7).unwrap().unwrap();
        assert_eq!(back, (s.map(String::from), c.map(String::from)));
    }
}

#[test]
fn a_frame_made_with_another_dictionary_is_encoded_again() {
    let (conn, codec) = trained();
    let mut rng = fastrand::Rng::with_seed(22);
    let c = html(&mut rng, 300);
    let foreign = Packed {
        dict: 99,
        frame: Some(vec![FORMAT_ZSTD, 99, 0, 1]),
    };
    codec
        .put_packed(&conn, 8, None, Some(&c), Some(&foreign))
        .unwrap();
    assert_eq!(codec.get(&conn, 8).unwrap(), Some((None, Some(c))));
}

#[test]
fn samples_are_spread_over_the_whole_cache() {
    let conn = plain_cache(TRAIN_AT * 3);
    let codec = Codec::default();
    let ids: Vec<i64> = conn
        .prepare("SELECT article_id FROM article_bodies ORDER BY article_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let texts: Vec<Vec<u8>> = ids
        .iter()
        .map(|id| {
            let (s, c) = codec.get(&conn, *id).unwrap().unwrap();
            let mut t = s.unwrap_or_default().into_bytes();
            t.extend_from_slice(c.unwrap_or_default().as_bytes());
            t.truncate(SAMPLE_MAX);
            t
        })
        .collect();
    for count in [FIRST_SAMPLES, SAMPLES] {
        let got = upgrade::samples(&conn, &codec, count).unwrap();
        // One per position; with more positions than bodies, every body
        // but the last.
        let want = count.min(TRAIN_AT * 3 - 1);
        assert_eq!(got.len() as i64, want, "{count}");
        // From the first bodies to the last, in order.
        let at: Vec<usize> = got
            .iter()
            .map(|g| texts.iter().position(|t| t == g).unwrap())
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]));
        assert!(at[0] == 0 && *at.last().unwrap() >= texts.len() - 10);
    }
    // Too few to learn from: none.
    let few = plain_cache(TRAIN_AT / 4);
    assert!(upgrade::samples(&few, &codec, FIRST_SAMPLES)
        .unwrap()
        .is_empty());
}

#[test]
fn a_dictionary_trained_aside_is_kept_and_what_waited_is_converted() {
    let mut conn = plain_cache(TRAIN_AT + 200);
    conn.execute("DELETE FROM body_upgrade", []).unwrap();
    let codec = Codec::default();
    codec.train_aside();
    let packer = codec.packer(&conn).unwrap();
    codec.maintain(&mut conn).unwrap();
    // Writing goes on, plain, while it trains.
    let mut rng = fastrand::Rng::with_seed(23);
    let (s, c) = (html(&mut rng, 30), html(&mut rng, 300));
    codec.put(&conn, 5_000, Some(&s), Some(&c)).unwrap();
    codec.settle(&mut conn).unwrap();
    let dict = codec.newest(&conn).unwrap();
    assert!(dict.is_some());
    assert_eq!(content_kinds(&conn), (0, TRAIN_AT + 201));
    assert_eq!(codec.get(&conn, 5_000).unwrap(), Some((Some(s), Some(c))));
    // The packer it gave before has the dictionary now.
    assert_eq!(packer.pack(Some("x"), None).map(|p| p.dict), dict);
    // Nothing more to wait for.
    codec.settle(&mut conn).unwrap();
    codec.maintain(&mut conn).unwrap();
}

/// Bodies enough for a packer to train on, and some more.
fn bulk_bodies(seed: u64) -> Vec<(String, String)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..FIRST_SAMPLES + 100)
        .map(|_| (html(&mut rng, 30), html(&mut rng, 300)))
        .collect()
}

/// What `packer` makes of `bodies`, on another thread, as the fetcher does.
fn pack_all(packer: &Packer, bodies: &[(String, String)]) -> Vec<Option<Packed>> {
    std::thread::scope(|t| {
        t.spawn(|| {
            bodies
                .iter()
                .map(|(s, c)| packer.pack(Some(s), Some(c)))
                .collect()
        })
        .join()
        .unwrap()
    })
}

fn all_read_back(conn: &Connection, codec: &Codec, bodies: &[(String, String)]) {
    for (id, (s, c)) in (1..).zip(bodies) {
        let back = codec.get(conn, id).unwrap().unwrap();
        assert_eq!(back, (Some(s.clone()), Some(c.clone())), "{id}");
    }
}

#[test]
fn a_packer_trains_the_first_dictionary_and_the_writer_stores_it() {
    let mut conn = plain_cache(0);
    let codec = Codec::default();
    codec.train_aside();
    let packer = codec.packer(&conn).unwrap();
    let bodies = bulk_bodies(24);
    let packed = pack_all(&packer, &bodies);
    // The first bodies teach it and wait plain; the rest are packed.
    let first = FIRST_SAMPLES as usize;
    assert!(packed[..first].iter().all(Option::is_none));
    assert!(packed[first..].iter().all(|p| p
        .as_ref()
        .is_some_and(|p| p.dict == FRESH && p.frame.is_some())));
    // Until the writer stores the dictionary, what it was given stays plain.
    let (before, after) = bodies.split_at(first + 50);
    for (id, ((s, c), p)) in (1..).zip(before.iter().zip(&packed)) {
        codec
            .put_packed(&conn, id, Some(s), Some(c), p.as_ref())
            .unwrap();
    }
    assert_eq!(content_kinds(&conn), (first as i64 + 50, 0));
    // Then it is stored, what waited is converted, and frames made with it
    // are stored naming it.
    codec.maintain(&mut conn).unwrap();
    let dict = codec.newest(&conn).unwrap();
    assert_eq!(dict, Some(1));
    for (id, ((s, c), p)) in (first as i64 + 51..).zip(after.iter().zip(&packed[first + 50..])) {
        codec
            .put_packed(&conn, id, Some(s), Some(c), p.as_ref())
            .unwrap();
    }
    assert_eq!(content_kinds(&conn), (0, bodies.len() as i64));
    all_read_back(&conn, &codec, &bodies);
    // From now on the packer names it itself.
    let p = packer.pack(Some(&bodies[0].0), Some(&bodies[0].1)).unwrap();
    assert_eq!(Some(p.dict), dict);
    codec.settle(&mut conn).unwrap();
    assert_eq!(codec.newest(&conn).unwrap(), dict);
}

#[test]
fn a_dictionary_another_process_stored_first_is_the_one_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let mut conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE article_bodies (article_id INTEGER PRIMARY KEY, summary TEXT,
         content TEXT);",
    )
    .unwrap();
    conn.execute_batch(BODIES_MIGRATION).unwrap();
    let codec = Codec::default();
    codec.train_aside();
    let packer = codec.packer(&conn).unwrap();
    let bodies = bulk_bodies(25);
    let packed = pack_all(&packer, &bodies);
    // Another process stores a dictionary of its own meanwhile.
    let other = Connection::open(&path).unwrap();
    let theirs = train::train(
        &bulk_bodies(26)
            .iter()
            .map(|(s, c)| format!("{s}{c}").into_bytes())
            .collect::<Vec<_>>(),
        DICT_BYTES,
        LEVEL,
    )
    .unwrap();
    let id = upgrade::keep(&other, &theirs).unwrap();
    codec.maintain(&mut conn).unwrap();
    assert_eq!(codec.newest(&conn).unwrap(), Some(id));
    for (id, ((s, c), p)) in (1..).zip(bodies.iter().zip(&packed)) {
        codec
            .put_packed(&conn, id, Some(s), Some(c), p.as_ref())
            .unwrap();
    }
    assert_eq!(content_kinds(&conn), (0, bodies.len() as i64));
    all_read_back(&conn, &codec, &bodies);
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM body_dicts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    // Read by a new connection, as the next run would.
    all_read_back(&other, &Codec::default(), &bodies);
    // Its own dictionary is dealt with once: later refreshes end at once.
    let changes = conn.total_changes();
    codec.settle(&mut conn).unwrap();
    codec.maintain(&mut conn).unwrap();
    codec.settle(&mut conn).unwrap();
    assert_eq!(conn.total_changes(), changes);
}

#[test]
fn each_refresh_gathers_its_own_bodies_to_train_from() {
    let conn = plain_cache(0);
    let codec = Codec::default();
    codec.train_aside();
    let bodies = bulk_bodies(27);
    let half = FIRST_SAMPLES as usize / 2 + 1;
    // Two refreshes bringing the same few bodies teach nothing.
    for _ in 0..2 {
        let packer = codec.packer(&conn).unwrap();
        assert!(pack_all(&packer, &bodies[..half])
            .iter()
            .all(Option::is_none));
    }
    assert!(codec.packer.0.fresh.get().is_none());
    // One bringing enough does.
    let packer = codec.packer(&conn).unwrap();
    let packed = pack_all(&packer, &bodies);
    assert!(packed[FIRST_SAMPLES as usize..].iter().all(Option::is_some));
}
