"""Query vocabulary of the event store: who may see which events, jobs and entities."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from django.db import models
from django.db.models import Exists, OuterRef

__all__ = ["CaliperEntityQuerySet", "CaliperEventQuerySet", "IngestJobQuerySet"]

_M = TypeVar("_M", bound=models.Model)


class CaliperEventQuerySet(models.QuerySet[_M]):
    def for_orgs(self, org_ids: Collection[int] | None) -> CaliperEventQuerySet[_M]:
        """Events filed under the given (already expanded) orgs; None means unrestricted.

        An event is filed under its student's org (or, for an unattributed event, the sending
        client's home org): the same rule that decides who may read the student."""
        if org_ids is None:
            return self
        return self.filter(org_scope_id__in=list(org_ids))

    def pending(self) -> CaliperEventQuerySet[_M]:
        """Events the learning pipeline has not processed yet: their (job, lane) is still in
        the outbox."""
        return self.filter(self._queued())

    def processed(self) -> CaliperEventQuerySet[_M]:
        """Events whose facts the learning pipeline has committed (what the facts count)."""
        return self.exclude(self._queued())

    def _queued(self) -> Exists:
        from caliper.models import EventOutbox

        return Exists(EventOutbox.objects.filter(job_id=OuterRef("job_id"), lane=OuterRef("lane")))


class IngestJobQuerySet(models.QuerySet[_M]):
    def for_client(self, api_client_id: int) -> IngestJobQuerySet[_M]:
        """Jobs of one client: a job id is only meaningful to the client that sent it."""
        return self.filter(api_client_id=api_client_id)


class CaliperEntityQuerySet(models.QuerySet[_M]):
    def for_orgs(self, org_ids: Collection[int] | None) -> CaliperEntityQuerySet[_M]:
        if org_ids is None:
            return self
        return self.filter(org_scope_id__in=list(org_ids))
