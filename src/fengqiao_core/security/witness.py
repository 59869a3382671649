"""The audit witness 审计见证: the chain's head, signed, kept outside the database.

The chain alone cannot show that its last entries were cut off, that the whole log was
deleted or that an older backup was restored: each of those leaves a shorter chain that is
still intact. A checkpoint records the head (sequence, digest, time) signed with Ed25519
under the station's witness key (derived from the secret); the witness file holds the public
key, so anyone can check the signature without the secret. :func:`check_chain` compares a
chain with a witness and names the first problem.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.ports import AuditEntry
from fengqiao_core.security.audit import GENESIS, ChainCheck
from fengqiao_core.security.crypto import DEFAULT_SIGNATURE, Algorithms
from fengqiao_core.security.files import read_regular_file
from fengqiao_core.security.rotation import KeyRing

__all__ = [
    "AuditReport",
    "Checkpoint",
    "StoreCheck",
    "check_chain",
    "read_witness",
    "sign_head",
    "write_witness",
]

FORMAT = "fengqiao-audit-witness/1"
_MAX_WITNESS_BYTES = 1 << 20
"""A witness file is one small JSON object."""


def _text(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise TypeError(attribute.name)


def _count(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TypeError(attribute.name)


@frozen(kw_only=True)
class Checkpoint:
    """A signed audit chain head 审计检查点, as a witness file stores it.

    Attributes:
        station: The station's id.
        seq: The head's sequence number (0 for an empty log).
        digest: The head's ``entry_hash``.
        at: When the checkpoint was taken.
        algorithm: The signature algorithm's id (``ed25519``).
        key_id: The witness key's id.
        public_key: The public key (hex), enough to check ``signature``.
        signature: The signature (hex) over every other field.
    """

    station: str = field(validator=_text)
    seq: int = field(validator=_count)
    digest: str = field(validator=_text)
    at: dt.datetime = field(validator=attrs.validators.instance_of(dt.datetime))
    algorithm: str = field(validator=_text)
    key_id: str = field(validator=_text)
    public_key: str = field(validator=_text)
    signature: str = field(default="", validator=_text)

    def payload(self) -> bytes:
        """The signed bytes: every field but the signature, as canonical JSON."""
        fields = [FORMAT, self.station, self.seq, self.digest, self.at.isoformat()]
        fields += [self.algorithm, self.key_id, self.public_key]
        return json.dumps(fields, separators=(",", ":")).encode()

    def signed_correctly(self, algorithms: Algorithms) -> bool:
        """Whether ``signature`` holds for ``public_key`` (no secret needed)."""
        try:
            public, signature = bytes.fromhex(self.public_key), bytes.fromhex(self.signature)
        except ValueError:
            return False
        return algorithms.signature(self.algorithm).verify(public, self.payload(), signature)


def sign_head(
    head: AuditEntry | None,
    *,
    station: str,
    secret: bytes | KeyRing,
    at: dt.datetime,
    algorithms: Algorithms,
) -> Checkpoint:
    """A checkpoint of ``head`` (``None``: an empty log) signed with the current witness key."""
    key = KeyRing.of(secret, algorithms).key("witness")
    signer = algorithms.signature(DEFAULT_SIGNATURE)
    unsigned = Checkpoint(
        station=station,
        seq=head.seq if head else 0,
        digest=head.entry_hash if head else GENESIS,
        at=at,
        algorithm=signer.id,
        key_id=key.key_id,
        public_key=signer.public_key(key.key).hex(),
    )
    return attrs.evolve(unsigned, signature=signer.sign(key.key, unsigned.payload()).hex())


def _fields(checkpoint: Checkpoint) -> dict[str, object]:
    return attrs.asdict(checkpoint)


@frozen(kw_only=True)
class AuditReport:
    """What checking an audit chain found 审计核验结果.

    Attributes:
        entries: How many entries the store holds.
        problem: ``""`` when all is well; else ``broken_link``, ``altered_event``,
            ``log_deleted``, ``truncated_or_rolled_back``, ``diverged``, ``bad_witness``,
            ``foreign_witness``, ``uncovered_write`` or ``altered_record``.
        position: The first bad entry (``broken_link``, ``altered_event``: the entry whose
            events differ), else the witnessed sequence number (``None`` for a problem of the
            store no entry names).
        message: One line for people (ids and numbers only).
    """

    entries: int
    problem: str = ""
    position: int | None = None
    message: str = "the audit chain is intact"

    @property
    def ok(self) -> bool:
        """Whether nothing was found."""
        return not self.problem


class StoreCheck(Protocol):
    """Checks what the entries cover against the store, as the chain is walked."""

    def entry(self, entry: AuditEntry, position: int) -> str | None:
        """A message when what the intact ``entry`` covers differs from the store."""
        ...

    def finish(self) -> tuple[str, str] | None:
        """After the last entry: ``(problem, message)`` for anything stored but not covered."""
        ...


def _broken(count: int, position: int) -> AuditReport:
    return AuditReport(
        entries=count,
        problem="broken_link",
        position=position,
        message=f"the chain breaks at entry {position}: an entry was edited, deleted, "
        "swapped or inserted there, or sealed with a retired key",
    )


def check_chain(
    entries: Iterable[AuditEntry],
    secret: bytes | KeyRing,
    algorithms: Algorithms,
    *,
    station: str,
    witness: Checkpoint | None = None,
    store: StoreCheck | None = None,
) -> AuditReport:
    """Check ``entries`` (streamed), what they cover and the head a ``witness`` saw.

    Link by link first, with what each entry covers checked against the ``store`` as it
    comes; then the witness; then what the store holds that no entry covers. The first
    problem in that order is reported.
    """
    chain = ChainCheck(secret, algorithms)
    seen_digest = GENESIS
    stream = iter(entries)
    for entry in stream:
        if not chain.step(entry):
            return _broken(chain.position + sum(1 for _ in stream), chain.position)
        altered = store.entry(entry, chain.position) if store is not None else None
        if altered is not None:
            rest = sum(1 for _ in stream)
            return AuditReport(
                entries=chain.position + rest,
                problem="altered_event",
                position=chain.position,
                message=altered,
            )
        if witness is not None and chain.position == witness.seq:
            seen_digest = entry.entry_hash
    count = chain.position
    if witness is not None:
        found = _against(count, seen_digest, witness, chain.keys, station)
        if found is not None:
            return found
    if store is not None:
        unsound = store.finish()
        if unsound is not None:
            return AuditReport(entries=count, problem=unsound[0], message=unsound[1])
    if witness is None:
        return AuditReport(
            entries=count,
            message="the audit chain is intact (without a witness a cut-off tail or an "
            "older backup cannot be seen)",
        )
    return AuditReport(
        entries=count,
        position=witness.seq,
        message=f"the audit chain is intact and holds the witnessed entry {witness.seq}",
    )


def _against(
    count: int, seen_digest: str, witness: Checkpoint, keys: KeyRing, station: str
) -> AuditReport | None:
    """What comparing a chain of ``count`` entries with the ``witness`` finds, if anything."""
    if not witness.signed_correctly(keys.algorithms):
        return AuditReport(
            entries=count, problem="bad_witness", message="the witness's signature is invalid"
        )
    if keys.find("witness", witness.key_id) is None or witness.station != station:
        return AuditReport(
            entries=count,
            problem="foreign_witness",
            message="the witness was not signed by this station's witness key",
        )
    seen = witness.seq
    if seen > 0 and count == 0:
        return AuditReport(
            entries=0,
            problem="log_deleted",
            position=seen,
            message=f"the audit log is empty but the witness saw {seen} entries: it was deleted",
        )
    if count < seen:
        return AuditReport(
            entries=count,
            problem="truncated_or_rolled_back",
            position=seen,
            message=f"the log ends at entry {count} but the witness saw entry {seen}: its "
            "tail was cut off or an older backup was restored",
        )
    if seen > 0 and seen_digest != witness.digest:
        return AuditReport(
            entries=count,
            problem="diverged",
            position=seen,
            message=f"entry {seen} differs from the one the witness saw: the store was "
            "rolled back and written again, or the chain was rebuilt",
        )
    return None


def write_witness(path: Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` as JSON (owner-only; replaces an older one).

    Raises:
        ConfigurationError: The file cannot be written (the message names it).
    """
    body = dict(_fields(checkpoint), at=checkpoint.at.isoformat(), format=FORMAT)
    text = json.dumps(body, indent=2, sort_keys=True) + "\n"
    temporary = None
    try:  # a new owner-only file beside the target (never an existing one), renamed over it
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        if temporary is not None:
            with contextlib.suppress(OSError):  # nothing half-done is left beside the target
                os.unlink(temporary)
        raise ConfigurationError(
            f"cannot write the witness file {str(path)!r} ({type(exc).__name__})"
        ) from None


def read_witness(path: Path) -> Checkpoint:
    """The checkpoint in the witness file ``path``.

    Raises:
        ConfigurationError: The file cannot be read or is not a witness file.
    """
    data = read_regular_file(path, _MAX_WITNESS_BYTES, "the witness file")
    try:
        body = json.loads(data.decode("utf-8"))
        if body.pop("format", None) != FORMAT:
            raise ValueError
        at = dt.datetime.fromisoformat(body.pop("at"))
        return Checkpoint(at=at, **body)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise ConfigurationError(
            f"{str(path)!r} is not a fengqiao audit witness file ({FORMAT})"
        ) from None
