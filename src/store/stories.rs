//! Stories in the cache: which stored articles a new one is compared with,
//! grouping new articles into stories, regrouping under new rules, and the
//! copies a list row shows. What makes two articles copies is
//! `crate::story`.

use super::read::{summary_from_row, SUMMARY_COLUMNS};
use super::{Result, Store};
use crate::model::{ArticleId, ArticleSummary, FeedId};
use rusqlite::{params, params_from_iter, OptionalExtension};
use std::collections::{HashMap, HashSet};

/// The articles stories compare new ones with, by day: those of a range of
/// times read from the cache, and those this store has grouped since.
/// Kept between batches so that a long fetch reads each article once, not
/// once per batch; cleared when articles are deleted.
#[derive(Debug, Default)]
pub(super) struct Candidates {
    /// The sort times read so far, inclusive.
    read: Option<(i64, i64)>,
    days: HashMap<i64, Day>,
    ids: HashSet<i64>,
}

/// One day's candidates, their SimHashes apart: a new article is compared
/// with every candidate within the window, and a scan of the hashes alone
/// finds the few near ones quickly.
#[derive(Debug, Default)]
struct Day {
    hashes: Vec<i64>,
    articles: Vec<Candidate>,
}

const DAY: i64 = 86_400;

impl Candidates {
    pub(super) fn clear(&mut self) {
        *self = Candidates::default();
    }

    fn add(&mut self, c: Candidate) {
        if self.ids.insert(c.id) {
            let day = self.days.entry(c.time.div_euclid(DAY)).or_default();
            day.hashes.push(c.simhash);
            day.articles.push(c);
        }
    }

    /// Those of other feeds than `feed` within `window` seconds of `time`
    /// whose SimHash is near `hash`, nearest first.
    fn near(&self, time: i64, window: i64, feed: i64, hash: i64) -> Vec<Candidate> {
        let mut out: Vec<(u32, Candidate)> = Vec::new();
        for day in (time - window).div_euclid(DAY)..=(time + window).div_euclid(DAY) {
            let Some(d) = self.days.get(&day) else {
                continue;
            };
            for (h, c) in d.hashes.iter().zip(&d.articles) {
                let dist = crate::story::distance(hash, *h);
                if dist > crate::story::MAX_DISTANCE {
                    continue;
                }
                if c.feed != feed && (c.time - time).abs() <= window {
                    out.push((dist, *c));
                }
            }
        }
        out.sort_by_key(|(d, c)| (*d, c.id));
        out.into_iter().map(|(_, c)| c).collect()
    }
}

/// Gives the articles that have none their link key (see
/// [`crate::story`]); their SimHashes come with [`reapply_story_rules`],
/// for recent articles only. Returns how many it read.
pub(super) fn fill_story_keys(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    let missing: Vec<(i64, String)> = {
        let mut stmt = conn
            .prepare("SELECT id, link FROM articles WHERE link_key IS NULL AND link IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut update = conn.prepare("UPDATE articles SET link_key = ?2 WHERE id = ?1")?;
    for (id, link) in &missing {
        if let Some(key) = crate::story::link_key(link) {
            update.execute(params![id, key])?;
        }
    }
    Ok(missing.len())
}

/// The sketch of a cached article (None: gone).
fn stored_sketch(
    conn: &rusqlite::Connection,
    bodies: &super::bodies::Codec,
    id: i64,
) -> rusqlite::Result<Option<crate::story::Sketch>> {
    let row = conn
        .prepare_cached(
            "SELECT a.title, b.summary, b.content FROM articles a
             LEFT JOIN article_bodies b ON b.article_id = a.id
             WHERE a.id = ?1",
        )?
        .query_row([id], |r| {
            let (summary, content) = bodies.decode(conn, r.get_ref(1)?, r.get_ref(2)?)?;
            Ok((r.get::<_, String>(0)?, summary, content))
        })
        .optional()?;
    Ok(row.map(|(t, s, b)| crate::story::sketch(&t, s.as_deref(), b.as_deref())))
}

/// Sketches read so far, each article's once: only the few articles whose
/// links or SimHashes make them candidates are read.
#[derive(Default)]
struct Sketches(
    HashMap<i64, Option<crate::story::Sketch>>,
    super::bodies::Codec,
);

impl Sketches {
    fn get(
        &mut self,
        conn: &rusqlite::Connection,
        id: i64,
    ) -> rusqlite::Result<Option<crate::story::Sketch>> {
        if let Some(s) = self.0.get(&id) {
            return Ok(s.clone());
        }
        let s = stored_sketch(conn, &self.1, id)?;
        self.0.insert(id, s.clone());
        Ok(s)
    }
}

/// Whether story `story` (an article's id when alone) holds an article of
/// `feed`: a story never holds two.
fn story_has_feed(conn: &rusqlite::Connection, story: i64, feed: i64) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM articles WHERE story_id = ?1 AND feed_id = ?2)
             OR EXISTS(SELECT 1 FROM articles WHERE id = ?1 AND feed_id = ?2)",
    )?
    .query_row(params![story, feed], |r| r.get(0))
}

