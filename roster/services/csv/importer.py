"""OneRoster 1.2 CSV package import: validate everything, then write everything, in one
transaction.

Shape of an import (the same SQL runs on PostgreSQL and SQLite):

1. the archive is checked (flat zip, bounded size and ratio) and the manifest read;
2. every data file is streamed row by row, validated in Python and written to a TEMP
   staging table (PostgreSQL: ``COPY``; SQLite: ``executemany``) holding the cells already
   typed, plus the line number so that later set-based checks can still name the line;
3. set-based checks: duplicate sourcedIds, references to unknown ids (package ∪ database, or
   package only when the target file is bulk), rows owned by another source;
4. only when no problem was found: ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` per file in
   dependency order, bulk files retire their source's missing rows (``tobedeleted``);
5. a dry run, or any problem, rolls the whole transaction back.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from roster import models as roster_models
from roster.services.credentials import PASSWORD_MAX_LENGTH, SECRET_FIELD, secret_seal
from roster.services.csv.archive import READ_ERRORS, ArchiveLimits, ArchiveRejected, PackageArchive
from roster.services.csv.spec import FILE_ORDER, FILES, Column, FileSpec
from roster.services.scope import SCOPE_RULES

__all__ = ["ImportProblem", "ImportReport", "oneroster_csv_import"]

MAX_PROBLEMS = 1000
BULK_LOAD_ROWS = 50_000  # from this many rows, PostgreSQL loads drop and rebuild FKs/indexes
MANIFEST = "manifest.csv"
VERSIONS = ("1.2", "1.2.1")
MODES = ("absent", "bulk", "delta")
GUID_RE = re.compile(r"^[0-9A-Za-z.\-_/@]{1,255}$")
EXT_RE = re.compile(r"^ext:[a-zA-Z0-9.\-_]+$")
BRACED_RE = re.compile(r"\{([^{}:]*):([^{}]*)\}")
BRACED_LIST_RE = re.compile(r"^\s*\{[^{}]*\}(\s*,\s*\{[^{}]*\})*\s*$")
ProgressFn = Callable[[str, int, int | None], None]
SURROGATE_RE = re.compile("[\udc80-\udcff]")

# Bytes that are not UTF-8 decode as lone surrogates (as with "surrogateescape"), and a flag
# is raised, so that only rows read after a bad chunk need scanning to name line and column.
_decoding = threading.local()
_surrogateescape = codecs.lookup_error("surrogateescape")


def _mark_bad_bytes(exc: UnicodeError) -> tuple[str | bytes, int]:
    _decoding.bad = True
    return _surrogateescape(exc)


codecs.register_error("oneroster-mark", _mark_bad_bytes)


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


@dataclass
class ImportProblem:
    """One reason the package was rejected, as precisely as it can be located."""

    file: str
    line: int | None
    column: str | None
    rule: str
    message: str


@dataclass
class ImportReport:
    """The outcome of an import; ``as_dict`` is the machine log."""

    ok: bool
    dry_run: bool
    source: str
    manifest_version: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[ImportProblem] = field(default_factory=list)
    problem_count: int = 0
    modes: dict[str, str] = field(default_factory=dict)
    home_org: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # phase → seconds

    def add(self, file: str, line: int | None, column: str | None, rule: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(ImportProblem(file, line, column, rule, message))

    @property
    def files_imported(self) -> list[str]:
        return [f for f in self.counts] if self.ok else []

    def as_dict(self) -> dict[str, Any]:
        rejected = sorted({p.file for p in self.problems if p.file})
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "source": self.source,
            "manifest_version": self.manifest_version,
            "home_org": self.home_org,
            "modes": self.modes,
            "files_imported": self.files_imported,
            "files_rejected": rejected,
            "counts": self.counts,
            "problem_count": self.problem_count,
            "problems_truncated": self.problem_count > len(self.problems),
            "problems": [asdict(p) for p in self.problems],
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


class _Abort(Exception):
    """Leave the transaction: problems were recorded (or this is a dry run)."""


class _Bad(Exception):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


# ---------------------------------------------------------------------------------------------
# Cell parsers: raw string → typed value (or _Bad)
# ---------------------------------------------------------------------------------------------


def _guid(raw: str) -> str:
    if not GUID_RE.match(raw):
        raise _Bad("guid", f"{raw[:80]!r} is not a sourcedId (1-255 of 0-9 a-z A-Z . - _ / @)")
    return raw


def _date(raw: str) -> date:
    try:
        if len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise _Bad("date", f"{raw[:40]!r} is not a date YYYY-MM-DD") from None


def _datetime(raw: str, date_ok: bool = False) -> datetime:
    if date_ok and len(raw) == 10:
        d = _date(raw)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    try:
        if len(raw) < 19 or raw[10] != "T":
            raise ValueError
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise _Bad("datetime", f"{raw[:40]!r} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise _Bad("datetime", f"{raw[:40]!r} has no UTC offset (e.g. 2024-01-31T08:00:00Z)")
    return value.astimezone(UTC)


def _bool(raw: str) -> bool:
    low = raw.lower()
    if low == "true":
        return True
    if low == "false":
        return False
    raise _Bad("boolean", f"{raw[:40]!r} is not true or false")


def _float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _Bad("number", f"{raw[:40]!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise _Bad("number", f"{raw[:40]!r} is not a finite number")
    return value


def _year(raw: str) -> str:
    if len(raw) != 4 or not raw.isdigit():
        raise _Bad("year", f"{raw[:40]!r} is not a year YYYY")
    return raw


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _braced(raw: str, left: str, right: str) -> str:
    if not BRACED_LIST_RE.match(raw):
        raise _Bad("format", f"{raw[:60]!r} is not a list of {{{left}:{right}}} items")
    return json.dumps(
        [{left: a.strip(), right: b.strip()} for a, b in BRACED_RE.findall(raw)],
        ensure_ascii=False,
    )


def _make_parser(col: Column, max_length: int | None) -> Callable[[str], Any]:
    kind = col.kind
    if kind in ("str", "metalist") or (kind == "ref" and not col.target):
        if max_length:

            def parse_str(raw: str) -> str:
                if len(raw) > max_length:
                    raise _Bad("too_long", f"longer than {max_length} characters")
                return raw

            return parse_str
        return str
    if kind == "enum":
        allowed, ext = col.choices, col.ext

        def parse_enum(raw: str) -> str:
            if raw in allowed or (ext and EXT_RE.match(raw)):
                return raw
            raise _Bad("enum", f"{raw[:40]!r} is not one of {', '.join(sorted(allowed))}")

        return parse_enum
    if kind == "secret":  # stored sealed (roster.services.credentials); checked in clear

        def parse_secret(raw: str) -> str:
            if len(raw) > PASSWORD_MAX_LENGTH:
                raise _Bad("too_long", f"longer than {PASSWORD_MAX_LENGTH} characters")
            return secret_seal(plain=raw)

        return parse_secret
    if kind == "ref":
        return _guid
    if kind == "date":
        return _date
    if kind == "datetime":
        return lambda raw: _datetime(raw, col.date_ok)
    if kind == "bool":
        return _bool
    if kind == "float":
        return _float
    if kind == "year":
        return _year
    if kind == "list":
        return lambda raw: json.dumps(_split(raw), ensure_ascii=False)
    if kind == "userids":
        return lambda raw: _braced(raw, "type", "identifier")
    if kind == "scale":
        return lambda raw: _braced(raw, "itemValueLHS", "itemValueRHS")
    raise ValueError(kind)  # pragma: no cover - the spec table is fixed


def _blank(col: Column) -> Any:
    """What a blank optional cell stores."""
    if col.kind in ("list", "userids", "scale"):
        return "[]"
    if col.kind in ("str", "enum", "secret") and col.dest:
        return ""
    return None


# ---------------------------------------------------------------------------------------------
# Staging tables (dialect glue)
# ---------------------------------------------------------------------------------------------

_PG_TYPES = {
    "int": "integer",
    "text": "text",
    "date": "date",
    "datetime": "timestamptz",
    "bool": "boolean",
    "float": "double precision",
    "json": "jsonb",
}


def _sqltype(col: Column) -> str:
    return {
        "date": "date",
        "datetime": "datetime",
        "bool": "bool",
        "float": "float",
        "list": "json",
        "userids": "json",
        "scale": "json",
    }.get(col.kind, "text")


class _Db:
    """The few places where PostgreSQL and SQLite differ."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.cursor = connection.cursor()
        self.tables: list[str] = []

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        self.cursor.execute(sql, list(params))
        return self.cursor.rowcount

    def fetch(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql, list(params))
        return list(self.cursor.fetchall())

    def create(self, table: str, cols: list[tuple[str, str]]) -> None:
        if self.pg:
            # An enclosing transaction (tests, callers) may still hold an earlier run's tables.
            self.execute(f"DROP TABLE IF EXISTS pg_temp.{table}")
            body = ", ".join(f"{n} {_PG_TYPES[t]}" for n, t in cols)
            self.execute(f"CREATE TEMP TABLE {table} ({body}) ON COMMIT DROP")
        else:
            self.execute(f"DROP TABLE IF EXISTS temp.{table}")
            body = ", ".join(n if t != "int" else f"{n} INTEGER" for n, t in cols)
            self.execute(f"CREATE TEMP TABLE {table} ({body})")
        self.tables.append(table)

    def value(self, v: Any) -> Any:
        """A Python value as the backend stores it (SQLite keeps Django's text formats)."""
        if self.pg or v is None or isinstance(v, str | int | float) and not isinstance(v, bool):
            return v
        if isinstance(v, bool):
            return int(v)
        if isinstance(v, datetime):
            return str(v.astimezone(UTC).replace(tzinfo=None))
        if isinstance(v, date):
            return v.isoformat()
        return v

    def finish(self, table: str) -> None:
        """Index and analyse a loaded staging table (temp tables are never auto-analysed)."""
        self.execute(f"CREATE INDEX {table}_sid ON {table} (sourced_id)")
        self.execute(f"ANALYZE {table}")

    def drop_all(self) -> None:
        schema = "pg_temp" if self.pg else "temp"
        try:
            for table in self.tables:
                self.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
        except DatabaseError:
            pass  # the transaction already failed; its rollback drops the tables


