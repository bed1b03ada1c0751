#!/usr/bin/env python3
"""Desktop footprint and start-up, Lull beside an empty Tauri 2 app built the same way.

Measured in one run, on a virtual display, through tauri-driver (WebDriver):
- proportional set size (PSS) summed over the app and every process it started (the WebKit
  web and network processes): Lull with its window open (the window's processes plus the
  engine it started in the background, `lull serve --tray`), Lull with the window closed (the
  window's process is gone; the engine and its tray remain), and the empty app with its window
  open;
- time from launch to the first painted inbox (Lull) and to the loaded blank page (empty app),
  and for Lull where that time goes: when its page began, and the UI's own marks (script
  mounted, engine known, first status, first inbox answer);
- where the web process's memory goes: its PSS by kind of mapping (the JavaScript heap and
  other anonymous memory, malloc's heap, WebKit's and JavaScriptCore's code, fonts...).

Run through scripts/bench-desktop.sh, which builds the release binaries and the demo data.
"""
import os
import statistics
import sys
import time

import xclose
from webdriver import Driver

TARGET = os.environ.get("CARGO_TARGET_DIR", "target")
LULL_DESKTOP = os.path.abspath(f"{TARGET}/release/lull-desktop")
EMPTY_APP = os.path.abspath(f"{TARGET}/release/examples/empty_app")
RUNS = int(os.environ.get("RUNS", "3"))


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(root):
    """The pid and every descendant of it."""
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except OSError:
                pass
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


# The benchmark's own data directory: the engine measured is the one serving it.
DATA = os.environ.get("LULL_DATA_DIR")


def find_pid(name):
    """A process called `name`; for the engine, the one serving this benchmark's data directory,
    so that a `lull` running elsewhere is neither measured nor waited for."""
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/comm") as f:
                    if f.read().strip() != name[:15]:
                        continue
                if name == "lull" and DATA:
                    with open(f"/proc/{p}/cmdline", "rb") as f:
                        if DATA.encode() not in f.read().split(b"\0"):
                            continue
                return int(p)
            except OSError:
                pass
    return None


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def total_pss_mib(*names):
    """PSS of the processes called `names` and their descendants, each counted once (the engine
    the window starts is its child), in total and per process name."""
    pids = set()
    for name in names:
        pid = find_pid(name)
        if pid is None:
            raise SystemExit(f"{name} is not running")
        pids.update(tree(pid))
    per = {}
    for p in pids:
        per[comm(p)] = per.get(comm(p), 0) + pss_kib(p) / 1024
    return sum(per.values()), per


def mapping_kind(path):
    if not path:
        return "anonymous (JS heap, caches)"
    if path == "[heap]":
        return "malloc heap"
    if "/fonts/" in path:
        return "fonts"
    if "libjavascriptcore" in path:
        return "JavaScriptCore code"
    if "libwebkit2gtk" in path:
        return "WebKit code"
    if path.startswith("/memfd:") or path.startswith("/dev/shm"):
        return "shared memory"
    if ".so" in path:
        return "other libraries"
    return "other files"


def web_process_pss(app):
    """The app's WebKit web process: PSS (MiB) by kind of mapping."""
    root = find_pid(os.path.basename(app))
    web = [p for p in tree(root) if comm(p).startswith("WebKitWebProces")]
    kinds = {}
    for pid in web:
        kind = None
        try:
            with open(f"/proc/{pid}/smaps") as f:
                for line in f:
                    head = line.split(maxsplit=5)
                    if len(head) >= 5 and "-" in head[0] and ":" in head[3]:
                        kind = mapping_kind(head[5].strip() if len(head) > 5 else "")
                    elif line.startswith("Pss:") and kind:
                        kinds[kind] = kinds.get(kind, 0) + int(line.split()[1]) / 1024
        except OSError:
            pass
    return kinds


# Where Lull's launch goes, read in the page once it painted: how old the page is (so when it
# began after launch), and the UI's marks.
TIMELINE = """const n = performance.getEntriesByType('navigation')[0];
return {age: Date.now() - performance.timeOrigin, script: n ? n.domContentLoadedEventEnd : null,
        marks: Object.fromEntries(performance.getEntriesByType('mark').filter(m => m.name.startsWith('lull:')).map(m => [m.name.slice(5), m.startTime]))};"""


