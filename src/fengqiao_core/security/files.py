"""Reading a file named by a user 文件读取: a regular file, read to a bound, never a pipe or device.

A path in a station file or on the command line may name a named pipe (reading it blocks until
someone writes), ``/dev/zero`` (reading it never ends) or a many-gigabyte file. Key files,
witness files and documents to import are read through :func:`read_regular_file`: it opens
without blocking, refuses anything but a regular file, and stops past ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from fengqiao_core.errors import ConfigurationError

__all__ = ["read_at_most", "read_regular_file"]


def read_regular_file(path: Path | str, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    Args:
        path: The file.
        limit: The most bytes the file may hold.
        what: What the file is, for messages (``"the key file"``, ``"the witness file"``).

    Raises:
        ConfigurationError: The file is missing, unreadable, not a regular file (a directory,
            pipe, socket or device) or larger than ``limit``; the message names ``what`` and
            the path, never the contents.
    """
    shown = f"{what} {str(path)!r}"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read {shown} ({type(exc).__name__})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigurationError(
                f"{shown} is not a regular file (a directory, pipe, socket or device)"
            )
        data = read_at_most(fd, limit + 1)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {shown} ({type(exc).__name__})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ConfigurationError(f"{shown} is larger than {limit:,} bytes")
    return data


def read_at_most(fd: int, count: int) -> bytes:
    """Up to ``count`` bytes from the open file ``fd`` (fewer at its end), a megabyte at a time.

    Raises:
        OSError: The read fails.
    """
    chunks: list[bytes] = []
    left = count
    while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
