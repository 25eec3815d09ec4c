"""`python -m bench.load_probe`: a classroom at once. Serve the app, drive N concurrent sessions through a tour of
its pages, and report what visitors saw and what the server spent.

Each session (its own Streamlit session), page after page (each session starts at a different page), opens the
page's default view, changes the last sidebar slider (a rerun) and opens the Sweep tab when the page has one,
waiting `--think` seconds after each action. Two clients:

- `--client protocol` (default): Streamlit's websocket protocol spoken directly (bench.protocol_client): no
  rendering, a few milliseconds of the machine per run, so the two cores are the server's. "Seen" is from the
  request until the server's script_finished message.
- `--client browser`: a Chromium tab per session. "Seen" is until the page is idle in the browser; the browsers
  compete with the server for the same cores (`--browser-cpus 1` pins them to CPU 1 with taskset), and canvases
  run as they do for a visitor.

Measured:
- per page: open, rerun and tab-switch latency as seen and as the server's own run time (app.py's run log,
  `IPCV_RUN_LOG`, matched to actions by page, time and session), script runs per open, tracebacks;
- disconnects (a websocket that closed while its session was on), broken media (images and downloads of a settled
  page that `/media/` does not serve), health checks (`/_stcore/health` every 2 s, failed or slower than 10 s);
- the server's CPU seconds per action and its RSS over time (its process tree, the TensorFlow worker included,
  from /proc), then RSS again `--linger` seconds after every session closed.

`--burst PAGE` opens one page in every session at the same moment instead of the tour.

Exit status: 0 when no traceback, disconnect, broken media, timed-out action or failed health check was seen;
1 otherwise; 2 when the probe cannot run.
"""
from __future__ import annotations

import argparse
import ast
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.memory_probe import (CHROMIUM, CHROMIUM_ARGS, ROOT, ProbeError, descendants, free_port, rss_mb,
                                start_server, stop_server, wait_healthy)

RUN_LOG = "IPCV_RUN_LOG"
WARM_UP = "IPCV_WARM_UP"
IDLE_SCRIPT = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const widget = document.querySelector('[data-testid="stStatusWidget"]');
  return !(widget && (widget.querySelector('[data-testid="stStatusWidgetRunningIcon"]') !== null
                      || /Running|Connecting/.test(widget.innerText || '')));
}"""


def tour_pages() -> list[str]:
    """The URL paths of the app's pages, in navigation order (read from app.py's TOPICS, without running it)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "TOPICS" for t in node.targets) \
                and isinstance(node.value, ast.List):
            topics = ast.literal_eval(node.value)
            return [Path(entry[0]).stem for _, entries in topics for entry in entries]
    raise ProbeError("app.py has no TOPICS list.")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants, from /proc/<pid>/stat."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in (pid, *descendants(pid)):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / ticks


@dataclass
class Findings:
    opens: dict[str, list[float]] = field(default_factory=dict)
    reruns: dict[str, list[float]] = field(default_factory=dict)
    sweeps: dict[str, list[float]] = field(default_factory=dict)
    tracebacks: list[str] = field(default_factory=list)
    disconnects: int = 0
    broken_media: list[str] = field(default_factory=list)  # images left broken on the settled page
    media_errors: list[str] = field(default_factory=list)  # every HTTP error from /media/, stale requests included
    timeouts: list[str] = field(default_factory=list)
    health: list[float | None] = field(default_factory=list)  # seconds, None = failed
    samples: list[tuple[float, float, float]] = field(default_factory=list)  # (t, rss MB, cpu s)
    # (page, kind, wall start, end, server session id; "" until the session is known)
    actions: list[tuple[str, str, float, float, str]] = field(default_factory=list)
    server: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (page, kind) -> server run seconds
    # (page, kind) -> server seconds of the runs that computed nothing new (every value came from a cache)
    from_cache: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    warm_up: float | None = None  # seconds the app's warm-up took before the sessions started


