"""The WeCom channel 企业微信通道: posts outbox messages to group robots, paced and journalled.

Each message part spends a token of its robot (shared across processes), is claimed in the
delivery journal, POSTed with httpx (timeouts on every call), classified by HTTP status and
``errcode``, retried in place with backoff and jitter when that is safe, and recorded. See the
README for the crash window between a POST and its journal entry.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from attrs import frozen

from fengqiao_core.errors import ConfigurationError, StorageUnavailable
from fengqiao_core.ports import BackendContext, DeliveryResult, OutboxMessage
from fengqiao_wecom.render import (
    Audience,
    Redactor,
    Route,
    officer_payloads,
    resident_payloads,
)
from fengqiao_wecom.settings import (
    WeComSettings,
    environment,
    key_env_name,
    parse_settings,
    prepare_state_dir,
)
from fengqiao_wecom.state import Claim, SharedState

__all__ = ["MARGIN", "RATE_LIMITED", "WINDOW", "WeComChannel"]

_log = logging.getLogger(__name__)
WINDOW = 60.0
"""Seconds of the robot API's rate window (``per_minute`` messages per robot)."""
MARGIN = 1.0
"""Seconds added to the window: a part reaches the robot a little after its token is spent."""
RATE_LIMITED = 45009
"""``errcode`` of a robot over its rate limit."""
_BUSY = {-1, 45033}  # system busy; too many concurrent calls: retry
_INVALID_KEY = {93000, 93004, 93008}  # bad or removed webhook key, disabled robot: dead letter
_UNCERTAIN = (
    "delivery uncertain: an earlier attempt stopped after posting part {part} and before "
    "recording it; not posted again (never twice). Check the group and resend by hand if missing"
)
_KEY_IN_TEXT = re.compile(r"key=[^&\s\"']+")


