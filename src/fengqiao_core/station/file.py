"""Station files 派出所配置文件: TOML in, a checked :class:`StationConfig` out.

A station file is read with :mod:`tomllib` and structured with the project's converter
(:func:`fengqiao_core.serialization.make_converter`). Shipped stations (package data under
``fengqiao_core/station/presets``) are addressed by a name without a path separator, e.g.
``miaoshan``, wherever a station file is accepted; a file is always addressed by a path with
one (``./miaoshan.toml``), so nothing in the current folder shadows a shipped station. Paths
in a file resolve against the file's own folder; those of a shipped station against the user's
data folder (:func:`user_data_dir`). Errors never show a traceback or raw personal data:

- :class:`~fengqiao_core.errors.ConfigurationError` when the file cannot be read (missing,
  a directory, a FIFO or device, not UTF-8, not TOML, too large) or no shipped station has
  that name;
- :class:`~fengqiao_core.errors.ValidationError` when it does not fit the model, each problem
  named ``miaoshan.toml: $.cells[3].police_grid: ...``.

The file format is documented in ``docs/station-file.md``.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote, ClassValidationError

from fengqiao_core.errors import ConfigurationError, ValidationError, describe_value
from fengqiao_core.model import LabelledEnum, Skill
from fengqiao_core.model.personal import Sensitive
from fengqiao_core.rules.calendar import CalendarSettings, YearArrangement
from fengqiao_core.security.files import read_at_most
from fengqiao_core.serialization import FengqiaoConverter, make_converter
from fengqiao_core.station.config import (
    COUNT_KEYS,
    Backends,
    RuleSettings,
    StationConfig,
    counts,
    mask_backend,
)

__all__ = [
    "COUNT_KEYS",
    "MAX_FILE_BYTES",
    "Backends",
    "RuleSettings",
    "StationConfig",
    "counts",
    "load_station_config",
    "mask_backend",
    "parse_station_config",
    "shipped_stations",
    "station_config_from_dict",
    "user_data_dir",
]

MAX_FILE_BYTES = 32 * 1024 * 1024
"""Station files larger than this (32 MiB) are refused unread."""

_SUFFIX = ".toml"


def shipped_stations() -> tuple[str, ...]:
    """The names of the stations shipped with the package 内置派出所, e.g. ``("miaoshan",)``."""
    folder = resources.files("fengqiao_core") / "station" / "presets"
    names = (entry.name for entry in folder.iterdir() if entry.name.endswith(_SUFFIX))
    return tuple(sorted(name.removesuffix(_SUFFIX) for name in names))


def user_data_dir() -> Path:
    r"""The folder a shipped station keeps its files in 用户数据目录 (its SQLite database …).

    ``FENGQIAO_DATA_DIR`` if set, else ``$XDG_DATA_HOME/fengqiao``, else
    ``~/.local/share/fengqiao`` (``%LOCALAPPDATA%\fengqiao`` on Windows). Not created here.
    """
    chosen = os.environ.get("FENGQIAO_DATA_DIR")
    if chosen:
        return Path(chosen).expanduser().absolute()
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "fengqiao"
    base = os.environ.get("XDG_DATA_HOME") or os.path.join("~", ".local", "share")
    return Path(base).expanduser().absolute() / "fengqiao"


def _is_name(source: str | os.PathLike[str]) -> bool:
    if not isinstance(source, str):
        return False
    separators = {"/", os.sep, os.altsep or "/"}
    return bool(source) and not any(sep in source for sep in separators)


def _exists(source: str | os.PathLike[str]) -> bool:
    try:
        return Path(source).exists()
    except (OSError, ValueError):  # a name no file system accepts
        return False


def load_station_config(source: str | os.PathLike[str]) -> StationConfig:
    """Load a station file 读取派出所配置 by path, or a shipped station by name.

    A string without a path separator names a shipped station (see :func:`shipped_stations`)
    when one ships under that name, and a file in the current folder otherwise; anything else
    is a path (``./miaoshan`` reads a file even where a station of that name ships). A file is
    read only if it is a regular file of at most :data:`MAX_FILE_BYTES`.

    Args:
        source: A path to a TOML station file, or a shipped station's name such as
            ``"miaoshan"``.

    Returns:
        The checked station configuration, with ``origin`` and ``base_dir`` set.

    Raises:
        ConfigurationError: The file cannot be read, or no station has that name.
        ValidationError: The file does not fit the model; each problem names the file, the key
            path and the bad value; or ``source`` is not a text path.
    """
    if not isinstance(source, str | os.PathLike) or isinstance(os.fspath(source), bytes):
        raise ValidationError(
            "source", f"expected a path or a station's name, got {type(source).__name__}"
        )
    if _is_name(source) and (os.fspath(source) in shipped_stations() or not _exists(source)):
        name = os.fspath(source)
        if name not in shipped_stations():
            shipped = ", ".join(shipped_stations()) or "none"
            raise ConfigurationError(
                f"{name}: no such station file or shipped station (shipped: {shipped}); name a "
                f"station file by its path, e.g. ./{name}"
            )
        label = f"{name}{_SUFFIX}"
        data = (resources.files("fengqiao_core") / "station" / "presets" / label).read_bytes()
        return _parse(_decode(data, label), label, f"shipped:{name}", user_data_dir())
    name = os.fspath(source)
    path = Path(os.path.abspath(name))
    return _parse(_decode(_read(path, name), name), name, str(path), path.parent)


def _parse(text: str, label: str, origin: str, base_dir: Path) -> StationConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{label}: is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigurationError(f"{label}: is not valid TOML: nested too deeply") from None
    for key in _LOADER_KEYS:
        if key in data:
            raise ValidationError(f"{label}: $.{key}", "is set when the file is read, not in it")
    placed = {**data, "origin": origin, "base_dir": str(base_dir)}
    return station_config_from_dict(placed, source=label)


_LOADER_KEYS = ("origin", "base_dir")


def _read(path: Path, name: str) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of a regular file (a FIFO or device is refused)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        shipped = ", ".join(shipped_stations()) or "none"
        raise ConfigurationError(
            f"{name}: no such station file; give the path of a TOML station file or the name "
            f"of a shipped station ({shipped})"
        ) from None
    except IsADirectoryError:
        raise ConfigurationError(f"{name}: is a directory, not a station file") from None
    except PermissionError:
        raise ConfigurationError(f"{name}: permission denied; check the file's mode") from None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{name}: cannot be read ({type(exc).__name__})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigurationError(f"{name}: is a directory, not a station file")
        if not stat.S_ISREG(mode):
            raise ConfigurationError(
                f"{name}: is not a regular file (a pipe, socket or device); give a TOML file"
            )
        data = read_at_most(fd, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigurationError(f"{name}: cannot be read ({type(exc).__name__})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ConfigurationError(
            f"{name}: is larger than a station file may be ({MAX_FILE_BYTES} bytes)"
        )
    return data


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"{label}: is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8"
        ) from None


def parse_station_config(text: str, *, source: str = "<station>") -> StationConfig:
    """Parse the TOML text of a station file 解析派出所配置.

    Args:
        text: The file's text.
        source: The file name used to prefix every error.

    Returns:
        The checked station configuration.

    Raises:
        ConfigurationError: The text is not valid TOML.
        ValidationError: The data does not fit the model.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigurationError(f"{source}: is not valid TOML: nested too deeply") from None
    return station_config_from_dict(data, source=source)


