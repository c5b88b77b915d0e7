"""QTI 3.0 response, template and outcome processing: pure Python, no database.

Compile an item once with ``ItemScorer.from_xml`` and score many responses against it, or
call ``item_score`` for a single attempt; ``test_outcomes`` runs a test's outcome processing.
"""

from .engine import FeedbackRef, ItemResult, ItemScorer, ItemState, item_score, test_outcomes
from .operators import register_custom_operator, unregister_custom_operator
from .templates import STANDARD_TEMPLATES, template_name
from .values import QtiProcessingError, Value, value_from_json

__all__ = [
    "STANDARD_TEMPLATES",
    "FeedbackRef",
    "ItemResult",
    "ItemScorer",
    "ItemState",
    "QtiProcessingError",
    "Value",
    "item_score",
    "register_custom_operator",
    "template_name",
    "test_outcomes",
    "unregister_custom_operator",
    "value_from_json",
]
