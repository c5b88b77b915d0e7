"""Choices of the QTI app."""

from __future__ import annotations

from django.db import models

__all__ = [
    "AttemptStatus",
    "FeedbackKind",
    "ImportStatus",
    "ItemSessionStatus",
    "ResourceKind",
]


class ResourceKind(models.TextChoices):
    ITEM = "item", "assessment item"
    STIMULUS = "stimulus", "assessment stimulus"
    TEST = "test", "assessment test"
    SECTION = "section", "assessment section"
    OUTCOMES = "outcomes", "outcome declarations"
    RESPONSE_PROCESSING = "resprocessing", "response processing"
    RP_TEMPLATE = "rptemplate", "response-processing template"
    FRAGMENT = "fragment", "fragment"
    LTI_LINK = "lti", "LTI link"
    PRONUNCIATION = "pls", "pronunciation lexicon"
    STYLESHEET = "css", "stylesheet"
    CONTROL_FILE = "controlfile", "control file"
    EXTENSION = "extension", "extension"
    RESULTS = "results", "results report"
    USAGE_DATA = "usagedata", "usage data"
    METADATA = "metadata", "metadata"
    WEB_CONTENT = "webcontent", "web content"
    OTHER = "other", "other resource"


class ImportStatus(models.TextChoices):
    IMPORTED = "imported", "imported"
    REFUSED = "refused", "refused"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "in progress"
    COMPLETED = "completed", "completed"


class ItemSessionStatus(models.TextChoices):
    """QTI's item session states: not yet presented, presented (responses may be saved),
    and closed (no more attempts; its results are final)."""

    INITIAL = "initial", "not presented"
    INTERACTING = "interacting", "presented"
    CLOSED = "closed", "closed"


class FeedbackKind(models.TextChoices):
    """What a learner's feedback is about (Timeback's ``type``: QUESTION or LESSON)."""

    QUESTION = "question", "question"
    LESSON = "lesson", "lesson"
