r"""Set-based upserts for the pipeline's batches.

``bulk_upsert`` means ``QuerySet.bulk_create`` with the same arguments. On PostgreSQL it
``COPY``\ s the rows into a per-connection staging table and upserts them with one
``INSERT … SELECT … ON CONFLICT``: no statement with tens of thousands of parameters to
compile and quote value by value, which was most of a batch's CPU time. Elsewhere (SQLite)
it is ``bulk_create`` itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

__all__ = ["bulk_upsert"]


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
    if connection.vendor != "postgresql":
        options: dict[str, Any] = {"batch_size": 500}
        if ignore_conflicts:
            options["ignore_conflicts"] = True
        elif update_fields:
            options.update(
                update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
            )
        model._default_manager.bulk_create(objs, **options)
        return

    meta = model._meta
    fields = [
        f
        for f in meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]
    now = timezone.now()
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    staging = quote(f"_bulk_{meta.db_table}")
    columns = ", ".join(quote(_column(meta, f.name)) for f in fields)
    with connection.cursor() as cursor:
        # A staging table per target, private to this session; its rows vanish at commit
        # (truncated, so no dead rows pile up in a long-lived connection). Created with IF NOT
        # EXISTS every time: a rolled-back transaction takes a new temp table with it.
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        json_fields = {i for i, f in enumerate(fields) if isinstance(f, models.JSONField)}
        auto = {
            i
            for i, f in enumerate(fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        }
        attnames = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {staging} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = [getattr(obj, name) for name in attnames]
                for i in auto:
                    row[i] = now
                for i in json_fields:
                    row[i] = None if row[i] is None else json.dumps(row[i])
                copy.write_row(row)
        sql = f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging}"
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        elif update_fields:
            target = ", ".join(quote(_column(meta, name)) for name in unique_fields)
            updates = ", ".join(
                f"{quote(col)} = EXCLUDED.{quote(col)}"
                for col in (_column(meta, name) for name in update_fields)
            )
            sql += f" ON CONFLICT ({target}) DO UPDATE SET {updates}"
        cursor.execute(sql)
        # Empty again for a second upsert of this model in the same transaction.
        cursor.execute(f"DELETE FROM {staging}")


def _column(meta: Any, name: str) -> str:
    column = meta.get_field(name).column
    assert isinstance(column, str), name
    return column
