"""Opening an uploaded package safely: a flat zip of a bounded size, no tricks."""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

__all__ = ["READ_ERRORS", "ArchiveLimits", "ArchiveRejected", "PackageArchive"]


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps against zip bombs and oversized uploads (uncompressed sizes)."""

    max_entries: int = 64
    max_total_bytes: int = 8 * 1024**3
    max_ratio: int = 200  # per entry, uncompressed / compressed
    ratio_floor_bytes: int = 1024**2  # entries smaller than this are not ratio-checked


class ArchiveRejected(Exception):
    """The archive as a whole is unusable; ``problems`` are (file, rule, message)."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        super().__init__("; ".join(m for _, _, m in problems))
        self.problems = problems


class _Counted(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes come out."""

    def __init__(self, raw: IO[bytes], limit: int, name: str) -> None:
        super().__init__()
        self._raw, self._left, self._name = raw, limit, name

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._raw.read(len(b))
        self._left -= len(data)
        if self._left < 0:
            raise ArchiveRejected(
                [(self._name, "archive_size", "entry is larger than its header declares")]
            )
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class PackageArchive:
    """A validated OneRoster package zip. Raises ArchiveRejected on any unsafe property."""

    def __init__(self, source: Path | str | BinaryIO, limits: ArchiveLimits | None = None) -> None:
        self.limits = limits or ArchiveLimits()
        try:
            self._zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise ArchiveRejected([("", "not_zip", f"not a zip archive: {exc}")]) from exc
        try:
            self.names = self._check()
        except ArchiveRejected:
            self._zip.close()
            raise

    def _check(self) -> list[str]:
        lim = self.limits
        infos = self._zip.infolist()
        problems: list[tuple[str, str, str]] = []
        if len(infos) > lim.max_entries:
            raise ArchiveRejected(
                [("", "too_many_entries", f"{len(infos)} entries (at most {lim.max_entries})")]
            )
        total = 0
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            mode = info.external_attr >> 16
            if ".." in name.replace("\\", "/").split("/") or name.startswith(("/", "\\")):
                problems.append((name, "path_traversal", "entry path leaves the package root"))
            elif "/" in name or "\\" in name or info.is_dir():
                problems.append((name, "nested_path", "files must sit at the package root"))
            elif stat.S_ISLNK(mode):
                problems.append((name, "symlink", "symbolic links are not allowed"))
            elif info.flag_bits & 0x1:
                problems.append((name, "encrypted", "encrypted entries are not allowed"))
            elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                problems.append((name, "compression", "only stored or deflated entries"))
            elif name in seen:
                problems.append((name, "duplicate_entry", "the same file appears twice"))
            seen.add(name)
            total += info.file_size
            if info.file_size > lim.ratio_floor_bytes and info.file_size > lim.max_ratio * max(
                info.compress_size, 1
            ):
                problems.append(
                    (name, "compression_ratio", f"compression ratio above {lim.max_ratio}:1")
                )
        if total > lim.max_total_bytes:
            problems.append(
                ("", "archive_size", f"{total} bytes uncompressed (at most {lim.max_total_bytes})")
            )
        if problems:
            raise ArchiveRejected(problems)
        return [i.filename for i in infos]

    def size(self, name: str) -> int:
        return self._zip.getinfo(name).file_size

    def open(self, name: str) -> IO[bytes]:
        info = self._zip.getinfo(name)
        return io.BufferedReader(_Counted(self._zip.open(info), info.file_size, name), 1 << 16)

    def close(self) -> None:
        self._zip.close()


# Errors a damaged entry raises while it is read.
READ_ERRORS: tuple[type[BaseException], ...] = (zipfile.BadZipFile, zlib.error, EOFError, OSError)