class _Writer:
    """Streams rows into one staging table: COPY on PostgreSQL, batched executemany else."""

    BATCH = 5000

    def __init__(self, db: _Db, table: str, cols: list[str]) -> None:
        self.db, self.table, self.cols = db, table, cols
        self.rows: list[tuple[Any, ...]] = []
        self._copy: Any = None
        self._cm: Any = None
        self.count = 0

    def __enter__(self) -> _Writer:
        if self.db.pg:
            self._cm = self.db.cursor.copy(f"COPY {self.table} ({', '.join(self.cols)}) FROM STDIN")
            self._copy = self._cm.__enter__()
        return self

    def write(self, row: tuple[Any, ...]) -> None:
        self.count += 1
        if self._copy is not None:
            self._copy.write_row(row)
            return
        self.rows.append(tuple(self.db.value(v) for v in row))
        if len(self.rows) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            marks = ", ".join(["%s"] * len(self.cols))
            self.db.cursor.executemany(
                f"INSERT INTO {self.table} ({', '.join(self.cols)}) VALUES ({marks})", self.rows
            )
            self.rows = []

    def __exit__(self, *exc: object) -> None:
        if self._cm is not None:
            self._cm.__exit__(*exc)
        elif exc[0] is None:
            self.flush()


def _stg(name: str) -> str:
    return f"stg_{name.lower()}"


def _cname(col: Column) -> str:
    return f"c_{col.name.lower()}"


# ---------------------------------------------------------------------------------------------
# The import run
# ---------------------------------------------------------------------------------------------