class Sampler(threading.Thread):
    """Every second: the server's RSS and CPU seconds; every 2 s: a health check (10 s timeout)."""

    def __init__(self, pid: int, port: int, findings: Findings):
        super().__init__(daemon=True)
        self.pid, self.port, self.findings, self.start_time = pid, port, findings, time.monotonic()
        self._halt = threading.Event()
        self._health = threading.Thread(target=self._check_health, daemon=True)

    def run(self) -> None:
        self._health.start()
        while not self._halt.is_set():
            self.findings.samples.append((time.monotonic() - self.start_time, rss_mb(self.pid),
                                          cpu_seconds(self.pid)))
            self._halt.wait(1.0)

    def _check_health(self) -> None:
        url = f"http://127.0.0.1:{self.port}/_stcore/health"
        while not self._halt.is_set():
            began = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    ok = response.status == 200
            except OSError:
                ok = False
            self.findings.health.append(time.monotonic() - began if ok else None)
            self._halt.wait(2.0)

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self._health.join(timeout=12)


async def _settle(page, quiet: float, timeout: float) -> bool:
    """Wait until the script is idle for `quiet` seconds in a row; False on timeout."""
    deadline, since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            idle = await page.evaluate(IDLE_SCRIPT)
        except Exception:  # navigation in progress
            idle = False
        if not idle:
            since = None
        elif since is None:
            since = time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
        await asyncio.sleep(0.1)
    return False


