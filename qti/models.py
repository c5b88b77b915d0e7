"""QTI 3.0 content: items, stimuli, tests and the other resources of content packages, each
stored with its original XML (as imported, after any 2.x → 3.0 conversion) and a parsed
form (``parsed``: what the API, rendering and delivery read without parsing XML again).

Identifiers are the QTI ``identifier`` of the document, unique per organisation scope (the
tenancy filter reads ``org_scope`` as everywhere). Timeback's metadata (subject, grade,
difficulty, learning objective set) lives in ``metadata``.
"""

from __future__ import annotations

from django.db import models

from common.models import BaseModel
from qti.choices import ImportStatus, ResourceKind

__all__ = ["QtiAsset", "QtiPackage", "QtiResource"]


class QtiPackage(BaseModel):
    """One imported content package (or single document): its report, whole or refused."""

    api_client = models.ForeignKey(
        "tenancy.ApiClient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255, blank=True, default="")
    manifest_identifier = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=16, choices=ImportStatus.choices)
    report = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="The manifest's LOM")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name or self.manifest_identifier} ({self.status})"


class QtiResource(BaseModel):
    """An item, stimulus, test, outcome declaration, response-processing template or other
    package resource."""

    kind = models.CharField(max_length=32, choices=ResourceKind.choices, db_index=True)
    identifier = models.CharField(max_length=255)
    title = models.CharField(max_length=1024, blank=True, default="")
    org_scope = models.ForeignKey("roster.Org", on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey(
        QtiPackage, null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    href = models.CharField(max_length=1024, blank=True, default="", help_text="Path in package")
    xml = models.TextField(help_text="The document as stored (QTI 3.0)")
    source_version = models.CharField(
        max_length=8, default="3.0", help_text="The QTI version imported (2.x is converted)"
    )
    parsed = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text="Timeback metadata (subject, grade, difficulty, learningObjectiveSet), "
        "qtiMetadata, LOM and CASE alignment (curriculumStandardsMetadataSet)",
    )
    dependencies = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "identifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_scope", "kind", "identifier"],
                name="qti_resource_unique_identifier",
                violation_error_message="This identifier is already used in this organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.identifier}"


class QtiAsset(BaseModel):
    """A file of a package that is not a QTI document (an image, audio, a stylesheet),
    served to rendered items by its path in the package."""

    package = models.ForeignKey(QtiPackage, on_delete=models.CASCADE, related_name="assets")
    path = models.CharField(max_length=1024)
    content_type = models.CharField(max_length=255, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    data = models.BinaryField()

    class Meta:
        ordering = ["package", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["package", "path"],
                name="qti_asset_unique_path",
                violation_error_message="One file per path in a package",
            )
        ]

    def __str__(self) -> str:
        return self.path
