"""Who an event's actor is: the OneRoster user it names, matched for a whole envelope in one
query.

The actor's id names a user when it is a OneRoster users URL ending in the sourcedId
(``https://host/ims/oneroster/rostering/v1p2/users/<sourcedId>``), ``urn:uuid:<sourcedId>``,
or the bare sourcedId; otherwise ``actor.email`` is tried (exact match). An id match wins over
an email match. Actors that match nobody (example IRIs, software agents) are unattributed.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.db.models import OuterRef, Q, Subquery

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
    role_org = UserRole.objects.filter(user_id=OuterRef("pk"), org_id__in=ids).values("org_id")[:1]
    where = Q()
    if sids:
        where |= Q(sourced_id__in=sids)
    if mails:
        where |= Q(email__in=mails)
    rows: Iterable[Any] = (
        User.objects.filter(where)
        .annotate(role_org=Subquery(role_org))
        .order_by("pk")
        .values_list("pk", "sourced_id", "email", "org_scope_id", "role_org")
    )
    granted = frozenset(ids)
    by_sid: dict[str, ActorMatch] = {}
    by_email: dict[str, ActorMatch] = {}
    wanted_sids = set(sids)
    wanted_mails = set(mails)
    for pk, sid, email, org_scope_id, role_org_id in rows:
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
