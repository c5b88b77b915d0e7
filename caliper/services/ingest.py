"""Accept a Caliper envelope: validate it, check who sent it and about whom, and store its
events and entities in one transaction, all or nothing.

Per envelope the database sees a fixed number of statements whatever the number of events:
one SELECT matching the actors to roster users, then inside one transaction one INSERT of the
job, one binary COPY (PostgreSQL, from five events; a multi-row INSERT otherwise) of the
events, one INSERT of their outbox rows and, when the envelope describes entities, one
upsert of them. The learning pipeline is told which lanes have new work only after the
commit; if that message is lost, its sweeper finds the events anyway in the outbox
(``EventOutbox``, written in the same transaction).

Ids stored before are not looked up first: the unique event id refuses them in the write,
which then rolls back whole, and a second pass that does look them up answers the resend
(a no-op counted in ``duplicates``) or the conflict (409). Resends are rare; one SELECT per
envelope is not. A dry run (``/validate``) always looks them up.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import operator
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from psycopg import postgres
from psycopg.adapt import Dumper
from psycopg.pq import Format

from caliper.models import CaliperEntity, CaliperEvent, EventOutbox, IngestJob
from caliper.services.actors import ActorMatch, actor_keys, actors_match
from caliper.services.canonical import canonical_bytes
from caliper.services.extract import datetime_parse, text_clip, timeback_columns
from caliper.validation import Problem, entity_id, envelope_validate, event_kind
from common.exceptions import ApplicationError
from tenancy.selectors import Grant, sensor_registered

__all__ = [
    "CaliperRejected",
    "IngestResult",
    "body_hash",
    "canonical_json",
    "events_ingest",
    "lanes_enqueue",
]

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Rule codes and messages of the refusals decided here (validation has its own)
# ---------------------------------------------------------------------------------------------

RULE_MAX_ITEMS = "max-items"
RULE_SENSOR = "sensor-not-registered"
RULE_ACTOR_OUTSIDE_GRANT = "actor-outside-grant"
RULE_ID_CONFLICT = "id-conflict"
RULE_MAX_LENGTH = "max-length"
RULE_RANGE = "range"

MSG_REJECTED = "The envelope was refused; nothing was stored"
MSG_INVALID = "The envelope is not valid Caliper 1.2; nothing was stored"
MSG_TOO_MANY = "data: holds {count} items, more than the limit of {limit} per envelope"
MSG_SENSOR = (
    "sensor: '{value}' is not a sensor registered to this client (register it with "
    "createclient --sensor or in the admin)"
)
MSG_ED_APP = "{field}: '{value}' is not an app registered to this client"
MSG_ACTOR_OUTSIDE = "{field}: the actor is a user outside this client's grant"
MSG_ID_CONFLICT = "{field}: event '{value}' was accepted before with a different body"
MSG_ID_CONFLICT_BATCH = (
    "{field}: event '{value}' appears twice in the envelope with different bodies"
)
MSG_TOO_LONG = "{field}: is longer than {limit} characters"
MSG_SECONDS_SUM = "{field}: the '{metric}' items add up to more than 86,400 seconds"

_IRI_MAX = 2048
_EMAIL_MAX = 320
_TERM_MAX = 64


class CaliperRejected(ApplicationError):
    """An envelope refused as a whole; ``problems`` name the index, field and rule of each
    reason. ``status_code`` is the HTTP status it answers with."""

    def __init__(self, message: str, *, problems: list[Problem], status_code: int) -> None:
        first = problems[0] if problems else None
        super().__init__(message, field=first.field if first else None)
        self.problems = problems
        self.status_code = status_code


@dataclass(frozen=True)
class IngestResult:
    """An accepted envelope: its job (None for a dry run), how many events were stored, how
    many were resends of events stored before, and how many entities were described."""

    job_id: uuid.UUID | None
    accepted: int
    duplicates: int
    entities: int


def canonical_json(item: dict[str, Any]) -> str:
    """The canonical JSON text of ``item``: sorted keys, compact separators, UTF-8 as is."""
    return canonical_bytes(item).decode("utf-8")


def body_hash(item: dict[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of ``item`` (sorted keys, compact separators)."""
    return hashlib.sha256(canonical_bytes(item)).hexdigest()