/// The link keys that name no item of `feed`: its own address and its
/// site link.
fn own_keys(conn: &rusqlite::Connection, feed: i64) -> rusqlite::Result<Vec<String>> {
    let row: Option<(String, Option<String>)> = conn
        .prepare_cached("SELECT url, site_url FROM feeds WHERE id = ?1")?
        .query_row([feed], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row
        .map(|(url, site)| {
            [Some(url), site]
                .into_iter()
                .flatten()
                .filter_map(|u| crate::story::link_key(&u))
                .collect()
        })
        .unwrap_or_default())
}

/// Articles that carry one link, beyond which it names no single item (a
/// page every source links to, such as a campaign's home).
const MAX_LINK_SHARERS: usize = 100;

/// The articles carrying link key `key`: id, feed, story.
fn link_sharers(conn: &rusqlite::Connection, key: &str) -> rusqlite::Result<Vec<(i64, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, feed_id, COALESCE(story_id, id) FROM articles
         WHERE link_key = ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![key, MAX_LINK_SHARERS as i64 + 1], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.collect()
}

/// Days of articles, dated up to now, whose SimHash [`reapply_story_rules`]
/// works out again: new articles are compared with those near their own
/// dates only.
const REHASH_DAYS: i64 = 14;

/// One article of a story being checked again: id, feed, link key, sort
/// time, sketch.
struct Member {
    id: i64,
    feed: i64,
    key: Option<String>,
    time: i64,
    sketch: crate::story::Sketch,
}