def station_config_from_dict(
    data: Mapping[str, Any], *, source: str = "<station>"
) -> StationConfig:
    """Structure already-parsed station data 结构化派出所配置 (what a TOML file holds).

    Args:
        data: The parsed file, a mapping from top-level keys to tables and arrays.
        source: The file name used to prefix every error.

    Returns:
        The checked station configuration.

    Raises:
        ValidationError: The data does not fit the model; paths read ``{source}: $.key...``.
    """
    try:
        return _converter().structure(data, StationConfig)  # type: ignore[no-any-return]
    except ValidationError as exc:
        raise ValidationError.from_problems(exc.problems, context=f"{source}: ") from None
    except RecursionError:
        raise ValidationError(f"{source}: $", "nested too deeply") from None


@functools.cache
def _converter() -> FengqiaoConverter:
    return make_converter(configure=[_configure])


def _configure(converter: cattrs.Converter) -> None:
    """Station-file hooks on top of the project converter.

    TOML has native dates and times; enums name their choices; skills are plain strings; and a
    validator's error is placed on the attribute it names, exactly once.
    """
    converter.register_structure_hook_factory(
        lambda c: attrs.has(c) and not issubclass(c, Sensitive),
        lambda c: _attribute_errors(c, converter),
    )
    converter.register_structure_hook_factory(
        lambda c: isinstance(c, type) and issubclass(c, Sensitive),
        lambda c: _unnamed(lambda v: c(_text(v))),
    )
    converter.register_structure_hook_factory(
        lambda c: isinstance(c, type) and issubclass(c, LabelledEnum),
        lambda c: _unnamed(lambda v: c.parse(_text(v))),
    )
    converter.register_structure_hook(dt.date, _unnamed(_native(dt.date, dt.date.fromisoformat)))
    converter.register_structure_hook(dt.time, _unnamed(_native(dt.time, dt.time.fromisoformat)))
    converter.register_structure_hook(Skill, _unnamed(lambda v: Skill(_text(v))))
    converter.register_structure_hook(CalendarSettings, lambda v, _: _calendar(v))