def measure(driver, app, ready_script, engine=None, then_script=None):
    """Launch to ready, PSS with the window open (after `then_script`, which must become true),
    and (with `engine`, the background process the app starts) PSS once the window is closed
    as a user closes it."""
    started = time.time()
    session = driver.session(app)
    session.wait(ready_script)
    ready = time.time() - started
    timeline = session.js(TIMELINE) if engine else None
    if timeline:
        timeline["began"] = ready * 1000 - timeline["age"]
    if then_script:
        session.wait(then_script)
    time.sleep(8)  # let it settle
    open_mib, procs = total_pss_mib(os.path.basename(app), *([engine] if engine else []))
    procs["web process by kind"] = web_process_pss(app)
    closed_mib = None
    if engine:
        if xclose.close("Lull") == 0:
            raise SystemExit("no window named Lull to close")
        while find_pid(os.path.basename(app)):
            time.sleep(0.1)
        time.sleep(8)
        closed_mib, _ = total_pss_mib(engine)
        # Stop the engine between runs, so each run starts it afresh.
        pid = find_pid(engine)
        if pid:
            os.kill(pid, 15)
            while find_pid(engine):
                time.sleep(0.1)
    try:
        session.quit()
    except Exception:
        pass  # the window's process is already gone
    time.sleep(2)
    return ready, open_mib, closed_mib, procs, timeline


def main():
    lull_ready = "return document.querySelectorAll('[data-testid=message]').length > 0 || !!document.querySelector('[data-testid=reassurance]')"
    # Opened during a focus block, Lull first shows its reassurance (a first paint too); the
    # memory is measured on the inbox with its messages either way, so the figure does not
    # depend on the hour the benchmark runs.
    lull_inbox = ("const open = document.querySelector('[data-testid=reassurance] button:not(.primary)');"
                  "if (open) open.click();"
                  "return document.querySelectorAll('[data-testid=message]').length > 0")
    empty_ready = "return document.readyState === 'complete'"
    rows = {"lull": [], "empty": []}
    with Driver() as driver:
        for _ in range(RUNS):
            rows["lull"].append(measure(driver, LULL_DESKTOP, lull_ready, engine="lull", then_script=lull_inbox))
            rows["empty"].append(measure(driver, EMPTY_APP, empty_ready))
    med = lambda xs: statistics.median(xs)
    lull_open = med([r[1] for r in rows["lull"]])
    lull_closed = med([r[2] for r in rows["lull"]])
    empty_open = med([r[1] for r in rows["empty"]])
    print(f"# Desktop footprint (median of {RUNS} runs; PSS summed over the app, its WebKit processes and, for Lull, the engine in the background)\n")
    print("| app | window open | window closed (engine and tray only) | launch to first paint |")
    print("|---|---:|---:|---:|")
    print(f"| empty Tauri 2 app (baseline) | {empty_open:.1f} MiB | — | {med([r[0] for r in rows['empty']]):.2f} s (blank page) |")
    print(f"| Lull | {lull_open:.1f} MiB ({lull_open / empty_open:.2f}x) | {lull_closed:.1f} MiB | {med([r[0] for r in rows['lull']]):.2f} s (inbox with messages, or in focus the reassurance) |")
    for name, runs in (("Lull", rows["lull"]), ("empty app", rows["empty"])):
        names = sorted(n for n in runs[0][3] if n != "web process by kind")
        parts = ", ".join(f"{n} {med([r[3].get(n, 0) for r in runs]):.1f}" for n in names)
        print(f"\n{name}, window open, by process (MiB, median): {parts}")
        kinds = sorted(runs[0][3]["web process by kind"], key=lambda k: -runs[0][3]["web process by kind"][k])
        parts = ", ".join(f"{k} {med([r[3]['web process by kind'].get(k, 0) for r in runs]):.1f}" for k in kinds)
        print(f"{name}, its web process by kind of memory (MiB, median): {parts}")
    # Lull's launch, in the page's own clock (ms after the page began, median).
    timelines = [r[4] for r in rows["lull"] if r[4]]
    if timelines:
        marks = ["mount", "engine", "status", "inbox"]
        parts = [f"page began {med([t['began'] for t in timelines]):.0f} ms after launch",
                 f"script parsed at {med([t['script'] or 0 for t in timelines]):.0f}"]
        parts += [f"{m} at {med([t['marks'].get(m, 0) for t in timelines]):.0f}" for m in marks]
        parts.append(f"painted inbox seen at {med([t['age'] for t in timelines]):.0f}")
        print(f"\nLull's launch (median; times in ms from the page's start): {', '.join(parts)}")


if __name__ == "__main__":
    sys.exit(main())
