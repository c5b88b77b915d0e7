"""CASE 1.1 frameworks, stored losslessly.

Every CASE object keeps the JSON it arrived with in ``data``: every field of the 1.1 binding,
and the fields real exports carry beyond it, so that export gives back what was imported.
The columns beside ``data`` are what queries, the API's filters and sorts, the framework
tree and alignment read; they are derived from ``data`` on import and never edited alone.

A framework is a ``CaseDocument`` with its items, associations and rubrics (positions keep the
package's order). Definitions (concepts, subjects, licenses, item types, association
groupings) are shared by identifier between the frameworks that use them
(``CaseDefinitionUse``). Identifiers are CASE's (UUIDs in conforming data), unique each in
their class.
"""

from __future__ import annotations

from django.db import models

from case.choices import AlignedKind, DefinitionKind, FrameworkSource
from common.models import BaseModel

__all__ = [
    "AlignmentFill",
    "CaseAlignment",
    "CaseAssociation",
    "CaseDefinition",
    "CaseDefinitionUse",
    "CaseDocument",
    "CaseItem",
    "CaseRubric",
    "CaseRubricCriterion",
    "CaseRubricCriterionLevel",
    "StandardEvidence",
]


class CaseObject(BaseModel):
    """What every stored CASE object has: its identifier, URI, last change and JSON."""

    identifier = models.CharField(max_length=255, unique=True)
    uri = models.CharField(max_length=2048, blank=True, default="")
    last_change = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(help_text="The object as imported: every field, unknown ones too")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.identifier


class CaseDocument(CaseObject):
    """A framework (``CFDocument``) and how its package was laid out."""

    title = models.CharField(max_length=1024)
    creator = models.CharField(max_length=1024, blank=True, default="")
    publisher = models.CharField(max_length=1024, blank=True, default="")
    subjects = models.JSONField(default=list, blank=True)
    adoption_status = models.CharField(max_length=255, blank=True, default="")
    version = models.CharField(max_length=255, blank=True, default="")
    language = models.CharField(max_length=64, blank=True, default="")
    layout = models.JSONField(
        default=dict,
        blank=True,
        help_text="The package's keys, its CFDefinitions lists and any other top-level fields",
    )
    source = models.CharField(max_length=16, choices=FrameworkSource.choices)
    source_ref = models.CharField(max_length=2048, blank=True, default="")
    org_scope = models.ForeignKey(
        "roster.Org",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation whose client uploaded it (none: imported by an operator)",
    )
    api_client = models.ForeignKey(
        "tenancy.ApiClient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["title", "identifier"]

    def __str__(self) -> str:
        return self.title or self.identifier


class CaseItem(CaseObject):
    """A ``CFItem`` of a framework."""

    document = models.ForeignKey(CaseDocument, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    full_statement = models.TextField(blank=True, default="")
    human_coding_scheme = models.CharField(max_length=512, blank=True, default="", db_index=True)
    abbreviated_statement = models.TextField(blank=True, default="")
    list_enumeration = models.CharField(max_length=255, blank=True, default="")
    item_type = models.CharField(max_length=255, blank=True, default="")
    education_levels = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["document", "position"]
        indexes = [models.Index(fields=["document", "position"], name="case_item_document_order")]

    def __str__(self) -> str:
        return self.human_coding_scheme or self.identifier


class CaseAssociation(CaseObject):
    """A ``CFAssociation``: origin → destination, of any association type (the 1.1 enum is
    extensible: any string is kept)."""

    document = models.ForeignKey(
        CaseDocument, on_delete=models.CASCADE, related_name="associations"
    )
    position = models.PositiveIntegerField()
    association_type = models.CharField(max_length=255, db_index=True)
    origin_identifier = models.CharField(max_length=255, db_index=True)
    origin_uri = models.CharField(max_length=2048, blank=True, default="")
    destination_identifier = models.CharField(max_length=255, db_index=True)
    destination_uri = models.CharField(max_length=2048, blank=True, default="")
    sequence_number = models.IntegerField(null=True, blank=True)
    grouping_identifier = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["document", "position"]

    def __str__(self) -> str:
        return f"{self.origin_identifier} {self.association_type} {self.destination_identifier}"


class CaseDefinition(CaseObject):
    """A concept, subject, license, item type or association grouping. Its identifier is
    unique within its kind (``identifier`` alone is not: see the constraint)."""

    identifier = models.CharField(max_length=255)  # type: ignore[assignment]
    kind = models.CharField(max_length=32, choices=DefinitionKind.choices)
    title = models.CharField(max_length=1024, blank=True, default="")

    class Meta:
        ordering = ["kind", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "identifier"],
                name="case_definition_unique_identifier",
                violation_error_message="One definition per identifier in each kind",
            )
        ]