def lanes_enqueue(*, lanes: Iterable[int]) -> None:
    """Tell the learning pipeline that ``lanes`` have new events. Broker or import errors are
    logged, never raised: the events are committed and the sweeper will pick them up."""
    try:
        from mastery.services import learning_events_enqueue

        learning_events_enqueue(lanes=sorted(set(lanes)))
    except Exception:
        logger.exception("Could not enqueue learning-event processing; the sweeper will")


class _LookupNeeded(Exception):
    """A pass without the stored-ids lookup would refuse an event that may have been stored
    before: a resend is a no-op and must not be refused (nor refused for another reason than
    a conflict), so only a pass that knows the stored ids may decide."""


def _reject(problems: list[Problem], status: int, message: str = MSG_REJECTED) -> CaliperRejected:
    return CaliperRejected(message, problems=problems, status_code=status)


# ---------------------------------------------------------------------------------------------
# The service
# ---------------------------------------------------------------------------------------------


def events_ingest(*, grant: Grant, payload: object, dry_run: bool = False) -> IngestResult:
    """Store the envelope ``payload`` sent under ``grant``, or refuse it whole.

    Raises ``CaliperRejected`` (nothing stored) with status 413 when ``data`` holds more than
    ``CALIPER_MAX_EVENTS_PER_ENVELOPE`` items, 400/422 when it is not valid Caliper 1.2, 403
    when its sensor or an event's edApp is not registered to the client or an actor is a user
    outside the grant, 409 when an event id was stored before with a different body. A resend
    of a stored event is a no-op counted in ``duplicates``. With ``dry_run`` every check runs
    (including the database ones) and nothing is written.
    """
    try:
        return _ingest(grant=grant, payload=payload, dry_run=dry_run, lookup=dry_run)
    except _LookupNeeded:
        return _ingest(grant=grant, payload=payload, dry_run=dry_run, lookup=True)
    except IntegrityError:
        # An event id is stored already (a resend, or another request stored it meanwhile):
        # the transaction rolled back, and a second pass that looks the ids up sees those
        # rows (duplicate or 409).
        return _ingest(grant=grant, payload=payload, dry_run=dry_run, lookup=True)


