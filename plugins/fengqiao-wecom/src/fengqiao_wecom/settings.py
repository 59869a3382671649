"""Settings 配置 of the WeCom channel: the backend URL, environment variables and the key file.

A station file selects the channel with ``channel = "wecom"`` (everything from the environment)
or ``channel = "wecom:///etc/fengqiao/wecom-keys.toml?state=/var/lib/fengqiao/wecom"`` (a key
file and options). Robot keys never live in the station file: they come from an owner-only TOML
key file or from environment variables, and they are wrapped in :class:`RobotKey`, whose repr
and str never show them.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError

__all__ = [
    "DEFAULT_BASE_URL",
    "RobotKey",
    "WeComSettings",
    "environment",
    "key_env_name",
    "parse_settings",
    "prepare_state_dir",
]

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
"""The robot API's send endpoint; ``?key=…`` is appended per robot."""

_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_KEY = re.compile(r"[A-Za-z0-9-]{8,64}")
_OPTIONS = frozenset(
    {"state", "base", "link", "per_minute", "tries", "timeout", "max_parts", "uncertain"}
)


@frozen(repr=False)
class RobotKey:
    """A group robot's webhook key 机器人密钥: secret; shown only as ``RobotKey(***)``."""

    _raw: str = field(alias="raw")

    def reveal(self) -> str:
        """The key itself, only for building the request URL."""
        return self._raw

    def __repr__(self) -> str:
        return "RobotKey(***)"

    __str__ = __repr__


@frozen(kw_only=True)
class WeComSettings:
    """Everything the WeCom channel 企业微信通道 needs, parsed and checked.

    Attributes:
        group_keys: Resident group id → its robot's key.
        officers_key: The staff group's robot, through which officers are notified (and
            @-mentioned by mobile); ``None`` when officers are not reached through WeCom.
        state_dir: Owner-only folder of the shared rate-limit and delivery-journal file.
        base_url: The robot API's send endpoint (tests point it at 127.0.0.1).
        link_base: Prefix of a matter's link in officers' notices (matter id appended).
        per_minute: Messages each robot accepts per minute (20 for WeCom).
        tries: POST attempts per part within one ``send`` for retryable failures.
        timeout: Seconds allowed for connecting, sending and reading, each.
        max_parts: The most parts a long message is split into; longer ones are refused.
        repost_uncertain: Post again when a crash or timeout leaves a part's fate unknown
            (at least once) instead of holding it for an operator (at most once, default).
    """

    group_keys: Mapping[str, RobotKey] = field(repr=False)
    officers_key: RobotKey | None = field(default=None, repr=False)
    state_dir: Path
    base_url: str = DEFAULT_BASE_URL
    link_base: str | None = None
    per_minute: int = 20
    tries: int = 4
    timeout: float = 10.0
    max_parts: int = 20
    repost_uncertain: bool = False


def key_env_name(target: str) -> str:
    """The environment variable holding the key of group ``target`` (``FENGQIAO_WECOM_KEY_G01``)."""
    return "FENGQIAO_WECOM_KEY_" + re.sub(r"[^A-Za-z0-9]", "_", target).upper()


def _checked_key(raw: object, where: str) -> RobotKey:
    if not isinstance(raw, str) or not _KEY.fullmatch(raw):
        raise ConfigurationError(
            f"wecom channel: the robot key in {where} is malformed; copy the key=… value of the "
            "robot's webhook address (8-64 letters, digits or dashes)"
        )
    return RobotKey(raw)


def _read_key_file(path: Path) -> tuple[dict[str, RobotKey], RobotKey | None]:
    try:
        info = path.stat()
    except OSError as exc:
        raise ConfigurationError(
            f"wecom channel: key file {path} cannot be read ({type(exc).__name__}); create it "
            "with the robots' keys and `chmod 600` it"
        ) from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise ConfigurationError(
            f"wecom channel: key file {path} is readable by group or others; run "
            f"`chmod 600 {path}` so only its owner can read the robots' keys"
        )
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            f"wecom channel: key file {path} is not valid TOML ({type(exc).__name__}); write "
            '`[groups]` with lines `G01 = "<key>"` and optionally `[officers]` `robot = "<key>"`'
        ) from None
    groups = data.get("groups", {})
    officers = data.get("officers", {})
    if not isinstance(groups, dict) or not isinstance(officers, dict):
        raise ConfigurationError(
            f"wecom channel: key file {path} must hold tables [groups] and [officers]"
        )
    keys = {str(g): _checked_key(k, f"{path} [groups] {g}") for g, k in groups.items()}
    robot = officers.get("robot")
    return keys, None if robot is None else _checked_key(robot, f"{path} [officers] robot")