/// Brings a cache grouped under earlier rules in line with
/// [`crate::story`]: the recent articles get the SimHash of their opening
/// (the rest none, so they are never compared by text), and every story
/// of two or more articles is taken apart and regrouped by the rules, so
/// that no story holds two articles of one feed or rests on a link that
/// names no item; then the recent articles alone are grouped as new ones
/// are. Reads the bodies of the recent and the grouped articles only;
/// returns how many articles left a story.
pub(super) fn reapply_story_rules(conn: &rusqlite::Connection) -> rusqlite::Result<usize> {
    let since = super::to_ts(chrono::Utc::now()) - REHASH_DAYS * DAY;
    let recent: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM articles WHERE sort_time >= ?1")?;
        let rows = stmt.query_map([since], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let bodies = super::bodies::Codec::default();
    let mut update = conn.prepare("UPDATE articles SET simhash = ?2 WHERE id = ?1")?;
    for id in recent {
        let hash = stored_sketch(conn, &bodies, id)?.and_then(|s| s.simhash);
        if hash.is_some() {
            update.execute(params![id, hash])?;
        }
    }
    // Every story of two or more, its articles in lead order.
    let grouped: Vec<(i64, i64, i64, Option<String>, i64)> = {
        let mut stmt = conn.prepare(
            "SELECT story_id, id, feed_id, link_key, sort_time FROM articles
             WHERE story_id IN (SELECT story_id FROM articles WHERE story_id IS NOT NULL
                                GROUP BY story_id HAVING COUNT(*) > 1)
             ORDER BY story_id, sort_time, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // Articles alone in a story (the others purged) are simply alone.
    conn.execute_batch(
        "UPDATE articles SET story_id = NULL, story_lead = 1 WHERE story_id IN (
             SELECT story_id FROM articles WHERE story_id IS NOT NULL
             GROUP BY story_id HAVING COUNT(*) = 1)",
    )?;
    let mut own: HashMap<i64, Vec<String>> = HashMap::new();
    let mut left = 0;
    let mut i = 0;
    while i < grouped.len() {
        let story = grouped[i].0;
        let mut members = Vec::new();
        while i < grouped.len() && grouped[i].0 == story {
            let (_, id, feed, key, time) = grouped[i].clone();
            i += 1;
            if let Some(sketch) = stored_sketch(conn, &bodies, id)? {
                members.push(Member {
                    id,
                    feed,
                    key,
                    time,
                    sketch,
                });
            }
        }
        // Regrouped greedily in lead order: each article joins the first
        // new group that holds no article of its feed and a copy of it.
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for m in 0..members.len() {
            let mut home = None;
            for (g, group) in groups.iter().enumerate() {
                if group.iter().any(|&x| members[x].feed == members[m].feed) {
                    continue;
                }
                let mut found = false;
                for &x in group {
                    if same_story_again(conn, &mut own, &members[m], &members[x])? {
                        found = true;
                        break;
                    }
                }
                if found {
                    home = Some(g);
                    break;
                }
            }
            match home {
                Some(g) => groups[g].push(m),
                None => groups.push(vec![m]),
            }
        }
        if groups.len() == 1 && groups[0].len() == members.len() {
            continue;
        }
        conn.prepare_cached(
            "UPDATE articles SET story_id = NULL, story_lead = 1 WHERE story_id = ?1",
        )?
        .execute([story])?;
        for group in &groups {
            if group.len() < 2 {
                left += 1;
                continue;
            }
            let first = members[group[0]].id;
            let mut set = conn.prepare_cached("UPDATE articles SET story_id = ?2 WHERE id = ?1")?;
            for &m in group {
                set.execute(params![members[m].id, first])?;
            }
        }
    }
    // Copies the earlier rules missed (a rewritten headline over a shared
    // lead) among the recent articles, in date order.
    let alone: Vec<NewArticle> = {
        let mut stmt = conn.prepare(
            "SELECT id, feed_id, link, sort_time, link_key, simhash FROM articles
             WHERE sort_time >= ?1 AND story_id IS NULL ORDER BY sort_time, id",
        )?;
        let rows = stmt.query_map([since], new_article)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    group_new(conn, &mut Candidates::default(), alone)?;
    Ok(left)
}

/// [`crate::story::same_story`] for two articles of one story being checked
/// again, with what the store knows of their links.
fn same_story_again(
    conn: &rusqlite::Connection,
    own: &mut HashMap<i64, Vec<String>>,
    a: &Member,
    b: &Member,
) -> rusqlite::Result<bool> {
    let mut same_link = false;
    if let (Some(k), Some(other)) = (&a.key, &b.key) {
        if k == other && crate::story::is_specific(k) {
            same_link = true;
            for m in [a, b] {
                if let std::collections::hash_map::Entry::Vacant(e) = own.entry(m.feed) {
                    e.insert(own_keys(conn, m.feed)?);
                }
                let carried: i64 = conn
                    .prepare_cached(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM articles
                         WHERE link_key = ?1 AND feed_id = ?2 LIMIT 2)",
                    )?
                    .query_row(params![k, m.feed], |r| r.get(0))?;
                if carried > 1 || own.get(&m.feed).is_some_and(|o| o.contains(k)) {
                    same_link = false;
                }
            }
        }
    }
    let window = crate::story::WINDOW_DAYS * DAY;
    Ok((same_link && a.sketch.related(&b.sketch))
        || ((a.time - b.time).abs() <= window && a.sketch.copies(&b.sketch)))
}

/// An article to group: id, feed, link, sort time, link key, SimHash. The
/// write path fills in the last two; articles stored otherwise get them
/// when grouped.
type NewArticle = (i64, i64, Option<String>, i64, Option<String>, Option<i64>);

/// A [`NewArticle`] from a row of `id, feed_id, link, sort_time, link_key,
/// simhash`.
fn new_article(r: &rusqlite::Row) -> rusqlite::Result<NewArticle> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

/// Puts `new` into stories, in order (see [`Store::assign_stories`]):
/// each joins the story of an earlier article or stays alone. Returns how
/// many joined one.
fn group_new(
    tx: &rusqlite::Connection,
    candidates: &mut Candidates,
    new: Vec<NewArticle>,
) -> rusqlite::Result<usize> {
    let pending: HashSet<i64> = new.iter().map(|a| a.0).collect();
    let window = crate::story::WINDOW_DAYS * DAY;
    // A bound on memory in a long-running interface.
    if candidates.ids.len() > MAX_CANDIDATES {
        candidates.clear();
    }
    // Articles near these articles' times: the times not read before,
    // read in at most two index range scans; the batch's own are added
    // as they are grouped.
    if let (Some(lo), Some(hi)) = (new.iter().map(|a| a.3).min(), new.iter().map(|a| a.3).max()) {
        let (lo, hi) = (lo - window, hi + window);
        let missing = match candidates.read {
            None => vec![(lo, hi)],
            Some((a, b)) => [(lo, a - 1), (b + 1, hi)]
                .into_iter()
                .filter(|(x, y)| x <= y)
                .collect(),
        };
        let mut stmt = tx.prepare_cached(
            "SELECT id, feed_id, sort_time, COALESCE(story_id, id), simhash
             FROM articles
             WHERE sort_time BETWEEN ?1 AND ?2 AND simhash IS NOT NULL",
        )?;
        for (x, y) in missing {
            let rows = stmt.query_map(params![x, y], |r| {
                Ok(Candidate {
                    id: r.get(0)?,
                    feed: r.get(1)?,
                    time: r.get(2)?,
                    story: r.get(3)?,
                    simhash: r.get(4)?,
                })
            })?;
            for row in rows {
                let c = row?;
                if !pending.contains(&c.id) {
                    candidates.add(c);
                }
            }
        }
        candidates.read = Some(match candidates.read {
            None => (lo, hi),
            Some((a, b)) => (a.min(lo), b.max(hi)),
        });
    }
    let mut sketches = Sketches::default();
    let mut own: HashMap<i64, Vec<String>> = HashMap::new();
    // Links found to name no single item of a feed: read once, not
    // once per article that carries them.
    let mut generic: HashSet<(i64, String)> = HashSet::new();
    let mut joined = 0;
    // The batch's articles grouped so far (their story may be their own).
    let mut done: HashSet<i64> = HashSet::new();
    for (id, feed, link, time, stored_key, stored_hash) in new {
        let key = stored_key
            .clone()
            .or_else(|| link.as_deref().and_then(crate::story::link_key));
        let hash = match stored_hash {
            Some(h) => Some(h),
            None => sketches.get(tx, id)?.and_then(|s| s.simhash),
        };
        if let std::collections::hash_map::Entry::Vacant(e) = own.entry(feed) {
            e.insert(own_keys(tx, feed)?);
        }
        let identity = key.as_deref().filter(|k| {
            crate::story::is_specific(k)
                && !own.get(&feed).is_some_and(|o| o.iter().any(|x| x == k))
                && !generic.contains(&(feed, k.to_string()))
        });
        // Other feeds' articles carrying the same link, when it names
        // one item: no other article of this feed carries it.
        let mut by_link: Vec<(i64, i64)> = Vec::new();
        if let Some(k) = identity {
            let sharers = link_sharers(tx, k)?;
            if sharers.len() > MAX_LINK_SHARERS
                || sharers.iter().any(|&(o, f, _)| f == feed && o != id)
            {
                generic.insert((feed, k.to_string()));
            } else {
                by_link = sharers
                    .into_iter()
                    .filter(|&(o, _, _)| o != id && (!pending.contains(&o) || done.contains(&o)))
                    .map(|(o, _, s)| (o, s))
                    .collect();
            }
        }
        let mut near = Vec::new();
        if let Some(h) = hash {
            near = candidates
                .near(time, window, feed, h)
                .into_iter()
                .map(|c| (c.id, c.story))
                .collect();
        }
        let mut story: Option<i64> = None;
        let tries = by_link
            .into_iter()
            .map(|c| (c, true))
            .chain(near.into_iter().map(|c| (c, false)));
        for ((other, s), same_link) in tries {
            if story_has_feed(tx, s, feed)? {
                continue;
            }
            let (Some(mine), Some(theirs)) = (sketches.get(tx, id)?, sketches.get(tx, other)?)
            else {
                continue;
            };
            if crate::story::same_story(&mine, &theirs, same_link) {
                story = Some(s);
                break;
            }
        }
        // An article alone keeps story_id NULL (its own story), which
        // spares the lead trigger; the first copy of a story that
        // gains one gets its own id.
        if let Some(s) = story {
            joined += 1;
            tx.prepare_cached(
                "UPDATE articles SET story_id = id WHERE id = ?1 AND story_id IS NULL",
            )?
            .execute([s])?;
            tx.prepare_cached("UPDATE articles SET story_id = ?2 WHERE id = ?1")?
                .execute(params![id, s])?;
        }
        if stored_key != key || stored_hash != hash {
            tx.prepare_cached("UPDATE articles SET link_key = ?2, simhash = ?3 WHERE id = ?1")?
                .execute(params![id, key, hash])?;
        }
        done.insert(id);
        if let Some(h) = hash {
            candidates.add(Candidate {
                id,
                feed,
                time,
                story: story.unwrap_or(id),
                simhash: h,
            });
        }
    }
    Ok(joined)
}

/// Most articles kept in [`Candidates`] (about 10 MB).
const MAX_CANDIDATES: usize = 200_000;

/// An article stories are compared on: id, feed, sort time, story.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    id: i64,
    feed: i64,
    time: i64,
    story: i64,
    simhash: i64,
}

impl Store {
    /// Puts the articles of `feeds` stored after article id `after` into
    /// stories (see [`crate::story`]), in one transaction; returns how many
    /// joined an existing story. Feeds are taken in order, so a feed's new
    /// articles can join those of a feed before it.
    pub fn assign_stories(&mut self, feeds: &[FeedId], after: i64) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut new: Vec<NewArticle> = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT id, feed_id, link, sort_time, link_key, simhash FROM articles
                 WHERE feed_id = ?1 AND id > ?2 ORDER BY id",
            )?;
            for feed in feeds {
                let rows = stmt.query_map(params![feed.0, after], new_article)?;
                for row in rows {
                    new.push(row?);
                }
            }
        }
        let joined = group_new(&tx, &mut self.candidates, new)?;
        tx.commit()?;
        Ok(joined)
    }

    /// Fills in `also_in` of each row with the other copies of its story:
    /// one query for a page of a list.
    pub fn fill_also_in(&self, rows: &mut [ArticleSummary]) -> Result<()> {
        let mut copies: HashMap<ArticleId, Vec<ArticleSummary>> = HashMap::new();
        // Within SQLite's default limit of bound parameters.
        for chunk in rows.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(",");
            let sql = format!(
                "SELECT {SUMMARY_COLUMNS}, l.id FROM articles l
                 JOIN articles a ON a.story_id = l.story_id AND a.id != l.id
                 JOIN feeds f ON f.id = a.feed_id
                 WHERE l.id IN ({marks}) AND l.story_id IS NOT NULL
                 ORDER BY a.sort_time, a.id"
            );
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let ids = chunk.iter().map(|a| a.id.0);
            let found = stmt.query_map(params_from_iter(ids), |r| {
                Ok((ArticleId(r.get(10)?), summary_from_row(r)?))
            })?;
            for row in found {
                let (lead, copy) = row?;
                copies.entry(lead).or_default().push(copy);
            }
        }
        for a in rows {
            if let Some(c) = copies.remove(&a.id) {
                a.also_in = c;
            }
        }
        Ok(())
    }

    /// Other articles of the story `id` belongs to, with their feed names.
    pub fn story_copies(&self, id: ArticleId) -> Result<Vec<(ArticleId, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.id, f.name FROM articles a JOIN feeds f ON f.id = a.feed_id
             WHERE a.story_id = (SELECT story_id FROM articles WHERE id = ?1) AND a.id != ?1
             ORDER BY a.sort_time, a.id",
        )?;
        let rows = stmt.query_map([id.0], |r| Ok((ArticleId(r.get(0)?), r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