def _ingest(*, grant: Grant, payload: object, dry_run: bool, lookup: bool) -> IngestResult:
    limit = settings.CALIPER_MAX_EVENTS_PER_ENVELOPE
    data = payload.get("data") if isinstance(payload, dict) else None
    if isinstance(data, list) and len(data) > limit:
        raise _reject(
            [
                Problem(
                    None,
                    "data",
                    RULE_MAX_ITEMS,
                    MSG_TOO_MANY.format(count=len(data), limit=limit),
                    413,
                )
            ],
            413,
        )
    problems = envelope_validate(payload=payload)
    if problems:
        raise _reject(problems, min(p.status for p in problems), MSG_INVALID)
    assert isinstance(payload, dict) and isinstance(data, list)  # the validator promised it

    sensors = grant.sensors
    sensor: str = payload["sensor"]
    if len(sensor) > _IRI_MAX:
        message = MSG_TOO_LONG.format(field="sensor", limit=_IRI_MAX)
        raise _reject([Problem(None, "sensor", RULE_MAX_LENGTH, message)], 400)
    if not sensor_registered(iri=sensor, sensors=sensors):
        raise _reject(
            [Problem(None, "sensor", RULE_SENSOR, MSG_SENSOR.format(value=sensor[:200]), 403)],
            403,
        )
    send_time = datetime_parse(payload["sendTime"])

    # ---- one pass over the items: what to check, what to look up -------------------------
    events: list[tuple[int, dict[str, Any], str, str, bytes, str, str, str, str, str]] = []
    entities: dict[str, dict[str, Any]] = {}
    seen: dict[str, tuple[int, str]] = {}
    duplicates = 0
    denied: list[Problem] = []
    invalid: list[Problem] = []
    conflicts: list[Problem] = []
    sids: set[str] = set()
    emails: set[str] = set()
    for index, item in enumerate(data):
        if event_kind(item) == "entity":
            iri = entity_id(item)
            if len(iri) > _IRI_MAX:
                field = f"data[{index}].id"
                invalid.append(
                    Problem(
                        index,
                        field,
                        RULE_MAX_LENGTH,
                        MSG_TOO_LONG.format(field=field, limit=_IRI_MAX),
                    )
                )
            entities[iri] = item
            continue
        ed_app = entity_id(item.get("edApp"))
        if ed_app and not (ed_app == sensor or sensor_registered(iri=ed_app, sensors=sensors)):
            field = f"data[{index}].edApp"
            denied.append(
                Problem(
                    index, field, RULE_SENSOR, MSG_ED_APP.format(field=field, value=ed_app[:200])
                )
            )
            continue
        external_id: str = item["id"]
        text = canonical_bytes(item)
        digest = hashlib.sha256(text).hexdigest()
        previous = seen.get(external_id)
        if previous is not None:
            if previous[1] == digest:
                duplicates += 1
            else:
                field = f"data[{index}].id"
                conflicts.append(
                    Problem(
                        index,
                        field,
                        RULE_ID_CONFLICT,
                        MSG_ID_CONFLICT_BATCH.format(field=field, value=external_id),
                        409,
                    )
                )
            continue
        seen[external_id] = (index, digest)
        actor = item["actor"]
        sourced_id, email = actor_keys(actor)
        if sourced_id:
            sids.add(sourced_id)
        if email:
            emails.add(email)
        actor_iri = entity_id(actor)
        object_iri = entity_id(item["object"])
        if len(actor_iri) > _IRI_MAX or len(object_iri) > _IRI_MAX or len(ed_app) > _IRI_MAX:
            for key, iri in (("actor", actor_iri), ("object", object_iri), ("edApp", ed_app)):
                if len(iri) > _IRI_MAX:
                    field = f"data[{index}].{key}"
                    invalid.append(
                        Problem(
                            index,
                            field,
                            RULE_MAX_LENGTH,
                            MSG_TOO_LONG.format(field=field, limit=_IRI_MAX),
                        )
                    )
        events.append(
            (
                index,
                item,
                external_id,
                digest,
                text,
                sourced_id,
                email,
                actor_iri,
                object_iri,
                ed_app,
            )
        )
    if denied:
        raise _reject(denied, 403)
    if invalid:
        raise _reject(invalid, 400)

    # ---- the lookups --------------------------------------------------------------------
    stored = _stored_events(external_ids=list(seen)) if seen and lookup else {}
    matches = actors_match(sourced_ids=sids, emails=emails, org_ids=grant.org_ids)

    lanes_count = settings.CALIPER_PROCESSING_LANES
    home_org = grant.home_org_id
    client_id = grant.api_client_id
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    lanes: set[int] = set()
    for (
        index,
        item,
        external_id,
        digest,
        text,
        sourced_id,
        email,
        actor_iri,
        object_iri,
        ed_app,
    ) in events:
        before = stored.get(external_id)
        if before is not None:
            if before == (digest, client_id):
                duplicates += 1
            else:
                field = f"data[{index}].id"
                conflicts.append(
                    Problem(
                        index,
                        field,
                        RULE_ID_CONFLICT,
                        MSG_ID_CONFLICT.format(field=field, value=external_id),
                        409,
                    )
                )
            continue
        match: ActorMatch | None = matches.resolve(sourced_id, email)
        if match is not None and not match.in_grant:
            field = f"data[{index}].actor"
            denied.append(
                Problem(
                    index,
                    field,
                    RULE_ACTOR_OUTSIDE_GRANT,
                    MSG_ACTOR_OUTSIDE.format(field=field),
                    403,
                )
            )
            continue
        columns = timeback_columns(item)
        if columns.over_limit:
            field = f"data[{index}].generated.items"
            metric = columns.over_limit.removesuffix("_seconds").replace("_", "-")
            invalid.append(
                Problem(
                    index, field, RULE_RANGE, MSG_SECONDS_SUM.format(field=field, metric=metric)
                )
            )
            continue
        if denied or conflicts or invalid:
            continue  # refused anyway: build no more rows
        obj = item["object"]
        user_id = match.user_id if match is not None else None
        lane = user_id % lanes_count if user_id is not None else 0
        lanes.add(lane)
        rows.append(
            {
                "created_at": now,
                "external_id": external_id,
                "body_hash": digest,
                "api_client_id": client_id,
                "org_scope_id": match.org_scope_id if match is not None else home_org,
                "lane": lane,
                "sensor": sensor,
                "send_time": send_time,
                "event_type": text_clip(item["type"], _TERM_MAX),
                "profile": text_clip(item.get("profile"), _TERM_MAX),
                "action": text_clip(item["action"], _TERM_MAX),
                "event_time": datetime_parse(item["eventTime"]),
                "actor_iri": actor_iri,
                "actor_email": text_clip(email, _EMAIL_MAX),
                "user_id": user_id,
                "object_iri": object_iri,
                "object_type": (
                    text_clip(obj.get("type"), _TERM_MAX) if isinstance(obj, dict) else ""
                ),
                "ed_app": ed_app,
                # The canonical text is the payload: it spares a second serialisation.
                "payload": _Json(text, item),
                "is_timeback": columns.is_timeback,
                "subject": columns.subject,
                "app_name": columns.app_name,
                "course_iri": columns.course_iri,
                "course_name": columns.course_name,
                "activity_name": columns.activity_name,
                "attempt": columns.attempt,
                "xp_earned": columns.xp_earned,
                "total_questions": columns.total_questions,
                "correct_questions": columns.correct_questions,
                "mastered_units": columns.mastered_units,
                "active_seconds": columns.active_seconds,
                "inactive_seconds": columns.inactive_seconds,
                "waste_seconds": columns.waste_seconds,
                "unknown_seconds": columns.unknown_seconds,
                "anti_pattern_seconds": columns.anti_pattern_seconds,
                "missing_fields": _json_list(columns.missing_fields),
            }
        )
    if not lookup and (denied or invalid):
        raise _LookupNeeded
    if denied:
        raise _reject(denied, 403)
    if conflicts:
        raise _reject(conflicts, 409)
    if invalid:
        raise _reject(invalid, 400)

    if dry_run:
        return IngestResult(
            job_id=None, accepted=len(rows), duplicates=duplicates, entities=len(entities)
        )
    job_id = _store(
        grant=grant,
        sensor=sensor,
        send_time=send_time,
        rows=rows,
        entities=entities,
        duplicates=duplicates,
    )
    if lanes:
        transaction.on_commit(lambda: lanes_enqueue(lanes=lanes))
    return IngestResult(
        job_id=job_id, accepted=len(rows), duplicates=duplicates, entities=len(entities)
    )