class _KeyFilter(logging.Filter):
    """Hides ``key=…`` in httpx's request log lines (it logs each request's URL at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "key=" in message:
            record.msg, record.args = _KEY_IN_TEXT.sub("key=***", message), ()
        return True


def _hide_keys_in_httpx_logs() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _KeyFilter) for f in logger.filters):
        logger.addFilter(_KeyFilter())


@frozen
class _Outcome:
    state: str  # journal state: sent, unsent or uncertain
    result: DeliveryResult | None = None


def _context_path(context: BackendContext, raw: str) -> Path:
    """A path from the backend URL (relative to the station file once the core resolves it)."""
    resolve = getattr(context, "path", None)
    return Path(resolve(raw)) if callable(resolve) else Path(raw)


class WeComChannel:
    """A :class:`~fengqiao_core.ports.Channel` to WeCom group robots.

    Args:
        settings: Keys, state folder, endpoint and limits.
        station: The station configuration (groups, officers' mobiles, names to redact).
        clock: Seconds since the epoch; shared with the rate-limit state.
        sleep: Waits that many seconds (tests inject one that advances ``clock``).
        rng: Randomness for the backoff jitter.
    """

    def __init__(
        self,
        settings: WeComSettings,
        station: Any,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._redactor = Redactor(station)
        self._groups = {g.id for g in getattr(station, "resident_groups", ()) or ()}
        self._officers = {
            o.id: (o.phone.reveal(),) if getattr(o, "phone", None) is not None else ()
            for attribute in ("officers", "auxiliary_officers")
            for o in getattr(station, attribute, ()) or ()
        }
        self.state = SharedState(prepare_state_dir(settings.state_dir), clock)
        timeout = httpx.Timeout(settings.timeout)
        self._client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)
        _hide_keys_in_httpx_logs()

    @classmethod
    def from_context(cls, context: BackendContext) -> WeComChannel:
        """Factory for ``wecom`` and ``wecom://<key file>?<options>``.

        Raises:
            ConfigurationError: A bad option or key file, or a key for an undeclared group.
        """
        groups = tuple(g.id for g in getattr(context.station, "resident_groups", ()) or ())
        settings = parse_settings(
            context.url, environment(), groups, lambda raw: _context_path(context, raw)
        )
        unknown = sorted(set(settings.group_keys) - set(groups))
        if context.station is not None and unknown:
            raise ConfigurationError(
                f"wecom channel: the key file names group(s) {', '.join(unknown)} that the "
                "station does not declare; remove them or declare the groups"
            )
        return cls(settings, context.station)

    def __repr__(self) -> str:
        return f"WeComChannel(base={self.settings.base_url!r}, robots=***)"

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def send(self, message: OutboxMessage) -> DeliveryResult:
        """Deliver every part of ``message`` once; report failures (never raise)."""
        try:
            return self._send(message)
        except StorageUnavailable:
            return DeliveryResult(False, "wecom state file unavailable; retry later", retry=True)
        except Exception as exc:  # the port reports failures; a bug must not stop the outbox
            _log.warning("wecom: %s while sending message %s", type(exc).__name__, message.id)
            return DeliveryResult(False, f"wecom channel failed: {type(exc).__name__}")

    def _send(self, message: OutboxMessage) -> DeliveryResult:
        route = self._route(message.target)
        if isinstance(route, DeliveryResult):
            return route
        text = message.text.reveal()
        if not text.strip():
            return DeliveryResult(False, "empty message: nothing to post", retry=False)
        if route.audience is Audience.RESIDENTS:
            payloads = resident_payloads(text, self._redactor)
        else:
            payloads = officer_payloads(
                text, self._redactor, route.mobiles, self.settings.link_base
            )
        if len(payloads) > self.settings.max_parts:
            return DeliveryResult(
                False,
                f"message needs {len(payloads)} parts, more than max_parts="
                f"{self.settings.max_parts}; shorten it or raise max_parts",
                retry=False,
            )
        for number, payload in enumerate(payloads):
            failed = self._deliver_part(f"{message.id}#{number}", route, payload)
            if failed is not None:
                return failed
        _log.info("wecom: message %s delivered in %d part(s)", message.id, len(payloads))
        return DeliveryResult(True, f"posted {len(payloads)} part(s) to robot {route.robot}")

    def _route(self, target: str) -> Route | DeliveryResult:
        key = self.settings.group_keys.get(target)
        if key is not None:
            return Route(Audience.RESIDENTS, key, name=f"group {target}")
        if target in self._groups:
            return DeliveryResult(
                False,
                f"no robot key for resident group {target}: add it under [groups] in the key "
                f"file or set {key_env_name(target)}",
                retry=False,
            )
        if target in self._officers:
            if self.settings.officers_key is None:
                return DeliveryResult(
                    False,
                    "officers are not reached through WeCom: add [officers] robot = <key> to "
                    "the key file or set FENGQIAO_WECOM_OFFICERS_KEY",
                    retry=False,
                )
            mobiles = self._officers[target]
            return Route(Audience.OFFICER, self.settings.officers_key, mobiles, "officers' robot")
        return DeliveryResult(
            False,
            f"target {target} is neither a resident group with a robot key nor an officer",
            retry=False,
        )

    def _deliver_part(
        self, part: str, route: Route, payload: dict[str, Any]
    ) -> DeliveryResult | None:
        claim = self.state.begin(part, route.robot, repost_uncertain=self.settings.repost_uncertain)
        if claim is Claim.SENT:
            return None
        if claim is Claim.BUSY:
            return DeliveryResult(False, f"part {part} is being posted by another worker")
        if claim is Claim.UNCERTAIN:
            return DeliveryResult(False, _UNCERTAIN.format(part=part), retry=False)
        outcome, in_flight = _Outcome("unsent"), [False]
        try:
            outcome = self._post(route, payload, in_flight)
        except BaseException:  # stopped while a POST was out: its fate is unknown
            outcome = _Outcome("uncertain" if in_flight[0] else "unsent")
            raise
        finally:
            self.state.finish(part, outcome.state)
        return outcome.result

    def _post(self, route: Route, payload: dict[str, Any], in_flight: list[bool]) -> _Outcome:
        body = json.dumps(payload, ensure_ascii=False).encode()
        url = f"{self.settings.base_url}?key={route.key.reveal()}"
        failures = rate_hits = 0
        while True:
            wait = self.state.take_token(route.robot, self.settings.per_minute, WINDOW + MARGIN)
            while wait > 0:
                self._sleep(wait)
                wait = self.state.take_token(route.robot, self.settings.per_minute, WINDOW + MARGIN)
            in_flight[0] = True
            kind, detail = self._post_once(url, body)
            in_flight[0] = False
            detail = f"{route.name}: {detail}"
            if kind == "sent":
                return _Outcome("sent")
            if kind == "rate":
                rate_hits += 1
                self.state.exhaust(route.robot, self.settings.per_minute)
                if rate_hits <= self.settings.tries:
                    continue
                return _Outcome("unsent", DeliveryResult(False, detail, retry=True))
            if kind == "dead":
                _log.warning("wecom: not delivered, not retried: %s", detail)
                return _Outcome("unsent", DeliveryResult(False, detail, retry=False))
            if kind == "uncertain" and not self.settings.repost_uncertain:
                held = f"{detail}; delivery uncertain, not posted again (check the group)"
                return _Outcome("uncertain", DeliveryResult(False, held, retry=False))
            failures += 1
            if failures >= self.settings.tries:
                return _Outcome("unsent", DeliveryResult(False, detail, retry=True))
            self._sleep(self.backoff(failures))

    def backoff(self, failures: int) -> float:
        """Seconds before retry ``failures``: 1 s doubled each time (at most 30 s), jittered."""
        ceiling = min(2.0 ** (failures - 1), 30.0)
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _post_once(self, url: str, body: bytes) -> tuple[str, str]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            response = self._client.post(url, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return "retry", f"network: {type(exc).__name__} (nothing was sent)"
        except httpx.HTTPError as exc:
            return "uncertain", f"network: {type(exc).__name__} after sending"
        if response.status_code >= 500 or response.status_code == 429:
            return "retry", f"robot API answered HTTP {response.status_code}"
        if response.status_code != 200:
            return "dead", (
                f"robot API answered HTTP {response.status_code}; check the base URL option"
            )
        try:
            errcode = int(response.json()["errcode"])
        except (ValueError, KeyError, TypeError):
            return "uncertain", "robot API answered HTTP 200 without an errcode"
        if errcode == 0:
            return "sent", ""
        if errcode == RATE_LIMITED:
            return "rate", "robot over its rate limit (errcode 45009); retry later"
        if errcode in _BUSY:
            return "retry", f"robot API busy (errcode {errcode})"
        if errcode in _INVALID_KEY:
            return "dead", (
                f"robot key invalid, robot removed or disabled (errcode {errcode}); put its "
                "current webhook key in the key file"
            )
        return "dead", f"robot API refused the message (errcode {errcode}); not posted"
