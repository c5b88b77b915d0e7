"""Reads of the QTI app."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.urls import reverse

from qti.models import QtiAsset, QtiResource
from qti.processing import ItemScorer, QtiProcessingError
from qti.processing.values import value_to_json
from qti.rendering import RenderedItem, render_item

__all__ = ["ItemPreview", "asset_get", "item_base_url", "item_preview"]


def item_base_url(resource: QtiResource) -> str:
    """Where an item's relative URLs (images, media) resolve: its package's assets, in the
    folder of its document."""
    if resource.package_id is None:
        return ""
    folder = posixpath.dirname(resource.href)
    root = reverse("qti:asset", args=[resource.package_id, "x"])[:-1]
    return f"{root}{folder}/" if folder else root


def asset_get(*, package_id: int, path: str) -> QtiAsset | None:
    return QtiAsset.objects.filter(package_id=package_id, path=posixpath.normpath(path)).first()


@dataclass(frozen=True)
class ItemPreview:
    item: RenderedItem
    outcomes: dict[str, Any] | None
    errors: list[str]


def item_preview(*, resource: QtiResource, submitted: QueryDict | None) -> ItemPreview:
    """An item rendered for its author and, when responses were submitted, scored by the
    engine: the outcomes, and the item rendered again with the feedback they show."""
    outcomes = None
    errors: list[str] = []
    shown: list[str] = []
    responses: dict[str, Any] = {}
    if submitted is not None:
        scorer = ItemScorer.from_xml(resource.xml)
        for key in submitted:
            if key == "csrfmiddlewaretoken":
                continue
            values = submitted.getlist(key)
            responses[key] = values if len(values) > 1 else values[0]
        try:
            result = scorer.score(responses, seed=0)
        except QtiProcessingError as exc:  # it names the response and the rule
            errors.append(str(exc))
        else:
            outcomes = {k: value_to_json(v) for k, v in sorted(result.outcomes.items())}
            shown = result.feedback_identifiers
    item = render_item(
        item_xml=resource.xml,
        responses=responses,
        shown_feedback=shown,
        base_url=item_base_url(resource),
        views=("candidate", "author"),
    )
    return ItemPreview(item=item, outcomes=outcomes, errors=errors)