def _calendar(value: Any) -> CalendarSettings:
    """The ``[calendar]`` table: ``[calendar.2027] holidays = [...]``, ``workdays = [...]``."""
    if not isinstance(value, dict):
        raise ValidationError("", f"expected a table, got {type(value).__name__}")
    date = _native(dt.date, dt.date.fromisoformat)
    years: dict[int, YearArrangement] = {}
    for key, table in value.items():
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) == 4):
            raise ValidationError("", "keys are years such as 2027 ([calendar.2027])")
        if not isinstance(table, dict) or set(table) - {"holidays", "workdays"}:
            raise ValidationError(key, "expected a table with holidays and workdays only")
        found: dict[str, list[dt.date]] = {}
        for name, days in table.items():
            if not isinstance(days, list):
                raise ValidationError(f"{key}.{name}", "expected a list of dates")
            for index, day in enumerate(days):
                try:
                    found.setdefault(name, []).append(date(day))
                except ValidationError as exc:
                    raise ValidationError(
                        f"{key}.{name}[{index}]", exc.problems[0].message
                    ) from None
        try:
            years[int(key)] = YearArrangement(**found)
        except ValidationError as exc:
            raise ValidationError(
                f"{key}.{exc.problems[0].field}", exc.problems[0].message
            ) from None
    try:
        return CalendarSettings(years=years)
    except ValidationError as exc:
        field = exc.problems[0].field.removeprefix("years.")
        raise ValidationError(field, exc.problems[0].message) from None


def _unnamed(make: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """A hook whose errors carry no field name: cattrs adds the attribute to the path."""

    def hook(value: Any, _: Any) -> Any:
        try:
            return make(value)
        except ValidationError as exc:
            raise _without_field(exc) from None

    return hook


def _without_field(exc: ValidationError) -> ValidationError:
    return ValidationError("", "; ".join(p.message for p in exc.problems))


_ALIASES = {"code": "id"}  # a grid cell's id is its grid code 网格编码


def _attribute_errors(cl: Any, converter: cattrs.Converter) -> Callable[[Any, Any], Any]:
    inner = converter.gen_structure_attrs_fromdict(cl)
    names = {a.name for a in attrs.fields(cl)}

    def hook(value: Any, t: Any) -> Any:
        if not isinstance(value, dict):
            raise ValidationError("", f"expected a table, got {type(value).__name__}")
        try:
            return inner(value, t)
        except ClassValidationError as exc:
            cause = _construction_error(exc)
            if cause is None:
                raise
            name = _ALIASES.get(cause.field, cause.field)
            if name not in names:
                raise cause from None
            error = _without_field(cause)
            error.add_note(AttributeValidationNote(f"@ {name}", name, object))
            raise ClassValidationError(f"While structuring {cl.__name__}", [error], cl) from None

    return hook


def _construction_error(exc: ClassValidationError) -> ValidationError | None:
    """The model's own ``ValidationError`` when the class's constructor refused the values."""
    if len(exc.exceptions) != 1 or not isinstance(exc.exceptions[0], ValidationError):
        return None
    cause = exc.exceptions[0]
    notes = getattr(cause, "__notes__", ())
    return None if any(isinstance(n, AttributeValidationNote) for n in notes) else cause


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("", f"expected text, got {type(value).__name__}")
    return value


def _native(kind: type, parse: Callable[[str], Any]) -> Callable[[Any], Any]:
    def make(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = parse(value)
            except ValueError:
                shown = describe_value(value)
                raise ValidationError("", f"{shown} is not an ISO {kind.__name__}") from None
        if type(value) is not kind:
            raise ValidationError("", f"expected a {kind.__name__}, got {type(value).__name__}")
        if getattr(value, "tzinfo", None) is not None:
            raise ValidationError("", f"{value} must be a local time, without offset")
        return value

    return make