def _stored_events(*, external_ids: list[str]) -> dict[str, tuple[str, int]]:
    """Event id → (body hash, client pk) of the given ids already stored."""
    meta = CaliperEvent._meta
    column = meta.get_field("external_id").column
    params: list[Any]
    if connection.vendor == "postgresql":
        # One typed array parameter, not one placeholder per id.
        where, params = f'"{column}" = ANY(%s)', [external_ids]
    else:
        where, params = f'"{column}" IN ({", ".join(["%s"] * len(external_ids))})', external_ids
    sql = 'SELECT "{id}", "{hash}", "{client}" FROM "{table}" WHERE {where}'.format(
        id=column,
        hash=meta.get_field("body_hash").column,
        client=meta.get_field("api_client").column,
        table=meta.db_table,
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {external_id: (digest, client_id) for external_id, digest, client_id in cursor}


@functools.lru_cache(maxsize=64)
def _json_list_cached(items: tuple[str, ...]) -> _Json:
    return _Json(json.dumps(list(items)).encode(), list(items))


def _json_list(items: list[str] | None) -> _Json:
    """A short list of names as a JSON value serialised once per distinct list."""
    return _json_list_cached(tuple(items or ()))


def _store(
    *,
    grant: Grant,
    sensor: str,
    send_time: datetime,
    rows: list[dict[str, Any]],
    entities: dict[str, dict[str, Any]],
    duplicates: int,
) -> uuid.UUID:
    # durable: a 2xx must mean committed, so this can never be a savepoint of a caller's
    # transaction that might still roll back.
    job = IngestJob(
        id=uuid.uuid4(),
        created_at=timezone.now(),
        api_client_id=grant.api_client_id,
        sensor=sensor,
        send_time=send_time,
        event_count=len(rows),
        entity_count=len(entities),
        duplicate_count=duplicates,
    )
    if rows:
        for row in rows:
            row["job_id"] = job.pk
    if (
        rows
        and not entities
        and len(rows) < _COPY_MIN_ROWS
        and connection.vendor == "postgresql"
        and connection.get_autocommit()
    ):
        # A few events (single-event POSTs): the job, the events and their outbox rows in
        # one statement, committed by itself: one round trip instead of BEGIN, three
        # INSERTs and COMMIT. The same all-or-nothing (a statement is atomic; a unique
        # violation raises IntegrityError as below).
        _store_one_statement(job=job, rows=rows)
        return job.pk
    with transaction.atomic(durable=True):
        _job_insert(job)
        if rows:
            _events_insert(rows)
            _outbox_insert(job=job, rows=rows)
        if entities:
            CaliperEntity.objects.bulk_create(
                [
                    CaliperEntity(
                        api_client_id=grant.api_client_id,
                        org_scope_id=grant.home_org_id,
                        entity_iri=iri,
                        entity_type=text_clip(item.get("type"), _TERM_MAX),
                        payload=item,
                        job_id=job.pk,
                    )
                    for iri, item in entities.items()
                ],
                update_conflicts=True,
                unique_fields=["api_client", "entity_iri"],
                update_fields=["entity_type", "payload", "job", "updated_at"],
            )
    return job.pk


# ---------------------------------------------------------------------------------------------
# The job and events INSERTs
# ---------------------------------------------------------------------------------------------


@functools.cache
def _job_sql() -> tuple[str, list[Any]]:
    fields = list(IngestJob._meta.concrete_fields)
    sql = 'INSERT INTO "{table}" ({columns}) VALUES ({values})'.format(
        table=IngestJob._meta.db_table,
        columns=", ".join(f'"{f.column}"' for f in fields),
        values=", ".join(["%s"] * len(fields)),
    )
    return sql, fields


def _job_statement(job: IngestJob) -> tuple[str, list[Any]]:
    """The INSERT of the job row (every field set by the caller), built without the ORM:
    it runs once per POST, and compiling ``objects.create`` cost more than the INSERT."""
    sql, fields = _job_sql()
    return sql, [f.get_db_prep_save(getattr(job, f.attname), connection) for f in fields]


def _job_insert(job: IngestJob) -> None:
    sql, params = _job_statement(job)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _outbox_statement(*, job: IngestJob, rows: list[dict[str, Any]]) -> tuple[str, list[Any]]:
    """The INSERT queueing the job's events for the learning pipeline: one outbox row per
    lane (at most ``CALIPER_PROCESSING_LANES``)."""
    per_lane: dict[int, int] = {}
    for row in rows:
        per_lane[row["lane"]] = per_lane.get(row["lane"], 0) + 1
    job_id = IngestJob._meta.pk.get_db_prep_value(job.pk, connection)
    values = [(job_id, lane, n, job.created_at) for lane, n in sorted(per_lane.items())]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(EventOutbox._meta.db_table)} "
        "(job_id, lane, events, created_at) "
        f"VALUES {', '.join(['(%s, %s, %s, %s)'] * len(values))}"
    )
    return sql, [value for row in values for value in row]


