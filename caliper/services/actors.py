"""Who an event's actor is: the OneRoster user it names, matched for a whole envelope in one
query.

The actor's id names a user when it is a OneRoster users URL ending in the sourcedId
(``https://host/ims/oneroster/rostering/v1p2/users/<sourcedId>``), ``urn:uuid:<sourcedId>``,
or the bare sourcedId; otherwise ``actor.email`` is tried (exact match). An id match wins over
an email match. Actors that match nobody (example IRIs, software agents) are unattributed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import unquote

from django.db import connection
from django.db.models import Field

from caliper.validation import entity_id
from roster.models import User, UserRole

__all__ = ["ActorMatch", "ActorMatches", "actor_keys", "actors_match"]

_ROSTER_USER_URL = re.compile(r"/rostering/v1p[12]/users/(?P<sid>[^/?#]+)/?(?:[?#].*)?\Z")
_URN_UUID = "urn:uuid:"
_MAX_SOURCED_ID = 255


@dataclass(frozen=True, slots=True)
class ActorMatch:
    """A matched user. ``org_scope_id`` is the org the event is filed under: the user's own
    org when the grant covers it, else the granted org where the user holds a role.
    ``in_grant`` is False when the client may not see the user at all."""

    user_id: int
    org_scope_id: int
    in_grant: bool


def actor_keys(actor: object) -> tuple[str, str]:
    """(sourcedId named by the actor's id or "", actor email or "")."""
    iri = entity_id(actor)
    sourced_id = ""
    if iri.startswith(_URN_UUID):
        sourced_id = iri[len(_URN_UUID) :]
    elif "/users/" in iri:
        match = _ROSTER_USER_URL.search(iri)
        if match:
            sourced_id = unquote(match.group("sid"))
    elif iri and ":" not in iri:
        sourced_id = iri
    if len(sourced_id) > _MAX_SOURCED_ID:
        sourced_id = ""
    email = actor.get("email") if isinstance(actor, dict) else None
    return sourced_id, email if type(email) is str else ""


class ActorMatches:
    """The users of one envelope's actors, by sourcedId and by email."""

    __slots__ = ("by_email", "by_sourced_id")

    def __init__(
        self, by_sourced_id: dict[str, ActorMatch], by_email: dict[str, ActorMatch]
    ) -> None:
        self.by_sourced_id = by_sourced_id
        self.by_email = by_email

    def resolve(self, sourced_id: str, email: str) -> ActorMatch | None:
        """The user of an actor with these keys (id first, then email), or None."""
        if sourced_id:
            found = self.by_sourced_id.get(sourced_id)
            if found is not None:
                return found
        if email:
            return self.by_email.get(email)
        return None


def actors_match(
    *, sourced_ids: Iterable[str], emails: Iterable[str], org_ids: Collection[int]
) -> ActorMatches:
    """Match the candidate keys of an envelope against the roster in one query.

    A user is inside the grant when its ``org_scope`` is in ``org_ids`` or it holds a role in
    one of them (the rule of ``User.objects.for_orgs``). When several users share an email,
    one inside the grant is preferred (lowest pk), so a shared address never refuses an event
    that a visible user could have sent.
    """
    sids = list(set(sourced_ids))
    mails = list(set(emails))
    if not sids and not mails:
        return ActorMatches({}, {})
    ids = list(org_ids)
    granted = frozenset(ids)
    by_sid: dict[str, ActorMatch] = {}
    by_email: dict[str, ActorMatch] = {}
    wanted_sids = set(sids)
    wanted_mails = set(mails)
    for pk, sid, email, org_scope_id, role_org_id in _user_rows(sids, mails, ids):
        if org_scope_id in granted:
            match = ActorMatch(pk, org_scope_id, True)
        elif role_org_id is not None:
            match = ActorMatch(pk, role_org_id, True)
        else:
            match = ActorMatch(pk, org_scope_id, False)
        if sid in wanted_sids:
            by_sid[sid] = match
        if email in wanted_mails:
            current = by_email.get(email)
            if current is None or (match.in_grant and not current.in_grant):
                by_email[email] = match
    return ActorMatches(by_sid, by_email)


def _any(column: str, count: int, vendor: str) -> str:
    """``column`` is one of ``count`` values: one typed array parameter on PostgreSQL (the
    statement text and its parse are the same whatever the count), a placeholder list
    elsewhere."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN ({', '.join(['%s'] * count)})"


def _any_params(values: list[Any], vendor: str) -> list[Any]:
    return [values] if vendor == "postgresql" else list(values)


@functools.lru_cache(maxsize=256)
def _user_rows_sql(vendor: str, org_count: int, sid_count: int, mail_count: int) -> str:
    """The statement of ``_user_rows`` (built once per shape: counts only matter off
    PostgreSQL, where each value has its placeholder)."""
    user = User._meta
    role = UserRole._meta
    u = {
        f: cast("Field[Any, Any]", user.get_field(f)).column
        for f in ("sourced_id", "email", "org_scope")
    }
    r = {f: cast("Field[Any, Any]", role.get_field(f)).column for f in ("user", "org", "position")}
    where: list[str] = []
    if org_count:
        role_in = _any(f'r."{r["org"]}"', org_count, vendor)
        role_org = (
            f'(SELECT r."{r["org"]}" FROM "{role.db_table}" r '
            f'WHERE r."{r["user"]}" = u."{user.pk.column}" AND {role_in} '
            f'ORDER BY r."{r["position"]}" LIMIT 1)'
        )
    else:
        role_org = "NULL"
    if sid_count:
        where.append(_any(f'u."{u["sourced_id"]}"', sid_count, vendor))
    if mail_count:
        where.append(_any(f'u."{u["email"]}"', mail_count, vendor))
    return (
        f'SELECT u."{user.pk.column}", u."{u["sourced_id"]}", u."{u["email"]}", '
        f'u."{u["org_scope"]}", {role_org} FROM "{user.db_table}" u '
        f'WHERE {" OR ".join(where)} ORDER BY u."{user.pk.column}"'
    )


def _user_rows(sids: list[str], mails: list[str], org_ids: list[int]) -> list[tuple[Any, ...]]:
    """(pk, sourcedId, email, org_scope pk, a granted org where the user holds a role or
    None) of the users with one of ``sids`` or ``mails``, by pk.

    Written in SQL rather than with the ORM: it runs on every POST, and building the ORM
    query cost more than running it. The role org is the user's first matching role in
    ``UserRole`` order (position), as ``Subquery(...)[:1]`` over the default ordering was.
    """
    vendor = connection.vendor
    if vendor == "postgresql":
        # The statement depends only on which lists are empty.
        sql = _user_rows_sql(vendor, min(len(org_ids), 1), min(len(sids), 1), min(len(mails), 1))
    else:
        sql = _user_rows_sql(vendor, len(org_ids), len(sids), len(mails))
    params: list[Any] = []
    if org_ids:
        params.extend(_any_params(org_ids, vendor))
    if sids:
        params.extend(_any_params(sids, vendor))
    if mails:
        params.extend(_any_params(mails, vendor))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