async def _timed(page, action, quiet: float, timeout: float, findings: Findings | None = None,
                 what: tuple[str, str] = ("", ""), who=lambda: "") -> float | None:
    """Seconds from `action` until the page is idle again (the quiet spell not counted); None on timeout. The
    action's wall-clock window is kept in `findings.actions` (page, kind, start, end, server session id from
    `who()`) to match server runs to it."""
    began, wall = time.monotonic(), time.time()
    try:
        await action()
    except Exception as exc:  # a click or a navigation that timed out: a finding, not the end of the probe
        if findings is not None:
            findings.timeouts.append(f"{what[1]} {what[0]}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
        return None
    await asyncio.sleep(0.15)  # let the rerun start
    settled = await _settle(page, quiet, timeout)
    if findings is not None:
        findings.actions.append((*what, wall, time.time(), who()))
    if not settled:
        return None
    return time.monotonic() - began - quiet


async def _session(index: int, browser, url: str, pages: list[str], deadline: float, findings: Findings,
                   quiet: float, timeout: float, only_open: bool = False, think: float = 0.0) -> None:
    """One visitor's tour until `deadline`; `only_open`: open the first page once, and nothing else (a burst)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    closing = False
    server = {"session": ""}  # the server's id of the tab's current session (each navigation starts a new one)

    def tab_session() -> str:
        return server["session"]

    def on_socket(socket) -> None:
        def closed(_=None) -> None:
            if not closing:
                findings.disconnects += 1

        def received(payload) -> None:  # only until the socket's new_session message names its session
            if isinstance(payload, bytes):
                message = ForwardMsg()
                try:
                    message.ParseFromString(payload)
                except Exception:  # a frame that isn't a ForwardMsg: not the one we wait for
                    return
                if message.new_session.initialize.session_id:
                    server["session"] = message.new_session.initialize.session_id
                    socket.remove_listener("framereceived", received)
        server["session"] = ""
        socket.on("close", closed)
        socket.on("framereceived", received)

    def on_response(response) -> None:
        if "/media/" in response.url and response.status >= 400:
            findings.media_errors.append(f"{response.status} {response.url}")

    page.on("websocket", on_socket)
    page.on("response", on_response)
    step = index
    try:
        while time.monotonic() < deadline:
            name = pages[step % len(pages)]
            step += 1
            opened = await _timed(page, lambda: page.goto(f"{url}/{name}", wait_until="domcontentloaded",
                                                                timeout=timeout * 1000),
                                  quiet, timeout, findings, (name, "open"), tab_session)
            if opened is None:
                findings.timeouts.append(f"open {name}")
                continue
            findings.opens.setdefault(name, []).append(opened)
            await _check_errors(page, name, findings)
            if only_open:
                break
            await asyncio.sleep(think)
            slider = page.locator('[data-testid="stSidebar"] [data-testid="stSlider"] input[type="range"]').last
            if time.monotonic() < deadline and await slider.count():
                async def nudge():
                    await slider.focus(timeout=timeout * 1000)
                    await slider.press("ArrowRight", timeout=timeout * 1000)
                rerun = await _timed(page, nudge, quiet, timeout, findings, (name, "rerun"), tab_session)
                if rerun is None:
                    findings.timeouts.append(f"rerun {name}")
                else:
                    findings.reruns.setdefault(name, []).append(rerun)
                await asyncio.sleep(think)
            sweep = page.get_by_role("tab", name="Sweep")
            if time.monotonic() < deadline and await sweep.count() == 1:
                took = await _timed(page, lambda: sweep.click(timeout=timeout * 1000), quiet, timeout, findings,
                                    (name, "sweep"), tab_session)
                if took is None:
                    findings.timeouts.append(f"sweep {name}")
                else:
                    findings.sweeps.setdefault(name, []).append(took)
                await asyncio.sleep(think)
            await _check_errors(page, name, findings)
    finally:
        closing = True
        await context.close()


BROKEN_IMAGES = """() => [...document.images]
  .filter(i => i.src.includes('/media/') && i.complete && i.naturalWidth === 0).map(i => i.src)"""


async def _check_errors(page, name: str, findings: Findings) -> None:
    """Tracebacks and broken images on the settled page. A media request that failed while a rerun replaced its
    image is not a broken image: the browser shows the new one (it is counted in `media_errors`)."""
    exceptions = page.locator('[data-testid="stException"]')
    if await exceptions.count():
        findings.tracebacks.append(f"{name}: {(await exceptions.first.inner_text())[:300]}")
    for source in await page.evaluate(BROKEN_IMAGES):
        findings.broken_media.append(f"{name}: {source}")


async def _visitor_session(index: int, url: str, pages: list[str], deadline: float, findings: Findings,
                          timeout: float, think: float, only_open: bool = False) -> None:
    """The same tour as `_session`, spoken in Streamlit's websocket protocol (bench.protocol_client): no browser,
    so the machine's cores are the server's. Seen = from the request until the server's `script_finished`."""
    from bench.protocol_client import Disconnected, Visitor, nudged, tab_choice

    visitor = Visitor(url, timeout)

    async def act(name: str, kind: str, request) -> object | None:
        began, wall = time.monotonic(), time.time()
        try:
            run = await request
        except Disconnected:
            findings.disconnects += 1
            run = None
        except (TimeoutError, OSError) as exc:
            findings.timeouts.append(f"{kind} {name}: {type(exc).__name__}: {exc}"[:160])
            run = None
        findings.actions.append((name, kind, wall, time.time(), visitor.session_id))
        if run is None:
            return None
        {"open": findings.opens, "rerun": findings.reruns, "sweep": findings.sweeps}[kind].setdefault(
            name, []).append(time.monotonic() - began)
        if run.not_found:
            findings.tracebacks.append(f"{name}: page not found")
        findings.tracebacks += [f"{name}: {message}" for message in run.exceptions]
        findings.broken_media += [f"{name}: {broken}" for broken in await visitor.broken_media(run)]
        if think:
            await asyncio.sleep(think)
        return run

    step = index
    try:
        while time.monotonic() < deadline:
            name = pages[step % len(pages)]
            step += 1
            run = await act(name, "open", visitor.open(name))
            if run is None or only_open:
                if only_open:
                    break
                continue
            sliders = run.sliders()
            if sliders and time.monotonic() < deadline:
                run = await act(name, "rerun", visitor.change(nudged(sliders[-1]))) or run
            sweep = run.tab("Sweep")
            if sweep and time.monotonic() < deadline:
                await act(name, "sweep", visitor.change(tab_choice(*sweep)))
    finally:
        await visitor.close()


async def _drive(port: int, sessions: int, seconds: float, pages: list[str], burst: str | None,
                 browser_cpus: str | None, findings: Findings, quiet: float, timeout: float, client: str = "browser",
                 think: float = 0.0) -> None:
    url = f"http://127.0.0.1:{port}"
    if client == "protocol":
        if burst:
            await asyncio.gather(*(_visitor_session(0, url, [burst], float("inf"), findings, timeout, 0.0,
                                                    only_open=True) for _ in range(sessions)))
        else:
            deadline = time.monotonic() + seconds
            await asyncio.gather(*(_visitor_session(i, url, pages, deadline, findings, timeout, think)
                                   for i in range(sessions)))
        return
    from playwright.async_api import async_playwright

    executable = CHROMIUM
    if browser_cpus:
        wrapper = Path(tempfile.mkdtemp()) / "chromium"
        wrapper.write_text(f'#!/bin/sh\nexec taskset -c {browser_cpus} {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        executable = str(wrapper)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            if burst:
                await asyncio.gather(*(_session(0, browser, url, [burst], float("inf"), findings, quiet, timeout,
                                                only_open=True) for _ in range(sessions)))
            else:
                deadline = time.monotonic() + seconds
                await asyncio.gather(*(_session(i, browser, url, pages, deadline, findings, quiet, timeout,
                                                think=think) for i in range(sessions)))
        finally:
            await browser.close()


def _stats(values: list[float]) -> str:
    if not values:
        return "– | – | – | 0"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"{statistics.median(ordered):.2f} | {p95:.2f} | {ordered[-1]:.2f} | {len(ordered)}"


def report(findings: Findings, runs: dict[str, int], after: tuple[float, float] | None, linger: float,
           client: str = "protocol") -> str:
    seen = ("until the server's script_finished message (protocol client)" if client == "protocol" else
            "until the page is idle in the browser")
    lines = [f"Seen: from the action {seen}. Server: the full script run on the server (app.py's run log), "
             "without the client's own work.", "",
             "| page | opens | runs per open | open seen (s) | open server (s) | rerun seen (s) | rerun server (s) | "
             "Sweep tab seen (s) | Sweep tab server (s) |",
             "| --- | ---: | ---: | --- | --- | --- | --- | --- | --- |"]

    def cell(values: list[float]) -> str:
        return _stats(values).rsplit(" | ", 1)[0].replace(" | ", " / ") if values else "–"

    for name in sorted(findings.opens, key=lambda n: -len(findings.opens[n])):
        opens = findings.opens[name]
        per_open = runs.get(name, 0) / len(opens) if opens else 0
        lines.append(f"| {name} | {len(opens)} | {per_open:.2f} | {cell(opens)} | "
                     f"{cell(findings.server.get((name, 'open'), []))} | {cell(findings.reruns.get(name, []))} | "
                     f"{cell(findings.server.get((name, 'rerun'), []))} | {cell(findings.sweeps.get(name, []))} | "
                     f"{cell(findings.server.get((name, 'sweep'), []))} |")
    every = {kind: [v for (_, k), values in findings.server.items() if k == kind for v in values]
             for kind in ("open", "rerun", "sweep")}
    lines.append(f"| **all pages** | {sum(map(len, findings.opens.values()))} | | "
                 f"{cell([v for values in findings.opens.values() for v in values])} | {cell(every['open'])} | "
                 f"{cell([v for values in findings.reruns.values() for v in values])} | {cell(every['rerun'])} | "
                 f"{cell([v for values in findings.sweeps.values() for v in values])} | {cell(every['sweep'])} |")
    visits = sum(len(v) for v in findings.opens.values()) + sum(len(v) for v in findings.reruns.values()) + \
        sum(len(v) for v in findings.sweeps.values())
    samples = findings.samples
    cpu = samples[-1][2] - samples[0][2] if len(samples) > 1 else 0.0
    checks = [h for h in findings.health if h is not None]
    failed = sum(h is None for h in findings.health)
    peak = max((s[1] for s in samples), default=0.0)
    cached = {kind: [v for (_, k), values in findings.from_cache.items() if k == kind for v in values]
              for kind in ("open", "rerun", "sweep")}
    lines += ["", "Server time (median / p95 / max) of the runs that computed nothing new (every method result, "
                  "figure and decode came from the shared caches), and of those that computed something:", "",
              "| action | from the caches: runs | server (s) | computing: runs | server (s) |",
              "| --- | ---: | --- | ---: | --- |"]
    for kind, label in (("open", "open"), ("rerun", "rerun"), ("sweep", "Sweep tab")):
        computing = list(every[kind])
        for value in cached[kind]:
            computing.remove(value)
        lines.append(f"| {label} | {len(cached[kind])} | {cell(cached[kind])} | {len(computing)} | {cell(computing)} |")
    lines += [""]
    if findings.warm_up is not None:
        lines.append(f"- warm-up before the sessions: {findings.warm_up:.0f} s")
    lines += [f"- tracebacks: {len(findings.tracebacks)}; disconnects: {findings.disconnects}; broken media: "
                  f"{len(findings.broken_media)} (media requests that failed, stale ones included: "
                  f"{len(findings.media_errors)}); timed out: {len(findings.timeouts)}",
              f"- health checks: {len(findings.health)}, {failed} failed, slowest "
              f"{max(checks, default=0):.2f} s",
              f"- server CPU: {cpu:.1f} s over {visits} opens, reruns and tab switches "
              f"({cpu / visits if visits else 0:.2f} s each)",
              f"- server RSS: peak {peak:.0f} MB" + (f"; {after[0]:.0f} MB when the sessions closed, {after[1]:.0f} MB "
                                                    f"{linger:.0f} s later" if after else "")]
    for what in findings.tracebacks[:5] + findings.broken_media[:5] + findings.timeouts[:5]:
        lines.append(f"  - {what}")
    return "\n".join(lines)


def _wait_warm(port: int, log_path: Path, timeout: float) -> float:
    """Open the home page once (what starts the app's warm-up, ui.warmup) and wait for the warm-up's last line in
    the server log; returns the seconds it took."""
    from ui.warmup import DONE

    began = time.monotonic()
    _in_thread(_open_home(port))
    while time.monotonic() - began < timeout:
        if DONE in log_path.read_text(errors="replace"):
            return time.monotonic() - began
        time.sleep(0.5)
    raise ProbeError(f"the app's warm-up did not finish within {timeout:.0f} s (see the server log).")


async def _open_home(port: int) -> None:
    from bench.protocol_client import Visitor

    visitor = Visitor(f"http://127.0.0.1:{port}", 60)
    try:
        run = await visitor.open("")
    finally:
        await visitor.close()
    if run.exceptions:
        raise ProbeError(f"the home page failed: {run.exceptions[0]}")


def probe(sessions: int, seconds: float, *, pages: list[str] | None = None, burst: str | None = None,
          linger: float = 120.0, browser_cpus: str | None = None, quiet: float = 0.5,
          timeout: float = 120.0, warm: bool = True, client: str = "protocol",
          think: float = 0.0) -> tuple[Findings, dict[str, int], tuple[float, float]]:
    """Run the probe; returns what it found, the full script runs per page, and the RSS (MB) when the sessions
    closed and `linger` seconds later. `warm`: the app warms its pages' default views (ui.warmup) and the sessions
    start once that is done, as in a class whose teacher opened the app first; otherwise they meet a cold server
    with the warm-up off."""
    pages = pages or tour_pages()
    findings = Findings()
    with tempfile.TemporaryDirectory() as folder, open(Path(folder) / "server.log", "wb") as log:
        run_log = Path(folder) / "runs.log"
        run_log.touch()
        port = free_port()
        saved = {name: os.environ.get(name) for name in (RUN_LOG, WARM_UP)}
        os.environ.update({RUN_LOG: str(run_log), WARM_UP: "1" if warm else "0"})
        try:
            server = start_server(ROOT / "app.py", port, log)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        sampler = None
        try:
            wait_healthy(port, server, 60)
            if warm:
                findings.warm_up = _wait_warm(port, Path(log.name), 300)
            sampler = Sampler(server.pid, port, findings)
            sampler.start()
            _in_thread(_drive(port, sessions, seconds, pages, burst, browser_cpus, findings, quiet, timeout,
                              client, think))
            closed = rss_mb(server.pid)
            time.sleep(linger)
            after = (closed, rss_mb(server.pid))
        finally:
            if sampler is not None:
                sampler.stop()
            stop_server(server)
        lines = run_log.read_text(encoding="utf-8").splitlines()
    return findings, _match_runs(findings, lines, _titles_by_page(pages)), after


def _match_runs(findings: Findings, lines: list[str], titles: dict[str, str]) -> dict[str, int]:
    """Match the server's full runs (app.py's run log: title, start, seconds, outcome, session) to the probe's
    actions by page, time and session; keeps the server seconds of each finished run in
    `findings.server[(page, kind)]` and returns
    the number of runs each page's opens caused."""
    counts: dict[str, int] = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) != 6 or parts[0] not in titles:
            continue
        name, start, seconds, outcome, session = titles[parts[0]], float(parts[1]), float(parts[2]), parts[3], parts[4]
        computed = int(parts[5])
        windows = [(t0, kind) for page, kind, t0, t1, who in findings.actions
                   if page == name and t0 - 0.3 <= start <= t1 and (not who or who == session)]
        if not windows:
            continue
        kind = max(windows)[1]  # the latest action that began before this run
        if kind == "open":
            counts[name] = counts.get(name, 0) + 1
        if outcome == "done":
            findings.server.setdefault((name, kind), []).append(seconds)
            if computed == 0:
                findings.from_cache.setdefault((name, kind), []).append(seconds)
    return counts


def _in_thread(coroutine) -> None:
    """Run a coroutine to the end in a thread of its own (the caller may already run an event loop)."""
    errors = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _titles_by_page(pages: list[str]) -> dict[str, str]:
    """ui.header's title -> the page's URL name, read from the page files."""
    titles = {}
    for name in pages:
        path = ROOT / "pages" / f"{name}.py"
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "header" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                titles[node.args[0].value] = name
                break
    return titles


def clean(findings: Findings) -> bool:
    return not (findings.tracebacks or findings.disconnects or findings.broken_media or findings.timeouts
                or any(h is None or h > 10 for h in findings.health))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_probe", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent sessions (default: 10)")
    parser.add_argument("--minutes", type=float, default=5.0, help="how long the sessions tour (default: 5)")
    parser.add_argument("--pages", help="comma-separated page names (default: every page of app.py)")
    parser.add_argument("--burst", metavar="PAGE", help="every session opens this page at the same moment, once")
    parser.add_argument("--linger", type=float, default=120.0,
                        help="seconds to wait with no session before the last RSS reading (default: 120)")
    parser.add_argument("--client", choices=("protocol", "browser"), default="protocol",
                        help="protocol: Streamlit's websocket protocol, no rendering, so the server has the cores "
                             "(default); browser: a Chromium tab per session")
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds each visitor waits after an action before the next (default: 3)")
    parser.add_argument("--browser-cpus", metavar="LIST", help="pin Chromium to these CPUs (taskset), e.g. 1")
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up: the sessions meet a fresh server that computes every default view on demand")
    parser.add_argument("--json", metavar="OUT", help="also write the raw findings to this JSON file")
    args = parser.parse_args(argv)
    if args.sessions < 1:
        parser.error("--sessions must be at least 1.")
    if args.think < 0:
        parser.error("--think must not be negative.")
    if args.client == "browser" and not Path(CHROMIUM).exists():
        print(f"{parser.prog}: error: Chromium is not installed ({CHROMIUM}).", file=sys.stderr)
        return 2
    pages = [p.strip() for p in args.pages.split(",") if p.strip()] if args.pages else None
    try:
        findings, runs, after = probe(args.sessions, args.minutes * 60, pages=pages, burst=args.burst,
                                      linger=args.linger, browser_cpus=args.browser_cpus, warm=not args.cold,
                                      client=args.client, think=args.think)
    except ProbeError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    print(report(findings, runs, after, args.linger, args.client))
    if args.json:
        by_action = {name: {f"{page}.{kind}": values for (page, kind), values in getattr(findings, name).items()}
                     for name in ("server", "from_cache")}
        Path(args.json).write_text(json.dumps({**findings.__dict__, **by_action, "runs": runs, "rss_after": after},
                                              indent=1))
    return 0 if clean(findings) else 1


if __name__ == "__main__":
    raise SystemExit(main())
