"""Query vocabulary for roster rows: tenancy (who may see what) and status."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from common.choices import StatusType

if TYPE_CHECKING:
    from datetime import date

__all__ = ["EnrollmentQuerySet", "OrgQuerySet", "SourcedQuerySet", "UserQuerySet"]

_QS = TypeVar("_QS", bound="SourcedQuerySet[Any]")
_M = TypeVar("_M", bound=models.Model)


class SourcedQuerySet(models.QuerySet[_M]):
    """Rows carry ``org_scope``: the org whose subtree they live in."""

    def live(self: _QS) -> _QS:
        """Rows that appear in listings (DELETE marks rows tobedeleted; they leave listings)."""
        return self.exclude(status=StatusType.TO_BE_DELETED)

    def for_orgs(self: _QS, org_ids: Collection[int] | None) -> _QS:
        """Rows inside the given org subtrees (already expanded); None means unrestricted."""
        if org_ids is None:
            return self
        return self.filter(org_scope_id__in=list(org_ids))


class OrgQuerySet(SourcedQuerySet[_M]):
    def for_orgs(self, org_ids: Collection[int] | None) -> OrgQuerySet[_M]:
        if org_ids is None:
            return self
        return self.filter(pk__in=list(org_ids))


class UserQuerySet(SourcedQuerySet[_M]):
    def for_orgs(self, org_ids: Collection[int] | None) -> UserQuerySet[_M]:
        """A user is visible where their home org is granted or they hold a role there."""
        if org_ids is None:
            return self
        from roster.models import UserRole

        ids = list(org_ids)
        role_here = UserRole.objects.filter(user_id=models.OuterRef("pk"), org_id__in=ids)
        return self.filter(models.Q(org_scope_id__in=ids) | models.Exists(role_here))


class EnrollmentQuerySet(SourcedQuerySet[_M]):
    def current(self, *, on: date) -> EnrollmentQuerySet[_M]:
        """Active rows whose begin/end dates contain ``on`` (open ends count as open)."""
        return (
            self.filter(status=StatusType.ACTIVE)
            .filter(models.Q(begin_date__isnull=True) | models.Q(begin_date__lte=on))
            .filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=on))
        )
