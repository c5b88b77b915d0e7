"""Abstract models every domain app builds on. No concrete models here."""

from django.db import models

from common.choices import StatusType

__all__ = ["BaseModel", "SourcedModel"]


class BaseModel(models.Model):
    """Creation and last-change timestamps for every row."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)

    class Meta:
        abstract = True


class SourcedModel(BaseModel):
    """A 1EdTech object: globally unique sourcedId, status, dateLastModified and metadata.

    ``date_last_modified`` is maintained by the platform (auto_now on save; bulk writers set
    it explicitly), never taken from the client.
    """

    sourced_id = models.CharField("sourcedId", max_length=255, unique=True)
    status = models.CharField(
        max_length=16, choices=StatusType.choices, default=StatusType.ACTIVE, db_index=True
    )
    date_last_modified = models.DateTimeField("dateLastModified", auto_now=True, db_index=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Which feed wrote the row: a CSV package's source.systemCode (or its root orgs), or
    # "api" for REST writes. A bulk import only retires rows of its own source.
    source_system = models.CharField(max_length=255, blank=True, default="", db_index=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.sourced_id
