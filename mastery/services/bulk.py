r"""Set-based upserts for the pipeline's batches.

``bulk_upsert`` takes model instances, ``bulk_upsert_rows`` plain tuples (the hot paths:
building tens of thousands of model instances per batch was a large share of its CPU time),
optionally adding amounts to the stored rows (sums kept a batch at a time).
On PostgreSQL both ``COPY`` the rows into a per-connection staging table and upsert them with
one ``INSERT … SELECT … ON CONFLICT``: no statement with tens of thousands of parameters to
compile and quote value by value. Elsewhere (SQLite) they are ``bulk_create``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from django.db import connection, models
from django.utils import timezone

__all__ = ["bulk_upsert", "bulk_upsert_rows", "is_postgresql", "json_text"]


def json_text(value: Any) -> str:
    """``value`` as JSON text for a ``jsonb`` column: by orjson (several times faster than
    ``json`` on the pipeline's small documents; ``jsonb`` keeps the value, not the text), by
    ``json`` for what orjson refuses (an integer beyond 64 bits, a non-string key)."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def is_postgresql() -> bool:
    """True when the default database is PostgreSQL (the set-based SQL paths apply)."""
    return connection.vendor == "postgresql"


def bulk_upsert(
    objs: Sequence[models.Model],
    *,
    unique_fields: Sequence[str] = (),
    update_fields: Sequence[str] = (),
    ignore_conflicts: bool = False,
) -> None:
    """Insert ``objs`` (all of one model); on a conflict over ``unique_fields`` set
    ``update_fields`` from the new row, or do nothing when ``ignore_conflicts``. Auto
    timestamps are set to now. Primary keys are not set on ``objs``."""
    if not objs:
        return
    model = type(objs[0])
    if not is_postgresql():
        _bulk_create(model, objs, unique_fields, update_fields, ignore_conflicts)
        return
    attnames = [f.attname for f in _insert_fields(model)]
    bulk_upsert_rows(
        model,
        fields=attnames,
        rows=[tuple(getattr(obj, name) for name in attnames) for obj in objs],
        unique_fields=unique_fields,
        update_fields=update_fields,
        ignore_conflicts=ignore_conflicts,
    )


def bulk_upsert_rows(
    model: type[models.Model],
    *,
    fields: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    unique_fields: Sequence[str] = (),
    update_fields: Sequence[str] = (),
    ignore_conflicts: bool = False,
    increment_fields: Sequence[str] = (),
) -> int:
    """``bulk_upsert`` of plain tuples: ``rows`` hold the values of ``fields`` (attnames,
    e.g. ``student_id``), in that order. Other columns take their model default; auto
    timestamps are set to now; JSON values are Python objects. On a conflict,
    ``increment_fields`` are added to the stored values (floats rounded to 6 decimals, as
    every sum of the pipeline) and ``update_fields`` replaced. Rows are written in
    ``unique_fields`` order, so two transactions lock shared rows in one order. Returns the
    rows given."""
    rows = list(rows)
    if not rows:
        return 0
    meta = model._meta
    given = [meta.get_field(name) for name in fields]
    if increment_fields and not is_postgresql():
        return _increment_sqlite(
            model, fields, rows, unique_fields, update_fields, increment_fields
        )
    if not is_postgresql():
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        _bulk_create(model, objs, unique_fields, update_fields, ignore_conflicts)
        return len(rows)

    now = timezone.now()
    given_names = {f.name for f in given}
    rest = [f for f in _insert_fields(model) if f.name not in given_names]
    tail = tuple(_stored_default(f, now) for f in rest)
    # A callable default other than an empty container (a uuid4 token) differs per row.
    fresh = [
        i
        for i, f in enumerate(rest)
        if f.has_default()
        and callable(f.default)
        and f.default not in (list, dict)
        and not _is_auto_time(f)
    ]
    # Auto timestamps among the given fields are overwritten with now, as save() would.
    auto_given = [i for i, f in enumerate(given) if _is_auto_time(f)]
    json_given = [i for i, f in enumerate(given) if isinstance(f, models.JSONField)]
    columns_of = [*given, *rest]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    staging = quote(f"_bulk_{meta.db_table}")
    columns = ", ".join(quote(f.column) for f in columns_of)
    plain_insert = not (unique_fields or update_fields or increment_fields or ignore_conflicts)
    with connection.cursor() as cursor:
        # A staging table per target, private to this session; its rows vanish at commit
        # (truncated, so no dead rows pile up in a long-lived connection). Created with IF NOT
        # EXISTS every time: a rolled-back transaction takes a new temp table with it.
        if not plain_insert:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
        # Appends (no conflict to settle) go straight into the table.
        target_table = table if plain_insert else staging
        with cursor.cursor.copy(f"COPY {target_table} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            if not auto_given and not json_given and not fresh:
                for row in rows:
                    write(row + tail)
            else:
                for row in rows:
                    values = list(row)
                    for i in auto_given:
                        values[i] = now
                    for i in json_given:
                        values[i] = None if values[i] is None else json_text(values[i])
                    extra = list(tail)
                    for i in fresh:
                        extra[i] = _stored_default(rest[i], now)
                    write((*values, *extra))
        if plain_insert:
            return len(rows)
        sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging}"
        target = ", ".join(quote(_column(meta, name)) for name in unique_fields)
        if increment_fields:
            sql += f" ORDER BY {target}"
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        elif update_fields or increment_fields:
            updates = ", ".join(
                [
                    *(_added(meta, name, table, "EXCLUDED") for name in increment_fields),
                    *(
                        f"{quote(col)} = EXCLUDED.{quote(col)}"
                        for col in (_column(meta, name) for name in update_fields)
                    ),
                ]
            )
            sql += f" ON CONFLICT ({target}) DO UPDATE SET {updates}"
        cursor.execute(sql)
        # Empty again for a second upsert of this model in the same transaction.
        cursor.execute(f"DELETE FROM {staging}")
    return len(rows)


def _added(meta: Any, name: str, table: str, new: str) -> str:
    """``col = stored + new`` for one incremented field; floats rounded to 6 decimals."""
    field = meta.get_field(name)
    col = connection.ops.quote_name(field.column)
    total = f"{table}.{col} + {new}.{col}"
    if isinstance(field, models.FloatField):
        if is_postgresql():
            return f"{col} = round(({total})::numeric, 6)::float8"
        return f"{col} = round({total}, 6)"
    return f"{col} = {total}"


def _increment_sqlite(
    model: type[models.Model],
    fields: Sequence[str],
    rows: list[tuple[Any, ...]],
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    increment_fields: Sequence[str],
) -> int:
    """``bulk_upsert_rows`` with increments where there is no COPY: one parameterised
    ``INSERT … ON CONFLICT DO UPDATE`` per row (SQLite, the embedded default)."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    now = timezone.now()
    given = [meta.get_field(name) for name in fields]
    given_names = {f.name for f in given}
    rest = [f for f in _insert_fields(model) if f.name not in given_names]
    columns = ", ".join(quote(f.column) for f in [*given, *rest])
    marks = ", ".join(["%s"] * (len(given) + len(rest)))
    target = ", ".join(quote(_column(meta, name)) for name in unique_fields)
    updates = ", ".join(
        [
            *(_added(meta, name, table, "excluded") for name in increment_fields),
            *(
                f"{quote(c)} = excluded.{quote(c)}"
                for c in (_column(meta, n) for n in update_fields)
            ),
        ]
    )
    tail = [_stored_default(f, now) for f in rest]
    key_at = [list(fields).index(_attname(meta, name)) for name in unique_fields]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
            f"ON CONFLICT ({target}) DO UPDATE SET {updates}",
            [(*row, *tail) for row in sorted(rows, key=lambda r: [r[i] for i in key_at])],
        )
    return len(rows)


def _attname(meta: Any, name: str) -> str:
    attname = meta.get_field(name).attname
    assert isinstance(attname, str), name
    return attname


def _bulk_create(
    model: type[models.Model],
    objs: Sequence[models.Model],
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    ignore_conflicts: bool,
) -> None:
    options: dict[str, Any] = {"batch_size": 500}
    if ignore_conflicts:
        options["ignore_conflicts"] = True
    elif update_fields:
        options.update(
            update_conflicts=True,
            unique_fields=[model._meta.get_field(n).name for n in unique_fields],
            update_fields=[model._meta.get_field(n).name for n in update_fields],
        )
    model._default_manager.bulk_create(objs, **options)


def _insert_fields(model: type[models.Model]) -> list[Any]:
    return [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]


def _is_auto_time(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _stored_default(field: Any, now: Any) -> Any:
    if _is_auto_time(field):
        return now
    value = field.get_default()
    if isinstance(field, models.JSONField):
        return None if value is None else json_text(value)
    return value


def _column(meta: Any, name: str) -> str:
    column = meta.get_field(name).column
    assert isinstance(column, str), name
    return column
