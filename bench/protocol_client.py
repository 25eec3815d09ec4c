"""A visitor without a browser: Streamlit's own websocket protocol (protobuf BackMsg / ForwardMsg), for the load
probe's `--client protocol`. It costs the machine a few milliseconds per run instead of a Chromium tab's hundreds,
so the server's figures under load are the server's own.

What it does as a browser would: connect to `/_stcore/stream`, ask for a page by its URL name, change a widget
(a slider, the open tab of a tab bar), fetch the images and downloads a run produced from `/media/`. What it does
not do: render, run custom components (the drawable canvas reports its blank value only in a browser) or keep
Streamlit's message cache (every run's messages come in full).
"""
from __future__ import annotations

import asyncio
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

SIDEBAR = 1  # streamlit.proto.RootContainer: MAIN = 0, SIDEBAR = 1
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


class Disconnected(ConnectionError):
    """The server closed the websocket while the visitor was still on the page."""


@dataclass
class Run:
    """What one script run sent: its seconds (request until `script_finished`), elements and blocks with their
    delta paths, exception messages, media URLs, and whether the page was not found."""
    seconds: float = 0.0
    elements: list[tuple[tuple[int, ...], object]] = field(default_factory=list)
    blocks: list[tuple[tuple[int, ...], object]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    not_found: bool = False
    runs: int = 0  # script runs the request caused (a run that reruns itself counts twice)

    def sliders(self, sidebar: bool = True) -> list:
        """Slider protos in the order the page drew them (in the sidebar only, by default)."""
        return [e.slider for path, e in self.elements if e.WhichOneof("type") == "slider"
                and (not sidebar or path[:1] == (SIDEBAR,))]

    def tab(self, label: str):
        """(tab bar, full label) of the tab shown as `label` (an icon such as ":material/tune:" may precede it) in a
        tracked tab bar (one with an id), or None."""
        containers = {path: block.tab_container for path, block in self.blocks
                      if block.WhichOneof("type") == "tab_container" and block.tab_container.id}
        for path, block in self.blocks:
            shown = block.tab.label.split(": ", 1)[-1] if block.tab.label.startswith(":") else block.tab.label
            if block.WhichOneof("type") == "tab" and shown == label and path[:-1] in containers:
                return containers[path[:-1]], block.tab.label
        return None


def nudged(slider) -> WidgetState:
    """The widget state of `slider` one step to the right (one step to the left at its maximum), as an arrow key
    press in a browser does. A select slider (one with options) sends option labels, a slider numbers."""
    values = list(slider.value if slider.set_value else slider.default) or [slider.min]
    step, top = (1, len(slider.options) - 1) if slider.options else (slider.step or 1, slider.max)
    first = values[0] + step if values[0] + step <= top else values[0] - step
    state = WidgetState(id=slider.id)
    if slider.options:
        state.string_array_value.data.extend(slider.options[int(i)] for i in [first, *values[1:]])
    else:
        state.double_array_value.data.extend([first, *values[1:]])
    return state


def tab_choice(tab_bar, label: str) -> WidgetState:
    """The widget state that opens the tab `label` (its full label) of a tracked tab bar."""
    return WidgetState(id=tab_bar.id, string_value=label)


class Visitor:
    """One session on the server. `await visitor.open("denoising")`, then `await visitor.change(state)`."""

    def __init__(self, base_url: str, timeout: float = 120.0):
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.socket = None
        self.page_hash = ""
        self.last: Run | None = None
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self._leaving = False
        self.disconnected = False
        self.session_id = ""  # the server's id of this session (from its first new_session message)

    async def connect(self) -> None:
        url = self.base_url.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        self.socket = await websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                               open_timeout=self.timeout, ping_interval=None)
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for data in self.socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                await self._inbox.put(message)
        except websockets.ConnectionClosed:
            pass
        if not self._leaving:
            self.disconnected = True
        await self._inbox.put(None)

    async def open(self, page: str) -> Run:
        """Ask for the page `page` (its URL name) with no widget state, as a fresh tab on that URL does."""
        message = BackMsg()
        message.rerun_script.page_name = page
        message.rerun_script.query_string = ""
        message.rerun_script.widget_states.SetInParent()
        return await self._run(message)

    async def change(self, *states: WidgetState) -> Run:
        """Rerun the current page with these widget values (the others keep theirs)."""
        message = BackMsg()
        message.rerun_script.page_script_hash = self.page_hash
        message.rerun_script.widget_states.widgets.extend(states)
        return await self._run(message)

    async def _run(self, message: BackMsg) -> Run:
        if self.socket is None or self.disconnected:  # first use, or back after a disconnect (a browser reconnects)
            self.disconnected, self._inbox = False, asyncio.Queue()
            await self.connect()
        run, began = Run(), time.perf_counter()
        await self.socket.send(message.SerializeToString())
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                reply = await asyncio.wait_for(self._inbox.get(), max(0.01, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                raise TimeoutError(f"no script_finished within {self.timeout:.0f} s") from None
            if reply is None:
                raise Disconnected("the server closed the websocket during a run")
            kind = reply.WhichOneof("type")
            if kind == "new_session":
                run = Run(runs=run.runs + 1)  # a run began: what came before belonged to an interrupted one
                if reply.new_session.initialize.session_id:
                    self.session_id = reply.new_session.initialize.session_id
            elif kind == "navigation":  # st.navigation names the page this run shows
                self.page_hash = reply.navigation.page_script_hash
            elif kind == "page_not_found":
                run.not_found = True
            elif kind == "delta":
                self._collect(run, tuple(reply.metadata.delta_path), reply.delta)
            elif kind == "script_finished" and reply.script_finished != EARLY_FOR_RERUN:
                run.seconds = time.perf_counter() - began
                self.last = run
                return run

    @staticmethod
    def _collect(run: Run, path: tuple[int, ...], delta) -> None:
        kind = delta.WhichOneof("type")
        if kind == "add_block":
            run.blocks.append((path, delta.add_block))
            return
        if kind != "new_element":
            return
        element = delta.new_element
        run.elements.append((path, element))
        what = element.WhichOneof("type")
        if what == "exception" and not element.exception.is_warning:
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
        elif what == "imgs":
            run.media += [image.url for image in element.imgs.imgs if image.url.startswith("/media/")]
        elif what == "download_button" and element.download_button.url.startswith("/media/"):
            run.media.append(element.download_button.url)

    async def broken_media(self, run: Run) -> list[str]:
        """The media URLs of `run` that the server does not serve (HTTP error or no answer)."""
        def status(url: str) -> str | None:
            try:
                with urllib.request.urlopen(self.base_url + url, timeout=self.timeout) as response:
                    response.read()
                    return None
            except urllib.error.HTTPError as error:
                return f"{error.code} {url}"
            except OSError as error:
                return f"{type(error).__name__} {url}"

        results = await asyncio.gather(*(asyncio.to_thread(status, url) for url in run.media))
        return [r for r in results if r]

    async def close(self) -> None:
        self._leaving = True
        if self.socket is not None:
            await self.socket.close()
        if self._reader is not None:
            await self._reader
