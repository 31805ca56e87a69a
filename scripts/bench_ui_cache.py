"""Makes a 100,000-article cache for bench_ui.py: python3 bench_ui_cache.py BINARY DIR
(200 feeds x 500 articles, random titles and ~1 kB bodies)."""
import os, random, sqlite3, subprocess, sys, time

BIN, DIR = sys.argv[1], sys.argv[2]
os.makedirs(DIR, exist_ok=True)
config, cache = os.path.join(DIR, "config.toml"), os.path.join(DIR, "cache.db")
with open(config, "w") as f:
    f.write("[settings]\nrefresh_on_start = false\n")
    for i in range(200):
        f.write(f'\n[[feed]]\nname = "Feed {i:03}"\nurl = "http://127.0.0.1:9/f{i}.xml"\ntags = ["t{i%10}"]\n')
subprocess.run([BIN, "--config", config, "--cache", cache, "feeds"], check=True, stdout=subprocess.DEVNULL)
random.seed(1)
db = sqlite3.connect(cache)
ids = [r[0] for r in db.execute("SELECT id FROM feeds ORDER BY id")]
words = "health innovation network nhs england diagnostic centre pilot funding trust patient safety report winter planning digital ai triage care regional data".split()
now = int(time.time())
n, rows, bodies = 0, [], []
for fid in ids:
    for _ in range(500):
        n += 1
        title = " ".join(random.choice(words) for _ in range(7)).capitalize() + f" {n}"
        t = now - random.randint(0, 86400 * 365)
        rows.append((n, fid, f"g{n}", title, f"https://example.test/{n}", None, t, None, t, t, random.random() < 0.7, random.random() < 0.01, n))
        bodies.append((n, None, "<p>" + " ".join(random.choice(words) for _ in range(150)) + ' <a href="https://example.test/x">link</a></p>'))
db.executemany("INSERT INTO articles (id, feed_id, guid, title, link, author, published, updated, first_seen, sort_time, read, starred, content_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
db.executemany("INSERT INTO article_bodies (article_id, summary, content) VALUES (?,?,?)", bodies)
db.execute("UPDATE feeds SET last_success = ?, last_attempt = ?", (now - 3600, now - 3600))
db.commit()
print(n, "articles in", cache)
