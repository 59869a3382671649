"""The station configuration 派出所配置: what a station file declares, with backends and rules.

:class:`StationConfig` is the :class:`~fengqiao_core.model.StationData` the rules read (checked
for integrity when built) plus the :class:`Backends` chosen per port and the
:class:`RuleSettings`, which are built from the rules' own settings types. Files are read by
:mod:`fengqiao_core.station.file`.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ValidationError, describe_value
from fengqiao_core.model import OfficerPost, PlaceKind
from fengqiao_core.model.station_data import StationData
from fengqiao_core.model.values import code
from fengqiao_core.rules.calendar import CalendarFallback, CalendarSettings
from fengqiao_core.rules.deadlines import DeadlineSettings
from fengqiao_core.rules.ladder import LadderSettings
from fengqiao_core.rules.linkages import DEFAULT_LEGAL_CATEGORIES
from fengqiao_core.rules.screening import ScreeningSettings
from fengqiao_core.rules.topology import TopologySettings
from fengqiao_core.station.protection import EncryptionSettings, RetentionSettings

__all__ = [
    "COUNT_KEYS",
    "AccessSettings",
    "Backends",
    "PluginGrant",
    "PluginSettings",
    "RuleSettings",
    "SecretSettings",
    "StationConfig",
    "counts",
    "mask_backend",
]

_NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]{0,31})://(?P<rest>[^\s\x00-\x1f\x7f]{1,2000})")
_USERINFO = re.compile(r"(?<=://).*@", re.DOTALL)


def mask_backend(value: str) -> str:
    """Hide the user and password of a backend URL 后端地址脱敏: ``postgresql://***@db/fq``.

    Conservative: everything between ``://`` and the last ``@`` is hidden.

    Args:
        value: A backend name or URL.

    Returns:
        The value with any ``user:password@`` part replaced by ``***@``.
    """
    return _USERINFO.sub("***@", value, count=1)


def _backend(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.name == "storage":
        return
    if not isinstance(value, str) or not (_NAME.fullmatch(value) or _URL.fullmatch(value)):
        shown = describe_value(mask_backend(value) if isinstance(value, str) else value)
        raise ValidationError(
            attribute.name,
            f"{shown} is not a backend name ([a-z][a-z0-9_-]*, at most 64 characters) "
            "or URL (scheme://...)",
        )


def _ids(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, "expected a list of ids")
    for position, item in enumerate(value):
        try:
            code(_, attribute, item)
        except ValidationError as exc:
            raise ValidationError(
                f"{attribute.name}[{position}]", exc.problems[0].message
            ) from None


def _backend_repr(value: str | None) -> str:
    return repr(None if value is None else mask_backend(value))


@frozen(kw_only=True)
class Backends:
    """The backend chosen for each port 后端选择, by name or URL.

    Only the syntax is checked here; whether a backend of that name is installed, and whether
    the storage is named and durable, is checked when the station is opened. URLs are shown
    with their user and password masked.

    Attributes:
        storage: Where matters and people are stored (``sqlite:///file.db`` …). It has no
            default: a station opened without it is refused, saying what to write.
        durable: Whether the station needs a store that keeps its data (default ``True``).
            ``durable = false`` is the explicit opt-in for a store that loses everything when
            the process ends (``storage = "memory"``: tests, demonstrations).
        grid: How a location becomes a grid cell (``declared``: from the station file).
        volunteers: Where red stewards come from (``declared``: from the station file).
        channel: How resident groups and people are notified (``log``: record only).
    """

    storage: str | None = field(default=None, validator=_backend, repr=_backend_repr)
    durable: bool = field(default=True, validator=attrs.validators.instance_of(bool))
    grid: str = field(default="declared", validator=_backend, repr=_backend_repr)
    volunteers: str = field(default="declared", validator=_backend, repr=_backend_repr)
    channel: str = field(default="log", validator=_backend, repr=_backend_repr)


@frozen(kw_only=True)
class RuleSettings(TopologySettings):
    """Configurable rule parameters 规则参数 (the ``[rules]`` table).

    Every key has a default, so a station file only names what it changes. The topology keys
    (``team_min_stewards``, ``village_teams``, ``grid_workers_per_cell``,
    ``steward_density_per_500``) come from
    :class:`~fengqiao_core.rules.topology.TopologySettings`; each rule module owns its settings
    type and this table is built from them.

    Attributes:
        ladder: L2: the first rung per severity (``[rules.ladder]``).
        deadlines: D1/D2: time limits and warning thresholds (``[rules.deadlines]``).
        screening: L7: linked-screening thresholds (``[rules.screening]``).
        legal_categories: L4: dispute categories with a legal question (法治化解).
        lead_body: 一体: who leads the one body (管委会主导 at Miaoshan).
        calendar: D1/M5: ``strict`` refuses years the holiday data does not know; ``estimate``
            counts them without weekends and the computed statutory holidays and marks results
            estimated (``weekends``, the older spelling, means ``estimate``).
    """

    ladder: LadderSettings = field(factory=LadderSettings)
    deadlines: DeadlineSettings = field(factory=DeadlineSettings)
    screening: ScreeningSettings = field(factory=ScreeningSettings)
    legal_categories: tuple[str, ...] = DEFAULT_LEGAL_CATEGORIES
    lead_body: str = field(default="管委会", validator=attrs.validators.instance_of(str))
    calendar: CalendarFallback = CalendarFallback.STRICT


@frozen(kw_only=True)
class AccessSettings:
    """Who administers and who audits the station 管理与审计 (the ``[access]`` table).

    The library authenticates nobody: these ids are what the host application maps its own
    logins to (see :meth:`~fengqiao_core.station.service.StationService.actor`).

    Attributes:
        admins: Ids of the station's administrators (configuration, no case contents).
        auditors: Ids of its auditors (the audit log, no case contents).
    """

    admins: tuple[str, ...] = field(default=(), validator=_ids)
    auditors: tuple[str, ...] = field(default=(), validator=_ids)


def _plugin_names(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, tuple):
        raise ValidationError(attribute.name, "expected a list of plugin names")
    for position, item in enumerate(value):
        if not isinstance(item, str) or not _NAME.fullmatch(item):
            raise ValidationError(
                f"{attribute.name}[{position}]",
                f"{describe_value(item)} is not a plugin name ([a-z][a-z0-9_-]*)",
            )


@frozen(kw_only=True)
class PluginGrant:
    """What a station grants one plugin 插件授权 (a ``[plugins.grants.NAME]`` table).

    Attributes:
        personal_data: The plugin's observers and advisors receive matters with personal
            values unmasked (default ``False``: masked, ``reveal()`` refused). Recorded in the
            audit log each time the station opens.
    """

    personal_data: bool = field(default=False, validator=attrs.validators.instance_of(bool))


@frozen(kw_only=True)
class PluginSettings:
    """Which installed plugins a station trusts 插件信任 (the ``[plugins]`` table).

    Installed plugins are the distributions with a ``fengqiao_core`` entry point. Built-in
    plugins, and plugins a host application registers on the manager in code, are always
    loaded. A station file without a ``[plugins]`` table keeps the earlier behaviour — every
    installed plugin is loaded — and ``fengqiao check`` warns; with the table, an installed
    plugin not named in ``allow`` is neither imported nor called for this station. Either way
    observers and advisors see personal data masked unless the plugin is granted it.

    Attributes:
        allow: Entry-point names of the installed plugins to load; ``None`` (no ``[plugins]``
            table): all of them.
        grants: Per plugin name, what it is granted beyond masked data.
    """

    allow: tuple[str, ...] | None = field(default=None, validator=_plugin_names)
    grants: dict[str, PluginGrant] = field(factory=dict, hash=False)

    def __attrs_post_init__(self) -> None:
        for name in self.grants:
            if not _NAME.fullmatch(name):
                raise ValidationError(f"grants.{describe_value(name)}", "is not a plugin name")

    @property
    def personal_data(self) -> frozenset[str]:
        """The plugins granted personal data."""
        return frozenset(name for name, grant in self.grants.items() if grant.personal_data)


def _key_version(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 9999:
        raise ValidationError(attribute.name, "expected a whole number from 1 to 9999")


def _paths(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError(attribute.name, "expected a list of file paths")


@frozen(kw_only=True)
class SecretSettings:
    """Key rotation and algorithms 密钥轮换 (the ``[secrets]`` table; see ``docs/audit.md``).

    Attributes:
        key_version: The HKDF rotation counter of the derived audit, screening and witness
            keys; raise it (never lower it) to rotate them under the same secret.
        retired_files: Key files of earlier secrets (owner-only), oldest first: kept only to
            verify the audit entries they sealed, never used to seal.
        mac: The MAC id audit entries are sealed with (``hmac-sha256``; plugins add others).
        digest: The digest id of what each entry covers (``sha256``; plugins add others).
    """

    key_version: int = field(default=1, validator=_key_version)
    retired_files: tuple[str, ...] = field(default=(), validator=_paths)
    mac: str = field(default="hmac-sha256", validator=code)
    digest: str = field(default="sha256", validator=code)


@frozen(kw_only=True, repr=False)
class StationConfig(StationData):
    """A station's configuration 派出所配置: its declared data, backends and rule settings.

    Everything of :class:`~fengqiao_core.model.StationData` (checked for integrity when built)
    plus the backend per port, the ``[rules]`` table, the ``[calendar]`` table (the State
    Council's holiday notices the station added) and the secret file. Its ``repr`` shows only
    the station id and counts.
    """

    backends: Backends = Backends()
    rules: RuleSettings = RuleSettings()
    access: AccessSettings = AccessSettings()
    plugins: PluginSettings = PluginSettings()
    encryption: EncryptionSettings = field(factory=EncryptionSettings)
    retention: RetentionSettings = field(factory=RetentionSettings)
    calendar: CalendarSettings = field(
        factory=CalendarSettings, validator=attrs.validators.instance_of(CalendarSettings)
    )
    secret_file: str | None = None
    secrets: SecretSettings = field(
        factory=SecretSettings, validator=attrs.validators.instance_of(SecretSettings)
    )
    origin: str | None = field(default=None, eq=False)
    """Where the configuration was read from (a station file's absolute path, or
    ``shipped:NAME``); set by the loader, never by a station file."""
    base_dir: str | None = field(default=None, eq=False)
    """The folder relative paths in the file (storage URL, ``secret_file``, backend URLs) are
    relative to: the station file's own folder; set by the loader, never by a station file
    (``None``: the current folder)."""

    @property
    def label(self) -> str:
        """How messages name this configuration: its file, else its station id."""
        return self.origin or f"station {self.station.id!r}"

    def resolve(self, raw: str) -> Path:
        """An absolute path for a path written in the station file (see :attr:`base_dir`)."""
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = Path(self.base_dir or os.getcwd()) / path
        return Path(os.path.abspath(path))

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value}" for key, value in counts(self).items())
        return f"StationConfig(station={self.station.id!r}, {shown})"

    def with_backends(self, **choices: Any) -> StationConfig:
        """The same station with other backends, e.g. ``with_backends(storage="memory")``.

        Choosing the storage in code is an explicit choice: unless ``durable`` is passed too,
        it also accepts a store that is not durable (``durable=False``).

        Raises:
            ValidationError: A port name is unknown or a choice is not a name or URL.
        """
        unknown = sorted(set(choices) - {a.name for a in attrs.fields(Backends)})
        if unknown:
            raise ValidationError("backends", f"unknown ports: {', '.join(unknown)}")
        if "storage" in choices:
            choices.setdefault("durable", False)
        return attrs.evolve(self, backends=attrs.evolve(self.backends, **choices))


COUNT_KEYS: tuple[str, ...] = (
    "police_grids",
    "grid_cells",
    "villages",
    "communities",
    "compounds",
    "universities",
    "industrial_parks",
    "enterprises",
    "officers",
    "community_officers",
    "auxiliary_officers",
    "red_stewards",
    "grid_workers",
    "lawyers",
    "mediators",
    "forces",
    "resident_groups",
)
"""The keys of :func:`counts`, in display order."""


def counts(config: StationData) -> dict[str, int]:
    """Count a station's entities per kind 数量统计 (the ``counts`` of ``fengqiao check``).

    Args:
        config: A station configuration.

    Returns:
        One count per key of :data:`COUNT_KEYS`, in that order.
    """
    kinds = Counter(place.kind for place in config.places)
    posts = Counter(officer.post for officer in config.officers)
    found = {
        "police_grids": len(config.police_grids),
        "grid_cells": len(config.cells),
        "villages": kinds[PlaceKind.VILLAGE],
        "communities": kinds[PlaceKind.COMMUNITY],
        "compounds": kinds[PlaceKind.COMPOUND],
        "universities": kinds[PlaceKind.UNIVERSITY],
        "industrial_parks": kinds[PlaceKind.INDUSTRIAL_PARK],
        "enterprises": kinds[PlaceKind.ENTERPRISE],
        "officers": len(config.officers),
        "community_officers": posts[OfficerPost.COMMUNITY],
        "auxiliary_officers": len(config.auxiliary_officers),
        "red_stewards": len(config.red_stewards),
        "grid_workers": len(config.grid_workers),
        "lawyers": len(config.lawyers),
        "mediators": len(config.mediators),
        "forces": len(config.forces),
        "resident_groups": len(config.resident_groups),
    }
    return {key: found[key] for key in COUNT_KEYS}