class CaseDefinitionUse(BaseModel):
    """A definition listed in a framework's package, at its position."""

    document = models.ForeignKey(
        CaseDocument, on_delete=models.CASCADE, related_name="definition_uses"
    )
    definition = models.ForeignKey(CaseDefinition, on_delete=models.CASCADE, related_name="uses")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "definition"],
                name="case_definition_use_once",
                violation_error_message="A definition is listed once in a package",
            )
        ]


class CaseRubric(CaseObject):
    """A ``CFRubric``; its ``data`` holds its criteria and their levels as imported, and the
    criteria and levels are rows as well (what alignment and the API's lookups read)."""

    document = models.ForeignKey(CaseDocument, on_delete=models.CASCADE, related_name="rubrics")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=1024, blank=True, default="")

    class Meta:
        ordering = ["document", "position"]


class CaseRubricCriterion(CaseObject):
    rubric = models.ForeignKey(CaseRubric, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveIntegerField()
    item_identifier = models.CharField(
        max_length=255, blank=True, default="", db_index=True, help_text="Its CFItemURI's"
    )
    weight = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["rubric", "position"]


class CaseRubricCriterionLevel(CaseObject):
    criterion = models.ForeignKey(
        CaseRubricCriterion, on_delete=models.CASCADE, related_name="levels"
    )
    position = models.PositiveIntegerField()
    score = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["criterion", "position"]


# ---- alignment ----------------------------------------------------------------------------


class CaseAlignment(BaseModel):
    """One entry of an object's ``learningObjectiveSet``: the object (``kind``, ``target_id``)
    and one objective of one source (``CASE``: a CFItem identifier). An index of the sets
    the objects carry, refreshed from them (``case.services.alignment``), so that "what
    teaches this standard" is one indexed query."""

    kind = models.CharField(max_length=32, choices=AlignedKind.choices)
    target_id = models.PositiveBigIntegerField()
    org_scope = models.ForeignKey("roster.Org", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=255)
    objective = models.CharField(max_length=255)

    class Meta:
        ordering = ["kind", "target_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "target_id", "source", "objective"],
                name="case_alignment_once",
                violation_error_message="An object lists an objective once",
            )
        ]
        indexes = [
            models.Index(fields=["objective", "kind"], name="case_alignment_objective"),
            models.Index(fields=["kind", "target_id"], name="case_alignment_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.target_id} → {self.source} {self.objective}"


class AlignmentFill(BaseModel):
    """How far the alignment index (per kind) and the evidence (kind ``evidence``) are
    refreshed: everything changed before ``through`` is in."""

    kind = models.CharField(max_length=32, unique=True)
    through = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} through {self.through.isoformat()}"


class StandardEvidence(BaseModel):
    """What a student's results say about one standard: every graded result aligned to it
    (through its line item or itself), as fractions of their maximum."""

    student = models.ForeignKey("roster.User", on_delete=models.CASCADE, related_name="+")
    org_scope = models.ForeignKey("roster.Org", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=255)
    objective = models.CharField(max_length=255)
    results = models.PositiveIntegerField(help_text="Graded results aligned to the standard")
    score_fraction_sum = models.FloatField(help_text="Sum of score ÷ maximum over them")
    accuracy = models.FloatField(help_text="Their mean score ÷ maximum (0–1)")
    recent_accuracy = models.FloatField(help_text="The same over the latest three")
    mastered = models.BooleanField(help_text="Recent accuracy at or above the mastery gate")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["student", "source", "objective"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "source", "objective"],
                name="case_evidence_once",
                violation_error_message="One evidence row per student and standard",
            )
        ]
        indexes = [models.Index(fields=["objective", "source"], name="case_evidence_objective")]

    def __str__(self) -> str:
        return f"{self.student_id} {self.objective}: {self.accuracy:.0%}"
