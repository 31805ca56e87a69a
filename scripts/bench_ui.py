"""Interface timings on a prepared cache: python3 bench_ui.py BINARY DIR
(DIR holds config.toml and cache.db, e.g. from `tidings-bench --cache
DIR/cache.db --config DIR/config.toml`).

Times the application, not this script: while timing, output is only read
and stamped with its arrival time. The terminal emulator (pyte, slow) is fed
afterwards, during a quiet spell, and a step's time is the arrival of the
output after which its screen condition first holds."""
import os, pty, re, time, select, struct, fcntl, termios, sys
import pyte  # pip install pyte: a terminal emulator, to read the screen

screen = pyte.Screen(120, 40)
stream = pyte.ByteStream(screen)
BIN, DIR = sys.argv[1], sys.argv[2]
env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=os.path.join(DIR, "state"))
pid, fd = pty.fork()
if pid == 0:
    os.execve(BIN, [BIN, "--offline", "--config", os.path.join(DIR, "config.toml"), "--cache", os.path.join(DIR, "cache.db")], env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
t0 = time.monotonic()
# A step ends after this long without output (longer than any redraw we time,
# so the emulator never runs while a timed redraw is due).
QUIET = 0.3


def shown():
    return "\n".join(screen.display)


def title():
    return screen.display[0]


def read_raw(quiet, deadline):
    """Output until `quiet` s pass without any (or `deadline`): [(arrival, bytes)]."""
    got = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return got
        r, _, _ = select.select([fd], [], [], min(quiet, left))
        if not r:
            return got
        try:
            data = os.read(fd, 65536)
        except OSError:
            return got
        got.append((time.monotonic(), data))


def wait_for(*preds, timeout=20):
    """For each pred: the arrival time of the output after which it first
    holds on the screen. One time if one pred."""
    deadline = time.monotonic() + timeout
    found = [None] * len(preds)
    while time.monotonic() < deadline:
        for t, data in read_raw(QUIET, deadline):
            stream.feed(data)
            for i, pred in enumerate(preds):
                if found[i] is None and pred():
                    found[i] = t
        if all(f is not None for f in found):
            return found[0] if len(found) == 1 else found
    raise SystemExit(f"timeout; screen:\n{shown()}")


def drain(quiet=QUIET):
    """Feeds everything up to a quiet spell to the emulator."""
    for _, data in read_raw(quiet, time.monotonic() + 10):
        stream.feed(data)


def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return line.split()[1] + " kB"


# The list's title reads "All · 100,000" once listed. The sidebar's counts
# and the selected article's preview read "loading…" / "Loading…" until
# they come.
t_frame, t_list, t_ready = wait_for(
    lambda: "tidings" in shown(),
    lambda: re.search(r"All · [0-9]", title()) is not None,
    lambda: "tidings" in shown() and " loading…" not in shown() and "Loading…" not in shown(),
)
print(
    f"first frame {1000*(t_frame-t0):.0f} ms; first frame with the list {1000*(t_list-t0):.0f} ms; "
    f"sidebar counts and preview {1000*(t_ready-t0):.0f} ms; RSS {rss()}"
)


def key(k, label, pred=None):
    """Presses `k`; times the first redraw, and until pred() holds if given."""
    drain()
    t = time.monotonic()
    os.write(fd, k.encode())
    got = read_raw(QUIET, t + 10)
    first = got[0][0] if got else None
    done = None
    for at, data in got:
        stream.feed(data)
        if pred and done is None and pred():
            done = at
    if pred and done is None:
        done = wait_for(pred)
    msg = f"{label}: first redraw {1000*(first-t):.1f} ms" if first else f"{label}: no redraw"
    if pred:
        msg += f", result on screen {1000*(done-t):.1f} ms"
    print(msg)


def filtered(text, count=None):
    """The list's title shows the result for filter `text`."""
    pat = re.compile(("" if count is None else re.escape(count) + " ") + r"· /" + re.escape(text) + "[ ─]")
    return lambda: pat.search(title()) is not None


def counted(text):
    """The list's title shows the exact count for filter `text` (a list of
    a full page reads "500+" until counted)."""
    pat = re.compile(r"· [0-9,]+ · /" + re.escape(text) + "[ ─]")
    return lambda: pat.search(title()) is not None


def query(text, count):
    """Types `text`; times its last keystroke until the rows are on screen,
    and until their count is."""
    for c in text[:-1]:
        os.write(fd, c.encode())
    drain()
    t = time.monotonic()
    os.write(fd, text[-1].encode())
    done, total = wait_for(filtered(text, count), counted(text))
    print(f"filter {text!r}: keystroke to result on screen {1000*(done-t):.1f} ms, counted {1000*(total-t):.1f} ms")
    os.write(fd, b"\x15")  # Ctrl-u clears the filter text
    drain()


def typing(word):
    """Types `word` a key at a time, each after the last result is counted:
    ms to the rows on screen (and to their count, when later)."""
    times = []
    for i in range(1, len(word) + 1):
        t = time.monotonic()
        os.write(fd, word[i - 1].encode())
        done, total = wait_for(filtered(word[:i]), counted(word[:i]))
        later = f" ({1000*(total-t):.0f})" if total > done else ""
        times.append(f"{word[:i]} {1000*(done-t):.0f}{later}")
    print(f"typing {word!r}, ms per key (to the count): " + ", ".join(times))
    os.write(fd, b"\x15")
    drain()


key("/", "open filter")
for text, count in [
    ("tag:nhs", None),
    ("tag:nhs is:unread", None),
    ('feed:"Feed 0042"', None),
    ("diagnostics", None),
    ("diagnos*", None),
    ('"virtual wards"', None),
]:
    query(text, count)
for word in ["diagnostics", "health innovation"]:
    typing(word)
query("diagnostics", None)
key("\r", "keep filter")
key("\x1b", "Esc clears", lambda: re.search(r"All · [0-9,]+ ─", title()) is not None)
key("G", "G (the oldest article: its page loaded)", lambda: re.search(r"([0-9,]+)/\1 ", shown()) is not None)
key("g", "g (back to the first)", lambda: re.search(r" 1/[0-9,]+ ", shown()) is not None)
def reader_top():
    """The reader's first line: the previewed article's title."""
    for line in screen.display:
        if "Reader" in line:
            i = screen.display.index(line)
            return screen.display[i + 1]
    return ""


drain()
before = reader_top()
key("j", "j (move + preview)", lambda: reader_top() != before and "Loading…" not in shown())
key("\r", "Enter (open article)")
print("RSS after filtering and reading", rss())
os.write(fd, b"q"); time.sleep(0.3); os.write(fd, b"q")
for _ in range(50):
    p, _ = os.waitpid(pid, os.WNOHANG)
    if p: break
    time.sleep(0.1)
