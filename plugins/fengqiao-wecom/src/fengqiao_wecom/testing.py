"""Test helpers 测试工具: a fake WeCom robot API on 127.0.0.1 and a clock that moves on sleep.

Used by this plugin's tests; also for anyone testing code that sends through the channel.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["KEY", "OFFICERS_KEY", "OTHER_KEY", "FakeTime", "RobotAPI", "write_keys"]

KEY = "0a1b2c3d-0000-4000-8000-000000000001"
OTHER_KEY = "0a1b2c3d-0000-4000-8000-000000000002"
OFFICERS_KEY = "0a1b2c3d-0000-4000-8000-000000000099"
LIMITS = {"text": 2048, "markdown": 4096}


class FakeTime:
    """A fake clock 假时钟: a clock that moves only when someone sleeps; every wait is recorded."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        """The current fake time in seconds since the epoch."""
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Record the wait and move the clock on by it (returns at once)."""
        with self._lock:
            self.waits.append(seconds)
            self.now += seconds


class RobotAPI:
    """A fake group-robot API 模拟机器人接口 on 127.0.0.1.

    It imitates ``/cgi-bin/webhook/send``: keys (93000), the rate limit (45009), byte limits
    (40058), random failures (HTTP 500/503, errcode -1 or 45009), dropped connections and a
    request held until released.
    """

    def __init__(
        self,
        keys: tuple[str, ...] = (KEY, OTHER_KEY, OFFICERS_KEY),
        *,
        clock: Callable[[], float] = time.time,
        per_minute: int = 20,
        fail_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        self.keys = set(keys)
        self.clock = clock
        self.per_minute = per_minute
        self.fail_rate = fail_rate
        self.rng = random.Random(seed)
        self.accepted: list[tuple[str, dict[str, Any], float]] = []
        self.answers: Counter[str] = Counter()
        self.drop_next = 0  # answer nothing (close) after accepting this many next messages
        self.hold_at: int | None = None  # accept message number N, then wait for release
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._stamps: dict[str, list[float]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.base = ""

    def texts(self) -> list[str]:
        """The content of every accepted message, in order."""
        return [p[p["msgtype"]]["content"] for _, p, _ in self.accepted]

    def answer(self, key: str, body: bytes) -> tuple[int, dict[str, Any] | None]:
        """The HTTP status and JSON answer to one POST (status 0: close without answering)."""
        with self._lock:
            if self.fail_rate and self.rng.random() < self.fail_rate:
                kind = self.rng.choice(["500", "503", "busy", "45009"])
                self.answers[f"fail-{kind}"] += 1
                if kind == "busy":
                    return 200, {"errcode": -1, "errmsg": "system busy"}
                if kind == "45009":
                    return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
                return int(kind), None
            if key not in self.keys:
                self.answers["93000"] += 1
                return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
            now = self.clock()
            stamps = [t for t in self._stamps.get(key, []) if t > now - 60.0]
            if len(stamps) >= self.per_minute:
                self.answers["45009"] += 1
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            try:
                payload = json.loads(body)
                content = payload[payload["msgtype"]]["content"]
            except (ValueError, KeyError, TypeError):
                return 200, {"errcode": 40008, "errmsg": "invalid message type"}
            if not content or len(content.encode()) > LIMITS[payload["msgtype"]]:
                self.answers["40058"] += 1
                return 200, {"errcode": 40058, "errmsg": "invalid content length"}
            self._stamps[key] = [*stamps, now]
            self.accepted.append((key, payload, now))
            self.answers["ok"] += 1
            number = len(self.accepted)
            if self.drop_next:
                self.drop_next -= 1
                return 0, None
        if number == self.hold_at:
            self.arrived.set()
            self.release.wait(30)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def start(self) -> str:
        """Serve on 127.0.0.1 at an ephemeral port; returns the send endpoint's URL."""
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                key = parse_qs(parts.query).get("key", [""])[0]
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, data = api.answer(key, body)
                try:
                    if status == 0:
                        self.close_connection = True
                        return
                    raw = json.dumps(data).encode() if data is not None else b"error"
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}/cgi-bin/webhook/send"
        return self.base

    def stop(self) -> None:
        """Release held requests, stop serving and close the socket."""
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def write_keys(folder: Path, groups: dict[str, str], officers: str | None = None) -> Path:
    """An owner-only key file."""
    lines = ["[groups]", *(f'"{g}" = "{k}"' for g, k in groups.items())]
    if officers:
        lines += ["[officers]", f'robot = "{officers}"']
    path = folder / "keys.toml"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    os.chmod(path, 0o600)
    return path