class _Run:
    def __init__(
        self,
        report: ImportReport,
        archive: PackageArchive,
        modes: dict[str, str],
        system_code: str,
        home_org: str | None,
        progress: ProgressFn | None,
    ) -> None:
        self.report, self.archive, self.modes = report, archive, modes
        self.system_code, self.home_sid, self.progress = system_code, home_org, progress
        self.db = _Db()
        self.now = timezone.now()
        self.present: list[str] = [n for n in FILE_ORDER if modes.get(n) in ("bulk", "delta")]
        self.headers: dict[str, list[Column]] = {}  # file → the spec columns actually present
        self.source = ""
        self.home_id: int | None = None

    # -- helpers ---------------------------------------------------------------------------

    def problem(self, file: str, line: int | None, column: str | None, rule: str, msg: str) -> None:
        self.report.add(file, line, column, rule, msg)

    def model(self, spec: FileSpec) -> Any:
        return getattr(roster_models, spec.model)

    def table(self, name: str) -> str:
        return str(self.model(FILES[name])._meta.db_table)

    def column_of(self, spec: FileSpec, field_name: str) -> str:
        return str(self.model(spec)._meta.get_field(field_name).column)

    def now_v(self) -> Any:
        return self.db.value(self.now)

    # -- 2. staging ------------------------------------------------------------------------

    def check_header(self, spec: FileSpec, header: list[str]) -> dict[str, int] | None:
        fname = spec.filename
        ok = True
        seen: set[str] = set()
        for name in header:
            if name in seen:
                self.problem(fname, 1, name, "duplicate_column", f"column {name!r} appears twice")
                ok = False
            seen.add(name)
        base = [h for h in header if not h.startswith("metadata.")]
        known = spec.header
        for name in base:
            if name not in known:
                self.problem(fname, 1, name, "unknown_column", f"unknown column {name!r}")
                ok = False
        expected = [h for h in known if h in base or h not in spec.optional_columns]
        for name in expected:
            if name not in base:
                self.problem(fname, 1, name, "missing_column", f"required column {name!r} absent")
                ok = False
        if ok and base != expected:
            first = next(b for b, e in zip(base, expected, strict=True) if b != e)
            self.problem(
                fname,
                1,
                first,
                "column_order",
                f"columns must be in the order {', '.join(expected)}",
            )
            ok = False
        last_base = max(
            (i for i, h in enumerate(header) if not h.startswith("metadata.")), default=-1
        )
        for i, name in enumerate(header):
            if name.startswith("metadata.") and i < last_base:
                self.problem(
                    fname, 1, name, "metadata_position", "metadata.* columns go after the others"
                )
                ok = False
            elif name.startswith("metadata.") and not name[len("metadata.") :]:
                self.problem(fname, 1, name, "unknown_column", "empty metadata column name")
                ok = False
        if not ok:
            return None
        self.headers[spec.name] = [c for c in spec.columns if c.name in base]
        return {name: i for i, name in enumerate(header)}

    def stage(self, spec: FileSpec) -> None:
        fname, mode = spec.filename, self.modes[spec.name]
        delta = mode == "delta"
        raw = self.archive.open(fname)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="oneroster-mark", newline="")  # type: ignore[arg-type]
        reader = csv.reader(text, strict=True)
        _decoding.bad = False
        try:
            self._stage_rows(spec, reader, delta)
        except UnicodeDecodeError as exc:
            self.problem(fname, reader.line_num + 1, None, "encoding", f"not UTF-8 ({exc.reason})")
        except csv.Error as exc:
            self.problem(fname, reader.line_num or 1, None, "csv_syntax", str(exc))
        except READ_ERRORS as exc:
            self.problem(fname, None, None, "corrupt_archive", f"cannot read entry: {exc}")
        finally:
            text.close()

    def _stage_rows(self, spec: FileSpec, reader: Any, delta: bool) -> None:
        fname = spec.filename
        header = next(reader, None)
        if header is None:
            self.problem(fname, 1, None, "empty_file", "the file is empty (no header)")
            return
        index = self.check_header(spec, header)
        if index is None:
            return
        cols = self.headers[spec.name]
        models_ = self.model(spec)
        plain = [c for c in cols if c.kind not in ("reflist", "metalist")]
        reflists = [c for c in cols if c.kind == "reflist"]
        metalists = [c for c in cols if c.kind == "metalist"]
        parsers = []
        for c in plain:
            max_len = None
            if c.dest and c.kind in ("str", "enum"):
                max_len = getattr(models_._meta.get_field(c.dest), "max_length", None)
            parsers.append((index[c.name], c, _make_parser(c, max_len)))
        meta_cols = [
            (i, h[len("metadata.") :]) for i, h in enumerate(header) if h.startswith("metadata.")
        ]
        extra = [("c_credentials", "json")] if spec.kind == "profiles" else []
        stg = _stg(spec.name)
        stg_cols = [
            ("line", "int"),
            ("sourced_id", "text"),
            ("status", "text"),
            ("metadata", "json"),
            *((_cname(c), _sqltype(c)) for c in plain),
            *extra,
        ]
        self.db.create(stg, stg_cols)
        for c in reflists:
            self.db.create(
                f"{stg}__{c.name.lower()}", [("line", "int"), ("owner", "text"), ("target", "text")]
            )
        ncols = len(header)
        bulk_text = "must be blank in a bulk file"
        rows = 0
        with _Writer(self.db, stg, [n for n, _ in stg_cols]) as out:
            child_writers = [
                _Writer(self.db, f"{stg}__{c.name.lower()}", ["line", "owner", "target"])
                for c in reflists
            ]
            # COPY allows a single open stream per connection: buffer reflist pairs instead.
            children: list[list[tuple[int, str, str]]] = [[] for _ in reflists]
            for rec in reader:
                line = reader.line_num
                rows += 1
                if self.progress and rows % 10000 == 0:
                    self.progress(spec.name, rows, None)
                if len(rec) != ncols:
                    if len(rec) == 0 or rec == [""]:
                        self.problem(fname, line, None, "blank_line", "blank line")
                    else:
                        self.problem(
                            fname,
                            line,
                            None,
                            "column_count",
                            f"{len(rec)} cells, the header has {ncols}",
                        )
                    continue
                if _decoding.bad and SURROGATE_RE.search("\x00".join(rec)):
                    bad_col = next(
                        h for h, c in zip(header, rec, strict=True) if SURROGATE_RE.search(c)
                    )
                    self.problem(fname, line, bad_col, "encoding", "not UTF-8 text")
                    continue
                good = True
                sid = rec[0]
                if not GUID_RE.match(sid):
                    good = False
                    self.problem(
                        fname,
                        line,
                        "sourcedId",
                        "guid" if sid else "required",
                        "sourcedId is required" if not sid else f"{sid[:80]!r} is not a sourcedId",
                    )
                status, dlm = rec[1], rec[2]
                if not delta:
                    if status:
                        good = False
                        self.problem(fname, line, "status", "bulk_status", f"status {bulk_text}")
                    if dlm:
                        good = False
                        self.problem(
                            fname,
                            line,
                            "dateLastModified",
                            "bulk_status",
                            f"dateLastModified {bulk_text}",
                        )
                    status = None  # type: ignore[assignment]
                else:
                    if status not in ("active", "tobedeleted"):
                        good = False
                        self.problem(
                            fname,
                            line,
                            "status",
                            "required" if not status else "enum",
                            "a delta row needs status active or tobedeleted",
                        )
                    if not dlm:
                        good = False
                        self.problem(
                            fname,
                            line,
                            "dateLastModified",
                            "required",
                            "a delta row needs dateLastModified",
                        )
                    else:
                        try:
                            _datetime(dlm)
                        except _Bad as bad:
                            good = False
                            self.problem(fname, line, "dateLastModified", bad.rule, str(bad))
                values: list[Any] = [line, sid, status, None]
                for i, c, parse in parsers:
                    cell = rec[i]
                    if cell == "":
                        if c.required:
                            good = False
                            self.problem(fname, line, c.name, "required", f"{c.name} is required")
                        values.append(_blank(c))
                        continue
                    try:
                        values.append(parse(cell))
                    except _Bad as bad:
                        good = False
                        self.problem(fname, line, c.name, bad.rule, str(bad))
                        values.append(None)
                meta: dict[str, Any] = {}
                for c in metalists:
                    if rec[index[c.name]]:
                        meta[c.name] = _split(rec[index[c.name]])
                for i, key in meta_cols:
                    if rec[i] != "":
                        meta[key] = rec[i]
                values[3] = json.dumps(meta, ensure_ascii=False)
                for k, c in enumerate(reflists):
                    cell = rec[index[c.name]]
                    ids = _split(cell)
                    if not ids and c.required:
                        good = False
                        self.problem(fname, line, c.name, "required", f"{c.name} is required")
                    for target in ids:
                        if not GUID_RE.match(target):
                            good = False
                            self.problem(
                                fname, line, c.name, "guid", f"{target[:80]!r} is not a sourcedId"
                            )
                        else:
                            children[k].append((line, sid, target))
                if spec.kind == "profiles":
                    cred = {
                        "type": rec[index["credentialType"]],
                        "username": rec[index["username"]],
                    }
                    if rec[index["password"]]:
                        cred[SECRET_FIELD] = secret_seal(plain=rec[index["password"]])
                    values.append(json.dumps([cred], ensure_ascii=False))
                if good:
                    out.write(tuple(values))
        for w, pairs in zip(child_writers, children, strict=True):
            with w:
                for pair in pairs:
                    w.write(pair)
            self.db.execute(f"ANALYZE {w.table}")
        if rows == 0:
            self.problem(fname, None, None, "empty_file", "a data file must have at least one row")
        self.db.finish(stg)
        self.report.counts[spec.name] = {"rows": rows, "created": 0, "updated": 0, "tobedeleted": 0}
        if self.progress:
            self.progress(spec.name, rows, rows)

    # -- 3. set-based checks ---------------------------------------------------------------

    def staged(self, name: str) -> bool:
        return name in self.headers

    def check_duplicates(self, spec: FileSpec) -> None:
        stg = _stg(spec.name)
        rows = self.db.fetch(
            f"SELECT line, sourced_id, first FROM (SELECT line, sourced_id, "
            f"MIN(line) OVER (PARTITION BY sourced_id) AS first FROM {stg}) x "
            f"WHERE line > first ORDER BY line LIMIT {MAX_PROBLEMS + 1}"
        )
        for line, sid, first in rows:
            self.problem(
                spec.filename,
                line,
                "sourcedId",
                "duplicate_sourced_id",
                f"sourcedId {sid!r} already used on line {first}",
            )
        if spec.kind == "roles":
            rows = self.db.fetch(
                f"SELECT line FROM (SELECT line, ROW_NUMBER() OVER (PARTITION BY "
                f"c_usersourcedid, c_role, c_orgsourcedid ORDER BY line) AS n FROM {stg}) x "
                f"WHERE n > 1 ORDER BY line LIMIT {MAX_PROBLEMS + 1}"
            )
            for (line,) in rows:
                self.problem(
                    spec.filename,
                    line,
                    "role",
                    "duplicate_role",
                    "the same user, role and org appear on an earlier line",
                )

    def _exists_sql(self, target: str, expr: str) -> str:
        """SQL that is true when ``expr`` names a known row of file ``target``."""
        parts = []
        if self.staged(target):
            parts.append(f"EXISTS (SELECT 1 FROM {_stg(target)} t WHERE t.sourced_id = {expr})")
        if self.modes.get(target) != "bulk":
            table = self.table(target)
            parts.append(f"EXISTS (SELECT 1 FROM {table} t WHERE t.sourced_id = {expr})")
        return "(" + " OR ".join(parts) + ")" if parts else "(1 = 0)"

    def check_references(self, spec: FileSpec) -> None:
        stg = _stg(spec.name)
        for col in self.headers[spec.name]:
            if not col.target or not col.check:
                continue
            if col.kind == "ref":
                sql = (
                    f"SELECT s.line, s.{_cname(col)} FROM {stg} s "
                    f"WHERE s.{_cname(col)} IS NOT NULL "
                    f"AND NOT {self._exists_sql(col.target, 's.' + _cname(col))} "
                    f"ORDER BY s.line LIMIT {MAX_PROBLEMS + 1}"
                )
            else:
                sql = (
                    f"SELECT s.line, s.target FROM {stg}__{col.name.lower()} s "
                    f"WHERE NOT {self._exists_sql(col.target, 's.target')} "
                    f"ORDER BY s.line LIMIT {MAX_PROBLEMS + 1}"
                )
            for line, ref in self.db.fetch(sql):
                where = (
                    "this package"
                    if self.modes.get(col.target) == "bulk"
                    else ("this package or the database")
                )
                self.problem(
                    spec.filename,
                    line,
                    col.name,
                    "unknown_reference",
                    f"{ref!r} is not a {col.target} sourcedId in {where}",
                )

    def check_sources(self, spec: FileSpec) -> None:
        if spec.kind != "sourced":
            return
        rows = self.db.fetch(
            f"SELECT s.line, s.sourced_id, t.source_system FROM {_stg(spec.name)} s "
            f"JOIN {self.table(spec.name)} t ON t.sourced_id = s.sourced_id "
            f"WHERE t.source_system <> %s AND t.source_system <> '' "
            f"ORDER BY s.line LIMIT {MAX_PROBLEMS + 1}",
            [self.source],
        )
        for line, sid, other in rows:
            self.problem(
                spec.filename,
                line,
                "sourcedId",
                "foreign_source",
                f"{sid!r} belongs to source {other!r}, not {self.source!r}",
            )

    def resolve_source(self) -> None:
        """Source key and home org: manifest systemCode, else the package's root orgs."""
        roots: list[str] = []
        if self.staged("orgs"):
            roots = [
                r[0]
                for r in self.db.fetch(
                    "SELECT s.sourced_id FROM stg_orgs s WHERE s.c_parentsourcedid IS NULL OR "
                    "NOT EXISTS (SELECT 1 FROM stg_orgs p "
                    "WHERE p.sourced_id = s.c_parentsourcedid) "
                    "ORDER BY s.line"
                )
            ]
        if self.home_sid is None and roots:
            self.home_sid = roots[0]
        if (
            self.home_sid
            and not roots
            and not self.db.fetch("SELECT 1 FROM roster_org WHERE sourced_id = %s", [self.home_sid])
        ):
            self.problem("", None, None, "unknown_org", f"org {self.home_sid!r} does not exist")
        key = self.system_code
        if not key and (roots or self.home_sid):
            ids = sorted(roots) if roots else [str(self.home_sid)]
            key = "orgs:" + ",".join(ids)
            if len(key) > 200:
                key = "orgs:" + hashlib.sha256(key.encode()).hexdigest()
        if not key:
            # A delta package without orgs: inherit the one source its existing rows share.
            found: set[str] = set()
            for name in self.present:
                if self.staged(name) and FILES[name].kind == "sourced":
                    found |= {
                        r[0]
                        for r in self.db.fetch(
                            f"SELECT DISTINCT t.source_system FROM {self.table(name)} t "
                            f"JOIN {_stg(name)} s ON s.sourced_id = t.sourced_id"
                        )
                    }
            found.discard("")
            if len(found) == 1:
                key = found.pop()
            else:
                self.problem(
                    MANIFEST,
                    None,
                    "source.systemCode",
                    "source",
                    "cannot tell which source this package belongs to: add source.systemCode "
                    "to the manifest, include orgs.csv or name the home org",
                )
        if key and self.home_sid is None:
            # No orgs.csv and no explicit home org: the root org earlier imports of this
            # source brought in, when there is exactly one.
            found_roots = self.db.fetch(
                "SELECT o.sourced_id FROM roster_org o WHERE o.source_system = %s AND "
                "(o.parent_id IS NULL OR o.parent_id NOT IN "
                "(SELECT p.id FROM roster_org p WHERE p.source_system = %s)) LIMIT 2",
                [key, key],
            )
            if len(found_roots) == 1:
                self.home_sid = found_roots[0][0]
        self.source = key
        self.report.source = key
        self.report.home_org = self.home_sid or ""

    # -- 4. writes -------------------------------------------------------------------------

    def _joins(self, spec: FileSpec) -> tuple[list[str], dict[str, str]]:
        """LEFT JOINs resolving every stored ref column; field name → alias."""
        joins, alias = [], {}
        for n, col in enumerate(self.headers[spec.name]):
            if col.kind == "ref" and col.dest and col.name not in spec.self_refs:
                a = f"j{n}"
                joins.append(
                    f"LEFT JOIN {self.table(str(col.target))} {a} "
                    f"ON {a}.sourced_id = s.{_cname(col)}"
                )
                alias[col.dest] = a
        return joins, alias

    def _scope_sql(
        self, spec: FileSpec, alias: dict[str, str], joins: list[str], *, existing: bool
    ) -> str:
        parts = []
        for rule in SCOPE_RULES.get(spec.model, ()):
            if rule == "roles":
                if self.staged("roles"):
                    joins.append(
                        "LEFT JOIN (SELECT usid, osid, rrole FROM (SELECT c_usersourcedid AS usid, "
                        "c_role AS rrole, "
                        "c_orgsourcedid AS osid, ROW_NUMBER() OVER (PARTITION BY c_usersourcedid "
                        "ORDER BY CASE WHEN c_roletype = 'primary' THEN 0 ELSE 1 END, line) AS n "
                        "FROM stg_roles WHERE status IS NULL OR status <> 'tobedeleted') r1 "
                        "WHERE n = 1) fr ON fr.usid = s.sourced_id "
                        "LEFT JOIN roster_org fro ON fro.sourced_id = fr.osid"
                    )
                    parts.append("fro.id")
                continue
            how, fname = rule.split(":")
            if fname in alias:
                parts.append(
                    f"{alias[fname]}.id" if how == "org" else f"{alias[fname]}.org_scope_id"
                )
        if existing:
            parts.append("ex.org_scope_id")
        parts.append("%s")
        if len(parts) == 1:
            parts.append("NULL")
        return "COALESCE(" + ", ".join(parts) + ")"

    def write_sourced(self, spec: FileSpec) -> None:
        stg, table = _stg(spec.name), self.table(spec.name)
        counts = self.report.counts[spec.name]
        delta = self.modes[spec.name] == "delta"
        model = self.model(spec)
        joins, alias = self._joins(spec)
        cols = [
            "sourced_id",
            "status",
            "date_last_modified",
            "metadata",
            "source_system",
            "created_at",
        ]
        exprs = [
            "s.sourced_id",
            "s.status" if delta else "'active'",
            "%s",
            "s.metadata",
            "%s",
            "%s",
        ]
        params: list[Any] = [self.now_v(), self.source, self.now_v()]
        for col in self.headers[spec.name]:
            if not col.dest or col.kind == "reflist":
                continue
            cols.append(self.column_of(spec, col.dest))
            if col.kind == "ref":
                exprs.append("NULL" if col.name in spec.self_refs else f"{alias[col.dest]}.id")
            else:
                exprs.append(f"s.{_cname(col)}")
        if spec.model == "Demographics":
            joins.append("LEFT JOIN roster_user du ON du.sourced_id = s.sourced_id")
            cols.append("user_id")
            exprs.append("du.id")
            alias["user"] = "du"
        scoped = any(f.name == "org_scope" for f in model._meta.fields)
        empty = not self.db.fetch(f"SELECT 1 FROM {table} LIMIT 1")
        if not empty:
            joins.append(f"LEFT JOIN {table} ex ON ex.sourced_id = s.sourced_id")
        scope_params: list[Any] = []
        if scoped:
            scope = self._scope_sql(spec, alias, joins, existing=not empty)
            cols.append("org_scope_id")
            exprs.append(scope)
            if spec.model == "User" and self.staged("roles"):
                # The denormalised primary role comes with the row (same first-role join).
                cols.append("primary_role")
                exprs.append("COALESCE(fr.rrole, '')")
            scope_params = [self.home_id]
            params.append(self.home_id)
            if self.home_id is None:
                missing = self.db.fetch(
                    f"SELECT s.line FROM {stg} s {' '.join(joins)} WHERE {scope} IS NULL "
                    f"ORDER BY s.line LIMIT {MAX_PROBLEMS + 1}",
                    scope_params,
                )
                for (line,) in missing:
                    self.problem(
                        spec.filename,
                        line,
                        None,
                        "org_scope",
                        "no org to place this new row under: include orgs.csv or name the home org",
                    )
                if missing:
                    raise _Abort
        insert_only = {"sourced_id", "created_at"}
        for f in model._meta.concrete_fields:
            if f.primary_key or f.null or f.column in cols or not f.has_default():
                continue
            default = f.get_default()
            if isinstance(default, list | dict):
                default = json.dumps(default)
            cols.append(f.column)
            exprs.append("%s")
            params.append(self.db.value(default))
            insert_only.add(f.column)
        counts["updated"] = 0
        if not empty:
            counts["updated"] = self.db.fetch(
                f"SELECT COUNT(*) FROM {stg} s JOIN {table} t ON t.sourced_id = s.sourced_id"
            )[0][0]
        counts["created"] = counts["rows"] - counts["updated"]
        if delta:
            counts["tobedeleted"] = self.db.fetch(
                f"SELECT COUNT(*) FROM {stg} WHERE status = 'tobedeleted'"
            )[0][0]
        q = connection.ops.quote_name
        updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in cols if c not in insert_only)
        with self.bulk_load(table, counts["rows"], empty):
            self.db.execute(
                f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) "
                f"SELECT {', '.join(exprs)} FROM {stg} s {' '.join(joins)} WHERE true "
                f"ON CONFLICT (sourced_id) DO UPDATE SET {updates}",
                params,
            )
        for name in spec.self_refs:
            col = next(c for c in self.headers[spec.name] if c.name == name)
            dcol = self.column_of(spec, str(col.dest))
            self.db.execute(
                f"UPDATE {table} SET {dcol} = (SELECT p.id FROM {stg} s JOIN {table} p "
                f"ON p.sourced_id = s.{_cname(col)} WHERE s.sourced_id = {table}.sourced_id) "
                f"WHERE sourced_id IN (SELECT sourced_id FROM {stg})"
            )
        for m2m in spec.m2m:
            if not any(c.name == m2m.column for c in self.headers[spec.name]):
                continue
            col = next(c for c in spec.columns if c.name == m2m.column)
            child = f"{stg}__{m2m.column.lower()}"
            if not empty:
                self.db.execute(
                    f"DELETE FROM {m2m.table} WHERE {m2m.owner_col} IN "
                    f"(SELECT o.id FROM {table} o JOIN {stg} s ON s.sourced_id = o.sourced_id)"
                )
            self.db.execute(
                f"INSERT INTO {m2m.table} ({m2m.owner_col}, {m2m.target_col}) "
                f"SELECT DISTINCT o.id, t.id FROM {child} c "
                f"JOIN {table} o ON o.sourced_id = c.owner "
                f"JOIN {self.table(str(col.target))} t ON t.sourced_id = c.target"
            )
        if not delta and not empty:
            counts["tobedeleted"] = self.db.execute(
                f"UPDATE {table} SET status = 'tobedeleted', date_last_modified = %s "
                f"WHERE source_system = %s AND status <> 'tobedeleted' AND NOT EXISTS "
                f"(SELECT 1 FROM {stg} s WHERE s.sourced_id = {table}.sourced_id)",
                [self.now_v(), self.source],
            )

    def write_roles(self, spec: FileSpec) -> None:
        counts = self.report.counts[spec.name]
        user_ids = (
            "SELECT u.id FROM roster_user u JOIN stg_roles s ON s.c_usersourcedid = u.sourced_id"
        )
        if self.modes[spec.name] == "bulk":
            counts["tobedeleted"] = self.db.execute(
                "DELETE FROM roster_userrole WHERE user_id IN "
                f"(SELECT id FROM roster_user WHERE source_system = %s) OR user_id IN ({user_ids})",
                [self.source],
            )
        else:
            counts["tobedeleted"] = self.db.execute(
                "DELETE FROM roster_userrole WHERE EXISTS (SELECT 1 FROM stg_roles s "
                "JOIN roster_user u ON u.sourced_id = s.c_usersourcedid "
                "JOIN roster_org o ON o.sourced_id = s.c_orgsourcedid "
                "WHERE s.status = 'tobedeleted' AND u.id = roster_userrole.user_id "
                "AND o.id = roster_userrole.org_id AND s.c_role = roster_userrole.role)"
            )
        empty = not self.db.fetch("SELECT 1 FROM roster_userrole LIMIT 1")
        with self.bulk_load("roster_userrole", counts["rows"], empty):
            counts["created"] = self._insert_roles()
        self.update_primary_role()

    def _insert_roles(self) -> int:
        return self.db.execute(
            "INSERT INTO roster_userrole (user_id, role_type, role, org_id, user_profile, "
            "begin_date, end_date, position) SELECT u.id, s.c_roletype, s.c_role, o.id, "
            "COALESCE(s.c_userprofilesourcedid, ''), s.c_begindate, s.c_enddate, "
            "ROW_NUMBER() OVER (PARTITION BY s.c_usersourcedid ORDER BY s.line) - 1 "
            "FROM stg_roles s JOIN roster_user u ON u.sourced_id = s.c_usersourcedid "
            "JOIN roster_org o ON o.sourced_id = s.c_orgsourcedid "
            "WHERE s.status IS NULL OR s.status <> 'tobedeleted' "
            "ON CONFLICT (user_id, role, org_id) DO UPDATE SET role_type = excluded.role_type, "
            "user_profile = excluded.user_profile, begin_date = excluded.begin_date, "
            "end_date = excluded.end_date, position = excluded.position"
        )

    def update_primary_role(self) -> None:
        """Keep the denormalised ``User.primary_role`` in step with the user's roles (rows of
        a users.csv in a package with bulk roles already got it on insert)."""
        first = (
            "COALESCE((SELECT r.role FROM roster_userrole r WHERE r.user_id = roster_user.id "
            "ORDER BY CASE WHEN r.role_type = 'primary' THEN 0 ELSE 1 END, r.position "
            "LIMIT 1), '')"
        )
        where = "sourced_id IN (SELECT c_usersourcedid FROM stg_roles)"
        if self.staged("users") and self.modes.get("roles") == "bulk":
            where += " AND sourced_id NOT IN (SELECT sourced_id FROM stg_users)"
        self.db.execute(
            f"UPDATE roster_user SET primary_role = {first} WHERE {where} "
            f"AND primary_role <> {first}"
        )

    @contextmanager
    def bulk_load(self, table: str, rows: int, empty: bool) -> Iterator[None]:
        """Big PostgreSQL loads: drop the table's foreign keys (every reference was checked
        above, and re-adding a constraint validates it in one set-based pass instead of a
        trigger call per row and key) and, into an empty table, its plain indexes too; put
        them back before leaving. Costs an exclusive table lock until commit."""
        if not self.db.pg or rows < BULK_LOAD_ROWS:
            yield
            return
        fks = self.db.fetch(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        indexes: list[tuple[str, str]] = []
        if empty:
            indexes = self.db.fetch(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT x.indisunique AND NOT x.indisprimary",
                [table],
            )
        for name, _ in fks:
            self.db.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            self.db.execute(f'DROP INDEX "{name}"')
        yield
        self.db.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            self.db.execute(definition)
        for name, definition in fks:
            self.db.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')

    def write_profiles(self, spec: FileSpec) -> None:
        counts = self.report.counts[spec.name]
        stg = "stg_userprofiles"
        if self.modes[spec.name] == "bulk":
            counts["tobedeleted"] = self.db.execute(
                "DELETE FROM roster_userprofile WHERE user_id IN (SELECT id FROM roster_user "
                f"WHERE source_system = %s) AND sourced_id NOT IN (SELECT sourced_id FROM {stg})",
                [self.source],
            )
        else:
            counts["tobedeleted"] = self.db.execute(
                "DELETE FROM roster_userprofile WHERE sourced_id IN "
                f"(SELECT sourced_id FROM {stg} WHERE status = 'tobedeleted')"
            )
        counts["updated"] = self.db.fetch(
            f"SELECT COUNT(*) FROM {stg} s "
            "JOIN roster_userprofile t ON t.sourced_id = s.sourced_id "
            "WHERE s.status IS NULL OR s.status <> 'tobedeleted'"
        )[0][0]
        created = self.db.execute(
            "INSERT INTO roster_userprofile (sourced_id, user_id, profile_type, vendor_id, "
            "application_id, description, credentials) SELECT s.sourced_id, u.id, "
            "s.c_profiletype, s.c_vendorid, s.c_applicationid, s.c_description, s.c_credentials "
            f"FROM {stg} s JOIN roster_user u ON u.sourced_id = s.c_usersourcedid "
            "WHERE s.status IS NULL OR s.status <> 'tobedeleted' "
            "ON CONFLICT (sourced_id) DO UPDATE SET user_id = excluded.user_id, "
            "profile_type = excluded.profile_type, vendor_id = excluded.vendor_id, "
            "application_id = excluded.application_id, description = excluded.description, "
            "credentials = excluded.credentials"
        )
        counts["created"] = created - counts["updated"]

    def write_scale_link(self, spec: FileSpec) -> None:
        stg, table = _stg(spec.name), self.table(spec.model[0].lower() + spec.model[1:] + "s")
        owner = "c_lineitemsourcedid" if spec.model == "LineItem" else "c_resultsourcedid"
        where = f"sourced_id IN (SELECT {owner} FROM {stg})"
        params: list[Any] = []
        if self.modes[spec.name] == "bulk":
            where += " OR source_system = %s"
            params.append(self.source)
        self.report.counts[spec.name]["updated"] = self.db.execute(
            f"UPDATE {table} SET score_scale_id = (SELECT ss.id FROM {stg} x "
            "JOIN roster_scorescale ss ON ss.sourced_id = x.c_scorescalesourcedid "
            f"WHERE x.{owner} = {table}.sourced_id AND (x.status IS NULL OR "
            "x.status <> 'tobedeleted') ORDER BY x.line DESC LIMIT 1) "
            f"WHERE {where}",
            params,
        )

    def write_objectives(self, spec: FileSpec) -> None:
        stg = _stg(spec.name)
        line_item = spec.model == "LineItem"
        model = self.model(spec)
        owner = "c_lineitemsourcedid" if line_item else "c_resultsourcedid"
        extra = "" if line_item else ", c_score, c_textscore"
        sets: dict[str, list[dict[str, Any]]] = {}
        for row in self.db.fetch(
            f"SELECT {owner}, c_source, c_learningobjectiveid{extra} FROM {stg} "
            "WHERE status IS NULL OR status <> 'tobedeleted' ORDER BY line"
        ):
            groups = sets.setdefault(row[0], [])
            group = next((g for g in groups if g["source"] == row[1]), None)
            if group is None:
                key = "learningObjectiveIds" if line_item else "learningObjectiveResults"
                group = {"source": row[1], key: []}
                groups.append(group)
            if line_item:
                group["learningObjectiveIds"].append(row[2])
            else:
                item: dict[str, Any] = {"learningObjectiveId": row[2]}
                if row[3] is not None:
                    item["score"] = row[3]
                if row[4]:
                    item["textScore"] = row[4]
                group["learningObjectiveResults"].append(item)
        listed = [r[0] for r in self.db.fetch(f"SELECT DISTINCT {owner} FROM {stg}")]
        if self.modes[spec.name] == "bulk":
            model.objects.filter(source_system=self.source).exclude(
                sourced_id__in=list(sets)
            ).exclude(learning_objective_set=[]).update(learning_objective_set=[])
        for sid in listed:
            model.objects.filter(sourced_id=sid).update(learning_objective_set=sets.get(sid, []))
        self.report.counts[spec.name]["updated"] = len(listed)

    # -- driver ----------------------------------------------------------------------------

    def timed(self, phase: str, fn: Callable[..., None], *args: Any) -> None:
        started = time.monotonic()
        try:
            fn(*args)
        finally:
            self.report.timings[phase] = time.monotonic() - started

    def run(self) -> None:
        for name in self.present:
            self.timed(f"stage:{name}", self.stage, FILES[name])
        if self.report.problem_count:
            raise _Abort
        self.resolve_source()
        for name in self.present:
            spec = FILES[name]
            self.timed(f"check:{name}", self._check, spec)
        if self.report.problem_count:
            raise _Abort
        self._resolve_home_id()
        if self.db.pg:
            # Check foreign keys per statement: nothing is left pending for the commit, and a
            # big load may then drop and re-add constraints (see bulk_load).
            self.db.execute("SET CONSTRAINTS ALL IMMEDIATE")
        writers = {
            "sourced": self.write_sourced,
            "roles": self.write_roles,
            "profiles": self.write_profiles,
            "scale_link": self.write_scale_link,
            "lo": self.write_objectives,
        }
        for name in self.present:
            spec = FILES[name]
            self.timed(f"write:{name}", writers[spec.kind], spec)
            if name == "orgs":
                self._resolve_home_id()

    def _check(self, spec: FileSpec) -> None:
        self.check_duplicates(spec)
        self.check_references(spec)
        self.check_sources(spec)

    def _resolve_home_id(self) -> None:
        if self.home_sid and self.home_id is None:
            found = self.db.fetch(
                "SELECT id FROM roster_org WHERE sourced_id = %s", [self.home_sid]
            )
            self.home_id = found[0][0] if found else None


# ---------------------------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------------------------


def _read_manifest(archive: PackageArchive, report: ImportReport) -> tuple[dict[str, str], str]:
    """Per-file modes and source.systemCode; problems go into the report."""
    if MANIFEST not in archive.names:
        report.add(MANIFEST, None, None, "missing_manifest", "manifest.csv is required")
        return {}, ""
    props: dict[str, str] = {}
    try:
        with archive.open(MANIFEST) as raw:
            data = raw.read()
        text = data.decode("utf-8-sig")
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
        if header != ["propertyName", "value"]:
            report.add(MANIFEST, 1, None, "manifest_header", "header must be propertyName,value")
            return {}, ""
        for rec in reader:
            if len(rec) != 2:
                report.add(MANIFEST, reader.line_num, None, "column_count", "two cells expected")
                continue
            props[rec[0]] = rec[1].strip()
    except UnicodeDecodeError as exc:
        report.add(MANIFEST, None, None, "encoding", f"not UTF-8 ({exc.reason})")
        return {}, ""
    except csv.Error as exc:
        report.add(MANIFEST, None, None, "csv_syntax", str(exc))
        return {}, ""
    if props.get("manifest.version") != "1.0":
        report.add(MANIFEST, None, "manifest.version", "manifest_version", "must be 1.0")
    version = props.get("oneroster.version", "")
    report.manifest_version = version
    if version not in VERSIONS:
        report.add(
            MANIFEST,
            None,
            "oneroster.version",
            "oneroster_version",
            f"{version!r} is not supported (1.2 or 1.2.1)",
        )
    modes: dict[str, str] = {}
    for prop, value in props.items():
        if not prop.startswith("file."):
            if prop not in ("manifest.version", "oneroster.version") and not prop.startswith(
                "source."
            ):
                report.add(MANIFEST, None, prop, "unknown_property", f"unknown property {prop!r}")
            continue
        name = prop[len("file.") :].rstrip("*")
        if name not in FILES:
            report.add(MANIFEST, None, prop, "unknown_file", f"{prop!r} names no OneRoster file")
        elif value not in MODES:
            report.add(MANIFEST, None, prop, "enum", f"{value!r} is not absent, bulk or delta")
        else:
            modes[name] = value
    return modes, props.get("source.systemCode", "")


def _check_entries(archive: PackageArchive, modes: dict[str, str], report: ImportReport) -> None:
    present = set(archive.names)
    for name in archive.names:
        if name == MANIFEST:
            continue
        base = name[:-4] if name.endswith(".csv") else None
        if base not in FILES:
            report.add(name, None, None, "unknown_file", f"{name!r} is not a OneRoster file")
        elif modes.get(base, "absent") == "absent":
            report.add(
                name,
                None,
                None,
                "not_in_manifest",
                f"{name} is in the package but the manifest marks it absent",
            )
    for base, mode in modes.items():
        if mode != "absent" and f"{base}.csv" not in present:
            report.add(
                f"{base}.csv",
                None,
                None,
                "missing_file",
                f"the manifest lists {base}.csv as {mode} but it is not in the package",
            )


# ---------------------------------------------------------------------------------------------
# Service
# ---------------------------------------------------------------------------------------------


def oneroster_csv_import(
    *,
    package: Path | BinaryIO,
    dry_run: bool = False,
    progress: ProgressFn | None = None,
    home_org: str | None = None,
    limits: ArchiveLimits | None = None,
) -> ImportReport:
    """Import a OneRoster 1.2 / 1.2.1 CSV package (bulk and/or delta files), all or nothing.

    ``home_org`` (a sourcedId) places new rows that no reference scopes when the package has
    no orgs.csv. Never raises for bad input: every problem is in the returned report.
    """
    started = time.monotonic()
    report = ImportReport(ok=False, dry_run=dry_run, source="", manifest_version="")
    try:
        archive = PackageArchive(package, limits)
    except ArchiveRejected as exc:
        for file, rule, message in exc.problems:
            report.add(file, None, None, rule, message)
        return report
    try:
        modes, system_code = _read_manifest(archive, report)
        report.modes = {k: v for k, v in modes.items() if v != "absent"}
        if not report.problem_count:
            _check_entries(archive, modes, report)
        if report.problem_count:
            return report
        run = _Run(report, archive, modes, system_code, home_org, progress)
        try:
            with transaction.atomic(durable=True):
                try:
                    run.run()
                    if dry_run:
                        raise _Abort
                finally:
                    run.db.drop_all()
        except _Abort:
            pass
        except ArchiveRejected as exc:
            for file, rule, message in exc.problems:
                report.add(file, None, None, rule, message)
        except DatabaseError as exc:
            # A constraint the checks above do not model (e.g. a concurrent writer): the
            # transaction is rolled back and the reason reported, not raised.
            report.add("", None, None, "database", str(exc).strip().splitlines()[0])
        report.ok = report.problem_count == 0
        if not report.ok:
            for counts in report.counts.values():
                counts.update(created=0, updated=0, tobedeleted=0)
        return report
    finally:
        archive.close()
        report.seconds = time.monotonic() - started
