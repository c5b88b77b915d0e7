"""Choices of the CASE app."""

from __future__ import annotations

from django.db import models

__all__ = ["DefinitionKind", "FrameworkSource"]


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
