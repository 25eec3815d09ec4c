"""`python -m bench.memory_probe`: serve the app, visit its pages in Chromium, report the server's RSS.

The goal it checks: the Streamlit server's resident memory stays at or under the limit (600 MB by
default, for Streamlit Community Cloud) after the pages have been used. Streamlit renders over a
websocket, so a plain HTTP fetch runs nothing: a real browser (Debian's Chromium through
Playwright) opens each page and waits until the script has finished ("Running..." gone for a
while). RSS is read from /proc: the server process plus any child processes.

Exit status: 0 within the limit, 1 over it (or a page timed out), 2 when the probe cannot run.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEFAULT_PAGES = ("/", "/denoising", "/deblurring")
# The status widget also holds the "Source file changed / Rerun" prompt (files edited while the
# server runs), which is not work in progress: only the running icon or "Connecting" count as busy.
BUSY_SCRIPT = """() => {
  const widget = document.querySelector('[data-testid="stStatusWidget"]');
  if (!widget) return false;
  return widget.querySelector('[data-testid="stStatusWidgetRunningIcon"]') !== null
      || /Running|Connecting/.test(widget.innerText || "");
}"""
APP_VIEW = '[data-testid="stAppViewContainer"]'
EXCEPTION = '[data-testid="stException"]'


class ProbeError(Exception):
    """The probe cannot run (no app, no browser, the server did not start)."""


# -- memory of a process tree, from /proc --------------------------------------------------------

def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0  # gone, or a kernel thread without that field


def descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        parent = stack.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found.extend(children)
            stack.extend(children)
    return found


def rss_mb(pid: int) -> float:
    """Resident set size of a process and all its descendants, in MB (2^20 bytes)."""
    return sum(_status_kib(p, "VmRSS") for p in (pid, *descendants(pid))) / 1024


def hwm_mb(pid: int) -> float:
    """The kernel's high-water mark of the process's own RSS, in MB."""
    return _status_kib(pid, "VmHWM") / 1024


class PeakSampler(threading.Thread):
    """Samples the tree's RSS every `interval` seconds, keeping the maximum."""

    def __init__(self, pid: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# -- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app: Path, port: int, log) -> subprocess.Popen:
    """The app as deployed code runs: no file watcher (it would drop edited modules from sys.modules mid-run)."""
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    return subprocess.Popen(command, cwd=app.parent, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)


def wait_healthy(port: int, server: subprocess.Popen, timeout: float) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ProbeError(f"the Streamlit server exited with status {server.returncode} before it was ready.")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise ProbeError(f"the Streamlit server did not answer {url} within {timeout:.0f} s.")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- the browser --------------------------------------------------------------------------------

def settle(page, *, quiet: float, timeout: float) -> float:
    """Wait until the app has rendered and has shown no "Running..." (nor "Connecting") for
    `quiet` seconds in a row. Returns the seconds waited; raises TimeoutError."""
    start = time.monotonic()
    page.wait_for_selector(APP_VIEW, timeout=timeout * 1000)
    try:
        page.wait_for_load_state("networkidle", timeout=timeout * 1000)
    except Exception:  # a page that keeps fetching still counts once the script has finished
        pass
    calm_since = None
    while time.monotonic() - start < timeout:
        if not page.evaluate(BUSY_SCRIPT):
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since >= quiet:
                return time.monotonic() - start
        else:
            calm_since = None
        page.wait_for_timeout(200)
    raise TimeoutError(f"still running after {timeout:.0f} s")


def launch_browser(playwright):
    if not Path(CHROMIUM).exists():
        raise ProbeError(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


# -- the probe ----------------------------------------------------------------------------------

def probe(app: Path, pages: list[str], *, port: int, quiet: float, timeout: float,
          startup_timeout: float, log_path: Path) -> tuple[list[dict], dict]:
    """Visit `pages` in order in one browser tab. Returns (one row per page, totals)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ProbeError("Playwright is not installed (pip install -r requirements-dev.txt).") from None
    rows: list[dict] = []
    with open(log_path, "wb") as log:
        server = start_server(app, port, log)
        sampler = PeakSampler(server.pid)
        try:
            wait_healthy(port, server, startup_timeout)
            sampler.start()
            rows.append({"page": "(server started)", "rss": rss_mb(server.pid), "seconds": None,
                         "exceptions": None, "status": "ok"})
            with sync_playwright() as playwright:
                browser = launch_browser(playwright)
                try:
                    tab = browser.new_page()
                    for path in pages:
                        rows.append(_visit(tab, f"http://127.0.0.1:{port}{path}", path, server.pid,
                                           quiet=quiet, timeout=timeout))
                finally:
                    browser.close()
            totals = {"final": rss_mb(server.pid), "hwm": hwm_mb(server.pid)}
        finally:
            if sampler.is_alive():
                sampler.stop()
            stop_server(server)
    totals["peak"] = max(sampler.peak, totals["final"])
    return rows, totals


def _visit(tab, url: str, path: str, pid: int, *, quiet: float, timeout: float) -> dict:
    status, seconds = "ok", None
    try:
        tab.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        seconds = settle(tab, quiet=quiet, timeout=timeout)
    except Exception as exc:  # a timeout or a navigation error: report it in the row, go on
        status = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    exceptions = tab.locator(EXCEPTION).count() if status == "ok" else None
    return {"page": path, "rss": rss_mb(pid), "seconds": seconds, "exceptions": exceptions, "status": status}


def table(rows: list[dict]) -> str:
    lines = ["| page | RSS MB after visit | load s | exception boxes | status |",
             "| --- | ---: | ---: | ---: | --- |"]
    for r in rows:
        seconds = "—" if r["seconds"] is None else f"{r['seconds']:.1f}"
        exceptions = "—" if r["exceptions"] is None else str(r["exceptions"])
        lines.append(f"| {r['page']} | {r['rss']:.1f} | {seconds} | {exceptions} | {r['status']} |")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.memory_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the Streamlit entry point (default: app.py)")
    parser.add_argument("--pages", nargs="+", default=list(DEFAULT_PAGES), metavar="PATH",
                        help=f"URL paths to visit, in order (default: {' '.join(DEFAULT_PAGES)})")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--limit-mb", type=float, default=600.0, help="RSS limit after each visit (default: 600)")
    parser.add_argument("--settle", type=float, default=2.0,
                        help="seconds without the running indicator that count as finished (default: 2)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per page (default: 120)")
    parser.add_argument("--startup-timeout", type=float, default=60.0,
                        help="seconds allowed for the server to start (default: 60)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    pages = [p if p.startswith("/") else "/" + p for p in args.pages]
    app = args.app.resolve()
    fd, log_name = tempfile.mkstemp(prefix="memory-probe-", suffix=".log")
    os.close(fd)
    log_path = Path(log_name)
    try:
        if not app.is_file():
            raise ProbeError(f"{app} not found: the probe serves the Streamlit app, so app.py must exist.")
        rows, totals = probe(app, pages, port=args.port or free_port(), quiet=args.settle,
                             timeout=args.timeout, startup_timeout=args.startup_timeout, log_path=log_path)
    except ProbeError as exc:
        tail = log_path.read_text(errors="replace").strip().splitlines()[-15:]
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        if tail:
            print("server log (last lines):\n" + "\n".join(tail), file=sys.stderr)
        return 2
    finally:
        log_path.unlink(missing_ok=True)
    print(table(rows))
    print()
    print(f"peak RSS: {totals['peak']:.1f} MB (sampled every 0.25 s, with children); "
          f"server VmHWM: {totals['hwm']:.1f} MB")
    over = [r["page"] for r in rows if r["rss"] > args.limit_mb]
    failed = [r["page"] for r in rows if r["status"] != "ok"]
    verdict = "OK" if not over else f"OVER on {', '.join(over)}"
    print(f"limit {args.limit_mb:.0f} MB after each visit: {verdict}")
    if failed:
        print(f"pages that did not finish: {', '.join(failed)}", file=sys.stderr)
    return 1 if over or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
