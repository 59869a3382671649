"""The audit witness 审计见证: the chain's head, signed, kept outside the database.

The chain alone cannot show that its last entries were cut off, that the whole log was
deleted or that an older backup was restored: each of those leaves a shorter chain that is
still intact. A checkpoint records the head (sequence, digest, time) signed with Ed25519
under the station's witness key (derived from the secret); the witness file holds the public
key, so anyone can check the signature without the secret. :func:`check_chain` compares a
chain with a witness and names the first problem.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import attrs
from attrs import field, frozen

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.ports import AuditEntry
from fengqiao_core.security.audit import GENESIS, verify
from fengqiao_core.security.crypto import DEFAULT_SIGNATURE, Algorithms
from fengqiao_core.security.keys import derive_key

__all__ = ["AuditReport", "Checkpoint", "check_chain", "read_witness", "sign_head", "write_witness"]

FORMAT = "fengqiao-audit-witness/1"


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
    head: AuditEntry | None, *, station: str, secret: bytes, at: dt.datetime, algorithms: Algorithms
) -> Checkpoint:
    """A checkpoint of ``head`` (``None``: an empty log) signed with the witness key."""
    key = derive_key(secret, "witness", algorithms=algorithms)
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
        problem: ``""`` when all is well; else ``broken_link``, ``log_deleted``,
            ``truncated_or_rolled_back``, ``diverged``, ``bad_witness`` or ``foreign_witness``.
        position: The first bad entry (``broken_link``), else the witnessed sequence number.
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


def check_chain(
    entries: Sequence[AuditEntry],
    secret: bytes,
    algorithms: Algorithms,
    *,
    station: str,
    witness: Checkpoint | None = None,
) -> AuditReport:
    """Check ``entries`` link by link and, given a ``witness``, against the head it saw."""
    count = len(entries)
    broken = verify(entries, secret, algorithms)
    if broken is not None:
        return AuditReport(
            entries=count,
            problem="broken_link",
            position=broken,
            message=f"the chain breaks at entry {broken}: an entry was edited, deleted, "
            "swapped or inserted there",
        )
    if witness is None:
        return AuditReport(
            entries=count,
            message="the audit chain is intact (without a witness a cut-off tail or an "
            "older backup cannot be seen)",
        )
    if not witness.signed_correctly(algorithms):
        return AuditReport(
            entries=count, problem="bad_witness", message="the witness's signature is invalid"
        )
    mine = derive_key(secret, "witness", algorithms=algorithms).key_id
    if witness.key_id != mine or witness.station != station:
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
    if seen > 0 and entries[seen - 1].entry_hash != witness.digest:
        return AuditReport(
            entries=count,
            problem="diverged",
            position=seen,
            message=f"entry {seen} differs from the one the witness saw: the store was "
            "rolled back and written again, or the chain was rebuilt",
        )
    return AuditReport(
        entries=count,
        position=seen,
        message=f"the audit chain is intact and holds the witnessed entry {seen}",
    )


def write_witness(path: Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` as JSON (owner-only; replaces an older one).

    Raises:
        ConfigurationError: The file cannot be written (the message names it).
    """
    body = dict(_fields(checkpoint), at=checkpoint.at.isoformat(), format=FORMAT)
    text = json.dumps(body, indent=2, sort_keys=True) + "\n"
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(0o600)
        temporary.replace(path)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the witness file {str(path)!r} ({type(exc).__name__})"
        ) from None


def read_witness(path: Path) -> Checkpoint:
    """The checkpoint in the witness file ``path``.

    Raises:
        ConfigurationError: The file cannot be read or is not a witness file.
    """
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.pop("format", None) != FORMAT:
            raise ValueError
        at = dt.datetime.fromisoformat(body.pop("at"))
        return Checkpoint(at=at, **body)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot read the witness file {str(path)!r} ({type(exc).__name__})"
        ) from None
    except (ValueError, TypeError, KeyError, AttributeError):
        raise ConfigurationError(
            f"{str(path)!r} is not a fengqiao audit witness file ({FORMAT})"
        ) from None
