import os, pty, re, time, select, struct, fcntl, termios, sys
import pyte  # pip install pyte: a terminal emulator, to read the screen
"""Interface timings on a prepared cache: python3 bench_ui.py BINARY DIR
(DIR holds config.toml and cache.db, e.g. from `tidings-bench --cache
DIR/cache.db --config DIR/config.toml`)."""
screen = pyte.Screen(120, 40)
stream = pyte.ByteStream(screen)

def shown():
    return "\n".join(screen.display)
BIN, DIR = sys.argv[1], sys.argv[2]
env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=os.path.join(DIR, "state"))
pid, fd = pty.fork()
if pid == 0:
    os.execve(BIN, [BIN, "--offline", "--config", os.path.join(DIR, "config.toml"), "--cache", os.path.join(DIR, "cache.db")], env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
t0 = time.monotonic()
buf = b""
def read_until(pred, timeout=10):
    global buf
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.01)
        if r:
            data = os.read(fd, 65536)
            buf += data
            stream.feed(data)
            if pred(buf):
                return time.monotonic()
    raise SystemExit("timeout")
def idle(quiet=0.3):
    """Reads until no output for `quiet` s; returns the time of the last byte."""
    global buf
    last = time.monotonic()
    while True:
        r, _, _ = select.select([fd], [], [], quiet)
        if not r:
            return last
        data = os.read(fd, 65536)
        buf += data
        stream.feed(data)
        last = time.monotonic()
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return line.split()[1] + " kB"
t_frame = read_until(lambda b: "tidings".encode() in b)
# The list's title: "All · 100,000" once listed.
t_list = read_until(lambda b: re.search(r"All · [0-9]", shown()) is not None)
idle()
print(f"first frame {1000*(t_frame-t0):.0f} ms; first frame with the list {1000*(t_list-t0):.0f} ms; RSS {rss()}")
def key(k, label, marker=None):
    global buf
    idle(0.05)
    buf = b""
    t = time.monotonic()
    os.write(fd, k.encode())
    first = read_until(lambda b: len(b) > 0)
    if marker:
        done = read_until(lambda b: re.search(marker, shown()) is not None)
        print(f"{label}: first redraw {1000*(first-t):.1f} ms, result on screen {1000*(done-t):.1f} ms")
    else:
        print(f"{label}: first redraw {1000*(first-t):.1f} ms")
    idle(0.25)
def query(text, marker):
    """Types `text`; times the last keystroke until `marker` is on screen."""
    global buf
    for c in text[:-1]:
        os.write(fd, c.encode())
    idle(0.3)
    buf = b""
    t = time.monotonic()
    os.write(fd, text[-1].encode())
    done = read_until(lambda b: marker in shown().split("\n")[0])
    print(f"filter {text!r}: keystroke to result on screen {1000*(done-t):.1f} ms")
    os.write(fd, b"\x15")  # Ctrl-u clears the filter text
    idle(0.3)

key("/", "open filter")
# The list's title shows the count and the start of the filter.
for text in [
    "tag:nhs",
    "tag:nhs is:unread",
    'feed:"Feed 0042"',
    "diagnostics",
    "diagnos*",
    '"virtual wards"',
]:
    query(text, f" \u00b7 /{text[:8]}")
key("\r", "keep filter")
key("\x1b", "Esc clears", r"All · [0-9,]+ ─")
time.sleep(0.3)
key("G", "G (the oldest article: its page loaded)", r"([0-9,]+)/\1 ")
key("g", "g (back to the first)", r" 1/[0-9,]+ ")
key("j", "j (move + preview)")
key("\r", "Enter (open article)")
print("RSS after filtering and reading", rss())
os.write(fd, b"q"); time.sleep(0.3); os.write(fd, b"q")
for _ in range(50):
    p, _ = os.waitpid(pid, os.WNOHANG)
    if p: break
    time.sleep(0.1)
