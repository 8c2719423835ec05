"""Writing what qualcode produces: files (``-o PATH``) and CSV.

Files are written whole to a new temporary file beside the target and renamed over it, so an
interrupted write never leaves half a file. Only a regular file is ever replaced: a symlink,
device, FIFO or socket at the target is refused (``summary -o /dev/null`` run as root must not
turn the device into a file), and the temporary file is created fresh (``O_EXCL|O_NOFOLLOW``),
never opened through a name someone else prepared.

CSV cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return; OWASP, "CSV Injection") get a leading apostrophe. Only strings are touched:
numbers stay numbers, and so does a string that is exactly a decimal number such as ``-3`` or
``-0.25`` (a spreadsheet reads it as that number, nothing more). A string that itself starts with
an apostrophe gets one too, so :func:`restore_csv_cell` gives back exactly what was written.

Bottom layer: standard library and :mod:`qualcode.errors` only.
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from qualcode.errors import QualcodeError

# ---------------------------------------------------------------- files


def is_stdout(path: str | os.PathLike[str] | None) -> bool:
    """No file, or ``-``: the output goes to standard output."""
    return path is None or str(path) == "-"


_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def check_target(
    path: str | os.PathLike[str], protect: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """Refuse, in one line, any target that is not a new file or an existing regular file.

    ``protect`` names files that must never be overwritten (the project being read).
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise QualcodeError(f"{path}: cannot write ({exc.strerror or exc})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise QualcodeError(f"{path}: is a folder; give a file name")
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "a special file")
            raise QualcodeError(
                f"{path}: not a regular file ({kind}); refusing to replace it, give another name"
            )
        for other in protect:
            try:
                same = os.path.samefile(path, other)
            except OSError:
                same = False
            if same:
                raise QualcodeError(f"{path}: is the project file; give another file name")
    parent = path.parent
    if not parent.is_dir():
        raise QualcodeError(f"{parent}: folder does not exist")
    return path


def write_output(
    path: str | os.PathLike[str],
    content: str | bytes,
    protect: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write ``content`` (text as UTF-8) to ``path`` whole, then rename it into place.

    A new file gets the usual permissions (0666 less the umask); a replaced file keeps its mode.
    Every failure (no such folder, read-only file system, /proc, disk full) is one
    :class:`QualcodeError` line, and no temporary file is left behind.
    """
    protect = tuple(protect)
    path = check_target(path, protect)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        existing = os.lstat(path)
    except OSError:
        existing = None
    tmp, fd = _create_temporary(path)
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if existing is not None:
                os.chmod(tmp, stat.S_IMODE(existing.st_mode))
            check_target(path, protect)  # still not a link/device the moment before the rename
            os.replace(tmp, path)
        except OSError as exc:
            raise QualcodeError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        except OSError:  # pragma: no cover - nothing more can be done
            pass
    return path


def _create_temporary(path: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            return tmp, os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise QualcodeError(
                f"{path}: cannot create a file in {path.parent} ({exc.strerror or exc})"
            ) from None
    raise QualcodeError(f"{path}: cannot create a temporary file in {path.parent}")


# ---------------------------------------------------------------- CSV

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs: see the module docstring."""
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first == "'" or (first in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def restore_csv_cell(cell: str) -> str:
    """The value :func:`csv_cell` was given (for reading a CSV qualcode wrote back in)."""
    if len(cell) >= 2 and cell[0] == "'" and (cell[1] == "'" or cell[1] in FORMULA_STARTS):
        return cell[1:]
    return cell


class CsvWriter:
    """``csv.writer`` with ``\\n`` line ends whose every cell goes through :func:`csv_cell`."""

    def __init__(self, stream: TextIO) -> None:
        self._writer = csv.writer(stream, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(header: Sequence[Any], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV (header first) as a string: UTF-8 ready, no byte-order mark, ``\\n`` ends."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
