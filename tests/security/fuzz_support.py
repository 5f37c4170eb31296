"""Tools of the gateway fuzz suite (no tests here): raw Engine.IO sockets, the watcher,
the gateway's memory, and the figures the README reports."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import websocket

from tests.support.api import ApiClient
from tests.support.gateway import GatewayClient

FIGURES = Path(__file__).resolve().parents[2] / "var" / "security-figures.json"


def record_figures(section: str, figures: dict[str, Any]) -> None:
    """Merge ``figures`` into var/security-figures.json (what the README quotes)."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    data[section] = figures
    FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"\n{section}: {json.dumps(figures, sort_keys=True)}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


class RawSocket:
    """One Engine.IO v4 websocket, spoken by hand."""

    def __init__(self, gateway_url: str, join: bool = True) -> None:
        url = gateway_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.ws = websocket.create_connection(url, timeout=30)
        opened = self.ws.recv()
        assert isinstance(opened, str) and opened.startswith("0{"), opened
        if join:
            self.ws.send("40")
            joined = self.recv_until(lambda frame: frame.startswith("40"))
            assert joined is not None and '"sid"' in joined, joined

    def recv_until(self, wanted: Any, timeout: float = 30.0) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.ws.recv()
            if isinstance(frame, str) and frame == "2":  # the server's ping
                self.ws.send("3")
                continue
            if isinstance(frame, str) and wanted(frame):
                return frame
        return None

    def drain(self, seconds: float) -> list[str | bytes]:
        """Frames the server sends within ``seconds`` (answering pings); raises if closed."""
        frames: list[str | bytes] = []
        self.ws.settimeout(seconds)
        try:
            while True:
                frame = self.ws.recv()
                if frame == "2":
                    self.ws.send("3")
                elif frame == "":  # websocket-client's way of saying the peer closed
                    raise websocket.WebSocketConnectionClosedException("closed")
                else:
                    frames.append(frame)
        except websocket.WebSocketTimeoutException:
            return frames
        finally:
            self.ws.settimeout(30)

    def close(self, abrupt: bool = False) -> None:
        with contextlib.suppress(Exception):
            if abrupt and self.ws.sock is not None:
                self.ws.sock.close()  # no close frame: the server finds out by itself
            else:
                self.ws.close()


class RawPolling:
    """One Engine.IO v4 long-polling session, spoken by hand over one keep-alive connection."""

    def __init__(self, gateway_url: str, join: bool = True) -> None:
        parts = urlsplit(gateway_url)
        self.http = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self.sid = ""
        opened = self.request("GET")
        assert opened.startswith("0{"), opened
        self.sid = json.loads(opened[1:])["sid"]
        if join:
            self.send("40")
            joined = self.request("GET")
            assert joined.startswith("40") and '"sid"' in joined, joined

    def request(self, method: str, body: str | None = None) -> str:
        path = "/socket.io/?EIO=4&transport=polling" + (f"&sid={self.sid}" if self.sid else "")
        headers = {"Content-Type": "text/plain;charset=UTF-8"} if body is not None else {}
        self.http.request(method, path, body=body, headers=headers)
        response = self.http.getresponse()
        text = response.read().decode()
        assert response.status == 200, (response.status, text)
        return text

    def send(self, *packets: str) -> None:
        """POST packets (joined by the record separator); engine.io answers ``OK``."""
        assert self.request("POST", "\x1e".join(packets)) == "OK"

    def close(self, abrupt: bool = False) -> None:
        """Say goodbye (an Engine.IO close packet) or just go; the server's ping timeout
        (45 s) finds the ones that just went."""
        with contextlib.suppress(Exception):
            if not abrupt:
                self.send("1")
        self.http.close()


@dataclass
class Watcher:
    """A member watching a list while a writer adds todos to it, timing each delivery."""

    api: ApiClient
    list_id: str
    client: GatewayClient
    sent: dict[str, float] = field(default_factory=dict)  # todo id -> HTTP answer time
    stopped: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)

    def start(self, pause: float = 0.25) -> None:
        def run() -> None:
            n = 0
            try:
                while not self.stopped.is_set():
                    todo = self.api.add_todo(self.list_id, f"watched {n}")
                    self.sent[todo["id"]] = time.monotonic()
                    n += 1
                    time.sleep(pause)
            except BaseException as exc:  # reported by the final test
                self.errors.append(exc)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def delivered(self) -> dict[str, float]:
        """todo id -> seconds from the HTTP answer to the watcher's receipt."""
        with self.client.lock:
            received = {
                e["data"].get("todo_id"): self.client.received_at[e["id"]]
                for e in self.client.events
                if e["type"] == "TodoCreated"
            }
        return {tid: received[tid] - t for tid, t in list(self.sent.items()) if tid in received}

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(60)