def _number(options: Mapping[str, str], name: str, default: float, least: float) -> float:
    raw = options.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = least - 1
    if value < least:
        raise ConfigurationError(f"wecom channel: option {name} must be a number >= {least}")
    return value


def parse_settings(
    url: str, env: Mapping[str, str], groups: tuple[str, ...], resolve: Callable[[str], Path] = Path
) -> WeComSettings:
    """Parse ``wecom`` or ``wecom://<key file>?<options>`` with the environment.

    Args:
        url: The configured backend value.
        env: The environment (``os.environ``), read for ``FENGQIAO_WECOM_*`` variables.
        groups: The station's resident group ids (their keys may come from the environment).
        resolve: Turns a path from the URL into a :class:`~pathlib.Path`.

    Raises:
        ConfigurationError: An unknown option, a bad value, a readable or malformed key file;
            the message says how to fix it and never shows a key.
    """
    parts = urlsplit(url) if "://" in url else urlsplit("wecom://")
    options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    if "key" in options:
        raise ConfigurationError("wecom channel: put robot keys in the key file, not the URL")
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ConfigurationError(
            f"wecom channel: unknown option(s) {', '.join(unknown)}; "
            f"use {', '.join(sorted(_OPTIONS))}"
        )
    key_file = parts.netloc + parts.path or env.get("FENGQIAO_WECOM_KEY_FILE", "")
    keys, officers = _read_key_file(resolve(key_file)) if key_file else ({}, None)
    for group in groups:
        if group not in keys and key_env_name(group) in env:
            keys[group] = _checked_key(env[key_env_name(group)], key_env_name(group))
    if officers is None and "FENGQIAO_WECOM_OFFICERS_KEY" in env:
        officers = _checked_key(env["FENGQIAO_WECOM_OFFICERS_KEY"], "FENGQIAO_WECOM_OFFICERS_KEY")
    state = options.get("state") or env.get("FENGQIAO_WECOM_STATE_DIR")
    if not state:
        home = env.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        state = str(Path(home) / "fengqiao-wecom")
    base = options.get("base") or env.get("FENGQIAO_WECOM_BASE_URL") or DEFAULT_BASE_URL
    where = urlsplit(base)
    if where.scheme not in ("http", "https"):
        raise ConfigurationError("wecom channel: option base must be an http(s) URL")
    if where.scheme == "http" and where.hostname not in _LOOPBACK:
        raise ConfigurationError(
            "wecom channel: option base must use https (robot keys travel in the URL); plain "
            "http is allowed for 127.0.0.1 only"
        )
    uncertain = options.get("uncertain", "hold")
    if uncertain not in ("hold", "repost"):
        raise ConfigurationError("wecom channel: option uncertain must be hold or repost")
    return WeComSettings(
        group_keys=keys,
        officers_key=officers,
        state_dir=resolve(state),
        base_url=base,
        link_base=options.get("link") or env.get("FENGQIAO_WECOM_LINK_BASE") or None,
        per_minute=int(_number(options, "per_minute", 20, 1)),
        tries=int(_number(options, "tries", 4, 1)),
        timeout=_number(options, "timeout", 10.0, 0.1),
        max_parts=int(_number(options, "max_parts", 20, 1)),
        repost_uncertain=uncertain == "repost",
    )


def prepare_state_dir(path: Path) -> Path:
    """Create the owner-only state folder; refuse one others can read.

    Raises:
        ConfigurationError: It cannot be created, or it is group/world accessible.
    """
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as exc:
        raise ConfigurationError(
            f"wecom channel: state folder {path} cannot be created ({type(exc).__name__}); "
            "choose a writable folder with ?state=…"
        ) from None
    if mode & 0o077:
        raise ConfigurationError(
            f"wecom channel: state folder {path} is open to group or others; run `chmod 700 {path}`"
        )
    return path


def environment() -> Mapping[str, str]:
    """The process environment (a seam for tests)."""
    return os.environ
