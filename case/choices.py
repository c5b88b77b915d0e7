"""Choices of the CASE app."""

from __future__ import annotations

from django.db import models

__all__ = ["AlignedKind", "DefinitionKind", "FrameworkSource"]


class DefinitionKind(models.TextChoices):
    """The lists of a package's ``CFDefinitions``, by their key."""

    CONCEPT = "CFConcepts", "concept"
    SUBJECT = "CFSubjects", "subject"
    LICENSE = "CFLicenses", "license"
    ITEM_TYPE = "CFItemTypes", "item type"
    ASSOCIATION_GROUPING = "CFAssociationGroupings", "association grouping"


class FrameworkSource(models.TextChoices):
    FILE = "file", "file"
    UPLOAD = "upload", "admin upload"
    URL = "url", "CASE server"
    API = "api", "API upload"


class AlignedKind(models.TextChoices):
    """What carries a ``learningObjectiveSet``: content (what teaches a standard) and
    results (the evidence of learning it)."""

    RESOURCE = "resource", "resource"
    COURSE_COMPONENT = "courseComponent", "course component"
    COMPONENT_RESOURCE = "componentResource", "component resource (lesson)"
    LINE_ITEM = "lineItem", "line item"
    ASSESSMENT_LINE_ITEM = "assessmentLineItem", "assessment line item"
    QTI_ITEM = "qtiItem", "QTI item"
    QTI_TEST = "qtiTest", "QTI test"
    QTI_OUTCOME = "qtiOutcome", "QTI outcome declaration"
    RESULT = "result", "result"
    ASSESSMENT_RESULT = "assessmentResult", "assessment result"