def _outbox_insert(*, job: IngestJob, rows: list[dict[str, Any]]) -> None:
    """Queue the job's events, in the transaction that stores them."""
    sql, params = _outbox_statement(job=job, rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _store_one_statement(*, job: IngestJob, rows: list[dict[str, Any]]) -> None:
    """The job, the events and the outbox rows as one statement (PostgreSQL, autocommit):
    data-modifying CTEs, checked (foreign keys, the unique event id) as one statement."""
    job_sql, job_params = _job_statement(job)
    events_sql, events_params = _events_values_statement(rows, _event_columns())
    outbox_sql, outbox_params = _outbox_statement(job=job, rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH j AS ({job_sql}), e AS ({events_sql}) {outbox_sql}",
            [*job_params, *events_params, *outbox_params],
        )


class _Json:
    """A JSON value with its UTF-8 text already serialised (COPY writes the text as is)."""

    __slots__ = ("data", "value")

    def __init__(self, data: bytes, value: Any) -> None:
        self.data = data
        self.value = value


class _JsonBinaryDumper(Dumper):
    """A ``_Json`` as a binary ``json`` COPY field: the text itself."""

    format = Format.BINARY
    oid = postgres.types["json"].oid

    def dump(self, obj: Any) -> bytes:
        return obj.data  # type: ignore[no-any-return]


class _JsonbBinaryDumper(Dumper):
    """A ``_Json`` as a binary ``jsonb`` COPY field: format version 1, then the text."""

    format = Format.BINARY
    oid = postgres.types["jsonb"].oid

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + obj.data


# Column types whose binary COPY dumpers take the Python values the ingest puts in a row
# (str, int, float, bool, aware datetime, UUID, date, _Json, None).
_BINARY_COPY_TYPES = frozenset(
    (
        "varchar",
        "text",
        "smallint",
        "integer",
        "bigint",
        "boolean",
        "double precision",
        "real",
        "timestamp with time zone",
        "date",
        "uuid",
        "json",
        "jsonb",
    )
)


@functools.cache
def _event_columns() -> list[tuple[str, Any, bool]]:
    """(column, default, is JSON) of every column the COPY writes, in field order. Columns
    the ingest does not set get their field default."""
    return [
        (f.column or f.attname, f.get_default(), f.get_internal_type() == "JSONField")
        for f in CaliperEvent._meta.concrete_fields
        if not f.primary_key
    ]


@functools.cache
def _event_copy_types() -> tuple[str, ...] | None:
    """The PostgreSQL type of every COPY column (for a binary COPY), or None when one of
    them is not in ``_BINARY_COPY_TYPES`` (the COPY is then textual)."""
    types = tuple(
        f.db_type(connection).split("(")[0]  # type: ignore[union-attr]
        for f in CaliperEvent._meta.concrete_fields
        if not f.primary_key
    )
    return types if _BINARY_COPY_TYPES.issuperset(types) else None


# Fewer rows than this are inserted with one INSERT: a COPY costs two round trips (start,
# then data and end) where the INSERT costs one, and a round trip costs more CPU than
# adapting a few rows' parameters in Python.
_COPY_MIN_ROWS = 5


def _events_insert(rows: list[dict[str, Any]]) -> None:
    """Insert the events in one statement.

    PostgreSQL gets a COPY: a multi-row INSERT built by the ORM (model instances, per-value
    adaptation, UNNEST arrays quoted in Python) costs several times the database's own work
    at 100 events per request; COPY streams the tuples through the driver's C adapters. The
    COPY is binary: the text format spent most of its time escaping the payloads and
    formatting timestamps, in the web process, and the server then parsed them back. A
    unique violation (another request stored the same id meanwhile) surfaces as
    ``IntegrityError`` like the ORM's. Other databases use ``bulk_create``.
    """
    if connection.vendor != "postgresql":
        for row in rows:
            for name, value in row.items():
                if isinstance(value, _Json):
                    # Shared values (the cached missing-fields lists) get a copy per row.
                    row[name] = list(value.value) if type(value.value) is list else value.value
        CaliperEvent.objects.bulk_create([CaliperEvent(**row) for row in rows])
        return
    columns = _event_columns()
    if len(rows) < _COPY_MIN_ROWS:
        _events_insert_values(rows, columns)
        return
    types = _event_copy_types()
    sql = 'COPY "{table}" ({columns}) FROM STDIN{binary}'.format(
        table=CaliperEvent._meta.db_table,
        columns=", ".join(f'"{name}"' for name, _, _ in columns),
        binary=" (FORMAT BINARY)" if types is not None else "",
    )
    # Every row has the same keys: give the columns it lacks their defaults once, then read
    # each row in column order with one C-level itemgetter call.
    unset = {
        name: (_Json(json.dumps(default).encode(), default) if is_json else default)
        for name, default, is_json in columns
        if name not in rows[0]
    }
    values_of = operator.itemgetter(*(name for name, _, _ in columns))
    started = time.monotonic()
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        if types is not None:
            # The json/jsonb columns take the serialised text of the _Json values: set_types
            # picks each column's dumper by its type, and these replace the default ones
            # (which would serialise again) for this cursor only.
            raw.adapters.register_dumper(None, _JsonBinaryDumper)
            raw.adapters.register_dumper(None, _JsonbBinaryDumper)
        with raw.copy(sql) as stream:
            if types is not None:
                stream.set_types(list(types))
                for row in rows:
                    if unset:
                        row.update(unset)
                    stream.write_row(values_of(row))
            else:
                json_at = [i for i, (_, _, is_json) in enumerate(columns) if is_json]
                for row in rows:
                    if unset:
                        row.update(unset)
                    values = list(values_of(row))
                    for i in json_at:
                        values[i] = values[i].data.decode()
                    stream.write_row(values)
    if connection.queries_logged:
        # COPY bypasses the debug cursor; log it so query counts and the toolbar see it.
        connection.queries_log.append(
            {"sql": f"{sql} ({len(rows)} rows)", "time": f"{time.monotonic() - started:.3f}"}
        )


def _events_insert_values(rows: list[dict[str, Any]], columns: list[tuple[str, Any, bool]]) -> None:
    """The events as one multi-row INSERT (PostgreSQL, a few rows): one round trip."""
    sql, params = _events_values_statement(rows, columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _events_values_statement(
    rows: list[dict[str, Any]], columns: list[tuple[str, Any, bool]]
) -> tuple[str, list[Any]]:
    names = [name for name, _, _ in columns]
    params: list[Any] = []
    for row in rows:
        for name, default, is_json in columns:
            value = row.get(name, default)
            if is_json:
                value = value.data.decode() if isinstance(value, _Json) else json.dumps(value)
            params.append(value)
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    sql = 'INSERT INTO "{table}" ({columns}) VALUES {values}'.format(
        table=CaliperEvent._meta.db_table,
        columns=", ".join(f'"{name}"' for name in names),
        values=", ".join([placeholders] * len(rows)),
    )
    return sql, params
