"""Server-rendered, accessible HTML for QTI 3.0 items (no database: XML in, HTML out)."""

from .render import UNSUPPORTED_NOTICE, CatalogCard, RenderedItem, render_item

__all__ = ["UNSUPPORTED_NOTICE", "CatalogCard", "RenderedItem", "render_item"]
