#!/usr/bin/env python3
"""Benchmark: one-lesson edit → reload message in `waypost preview` (QUALITY.md: ≤ 50 ms).

    python3 bench/preview_edit.py [N] [--edits 20] [--bin target/release/waypost]

Generates the N-lesson corpus (default 10000) with ../shared/bench/gen_corpus.py into
/dev/shm, starts `waypost preview` on it, subscribes to /__waypost/events like a page does,
then edits one lesson at a time (a different lesson each time, a paragraph appended) and
times from the moment the write returns to the moment the `reload` event arrives. Prints the
startup time, median and max of the edits, the time a theme edit (one line of CSS appended in a
copy of themes/default passed with --theme) takes to reload, which re-renders every page, and
the preview's memory (peak and current RSS).
Build the release binary first: cargo build --release --locked.
"""

import argparse
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def rss(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields.get("VmHWM", "?"), fields.get("VmRSS", "?")


class Events:
    """Reads the chunked text/event-stream and timestamps each event name on arrival."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(
            f"GET /__waypost/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        self.cond = threading.Condition()
        self.events = []
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        buf = b""
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            now = time.perf_counter()
            buf += data
            # Event names are all this benchmark needs; chunk sizes never contain "event: ".
            while b"event: " in buf:
                start = buf.index(b"event: ") + 7
                end = buf.find(b"\n", start)
                if end < 0:
                    break
                name = buf[start:end].decode()
                buf = buf[end:]
                with self.cond:
                    self.events.append((name, now))
                    self.cond.notify_all()

    def wait(self, name, after, timeout=30):
        deadline = time.perf_counter() + timeout
        with self.cond:
            while True:
                for ev, at in self.events:
                    if ev == name and at >= after:
                        self.events.clear()
                        return at
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"no {name} event")
                self.cond.wait(left)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=10000)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--bin", default=str(ROOT / "target/release/waypost"))
    args = ap.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="waypost-preview-bench.", dir="/dev/shm"))
    try:
        subprocess.run(
            [sys.executable, str(ROOT.parent / "shared/bench/gen_corpus.py"), str(args.n),
             "--out", str(work), "--layouts", "waypost"],
            check=True, stdout=subprocess.DEVNULL,
        )
        courses = work / f"waypost-{args.n}"
        theme = work / "theme"
        shutil.copytree(ROOT / "themes/default", theme)
        lessons = sorted(courses.glob("*/lessons/*.md"))
        started = time.perf_counter()
        log = open(work / "preview.log", "w+")
        proc = subprocess.Popen(
            [args.bin, "preview", str(courses), "--port", "0", "--theme", str(theme)],
            stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "NO_COLOR": "1"},
        )
        line = proc.stdout.readline()
        if not line.startswith("Preview at "):
            log.seek(0)
            sys.exit(f"preview did not start: {line}{log.read()[-4000:]}")
        ready = time.perf_counter() - started
        port = int(line.strip().rstrip("/").rsplit(":", 1)[1])
        events = Events(port)
        time.sleep(3)  # let the search index and courses.json finish in the background
        times = []
        for i in range(args.edits):
            lesson = lessons[(i * 7919) % len(lessons)]
            text = lesson.read_text()
            t0 = time.perf_counter()
            lesson.write_text(text + f"\nEdited paragraph number {i}.\n")
            at = events.wait("reload", t0)
            times.append((at - t0) * 1000)
            time.sleep(0.3)
        css = theme / "static/waypost.css"
        t0 = time.perf_counter()
        css.write_text(css.read_text() + "\n/* theme edit */\n")
        theme_ms = (events.wait("reload", t0, timeout=120) - t0) * 1000
        peak, current = rss(proc.pid)
        proc.terminate()
        proc.wait(timeout=10)
        print(f"waypost preview, {args.n} lessons: first build and listening in {ready:.2f} s")
        print(f"one-lesson edit → reload event, {len(times)} edits: median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms, min {min(times):.1f} ms")
        print(f"theme edit (every page re-rendered) → reload event: {theme_ms:.0f} ms")
        print(f"preview memory: peak RSS {peak}, RSS after the edits {current}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
