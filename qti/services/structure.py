"""Writes below an assessment test: test parts, sections and item references created,
replaced, removed and reordered through the QTI API, and whole tests built from Timeback's
JSON shape.

The stored XML is the source of truth. Each edit locks the test's row, parses its XML,
changes the tree, checks the result like any stored test (``document_check``), and stores the
new XML with its ``parsed`` summary again, in one transaction: a refused edit stores nothing.

Rules every edit keeps:

- identifiers of test parts, sections and item references are unique within the test (409);
- an item reference that the test did not already hold names an assessment item of the
  test's organisation (the organisation whose items ``/questions`` resolves; it is visible to
  the client, since the test is): otherwise 400 naming the reference;
- a test keeps at least one test part and a test part at least one section (QTI requires
  both; 409 when a delete would leave none).

Inputs arrive checked for shape by the API's input serializers (identifiers, booleans,
modes); the services check what needs the stored test.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from lxml import etree

from common.exceptions import ApplicationError, Conflict, NotFound
from qti.choices import ResourceKind
from qti.models import QtiResource
from qti.selectors import item_identifiers_stored
from qti.services.documents import document_summary
from qti.services.resources import (
    ASI_SCHEMA_LOCATION,
    MSG_XML_INVALID,
    XSI_NS,
    document_check,
)
from qti.xml import QTI3_NS, local_name, qti_parse

__all__ = [
    "item_ref_add",
    "item_ref_remove",
    "item_refs_reorder",
    "section_create",
    "section_delete",
    "section_update",
    "test_part_create",
    "test_part_delete",
    "test_part_update",
    "test_xml_build",
]

# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------

MSG_PART_NOT_FOUND = "Test part {identifier!r} was not found in assessment test {test!r}"
MSG_SECTION_NOT_FOUND = "Section {identifier!r} was not found in test part {part!r}"
MSG_REF_NOT_FOUND = "Item reference {identifier!r} was not found in section {section!r}"
MSG_IDENTIFIER_TAKEN = (
    "{field}: {identifier!r} is already used by a test part, section or item reference of "
    "assessment test {test!r}"
)
MSG_IDENTIFIER_PATH = "identifier: {found!r} differs from {expected!r} in the path"
MSG_ITEM_UNKNOWN = (
    "{field}: {identifier!r} is not an assessment item of this test's organisation "
    "(create the item first)"
)
MSG_LAST_PART = "identifier: {identifier!r} is the test's only test part (a test needs one)"
MSG_LAST_SECTION = (
    "identifier: {identifier!r} is the only section of test part {part!r} (a test part needs one)"
)
MSG_ORDER_SET = (
    "items: must list each item reference of section {section!r} exactly once "
    "(missing: {missing}; unknown: {unknown}; repeated: {repeated})"
)
MSG_SEQUENCE = "{field}: must be between 1 and {top}"

Q = f"{{{QTI3_NS}}}"
_STRUCTURAL = ("qti-test-part", "qti-assessment-section", "qti-assessment-item-ref")
_TEMPLATE_BASE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


# ---------------------------------------------------------------------------------------------
# The edit: lock, parse, change, check, store
# ---------------------------------------------------------------------------------------------


def _children(parent: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str) and local_name(c) == name]


def _ref_identifiers(root: etree._Element) -> set[str]:
    return {
        str(el.get("identifier"))
        for el in root.iter(f"{Q}qti-assessment-item-ref")
        if el.get("identifier")
    }


def _test_edit(
    *, test: QtiResource, change: Callable[[etree._Element], Any]
) -> tuple[QtiResource, Any]:
    """Apply ``change`` to the locked test's tree and store the result (the caller's
    transaction is the edit's)."""
    locked = QtiResource.objects.select_for_update().get(pk=test.pk)
    root = qti_parse(locked.xml)
    result = change(root)
    # A safety net for what the edits keep: an edit checks the identifiers it brings, and
    # settings or subsections kept from a replaced part or section are checked here.
    seen: set[str] = set()
    for element in root.iter(*(f"{Q}{name}" for name in _STRUCTURAL)):
        identifier = str(element.get("identifier") or "")
        if identifier in seen:
            message = MSG_IDENTIFIER_TAKEN.format(
                field="identifier", identifier=identifier, test=locked.identifier
            )
            raise Conflict(message, field="identifier")
        seen.add(identifier)
    xml = etree.tostring(root, encoding="unicode")
    check = document_check(xml=xml, kind=ResourceKind.TEST)
    if not check.ok or check.root is None:  # a safety net: the edits build valid structure
        message = MSG_XML_INVALID.format(kind="test", problems="; ".join(check.problems))
        raise ApplicationError(message, field="body", extra={"checks": check.checks})
    locked.xml = xml
    locked.title = str(check.root.get("title") or "")
    locked.parsed = document_summary(check.root)
    locked.full_clean(exclude=["org_scope", "package"], validate_constraints=False)
    locked.save()
    return locked, result


def _unique(
    root: etree._Element,
    identifiers: Iterable[tuple[str, str]],
    *,
    test: str,
    replacing: Sequence[etree._Element] = (),
) -> None:
    """Each ``(field, identifier)`` unused in the test outside the subtrees being replaced,
    and unrepeated among themselves."""
    taken: set[str] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        # ``is``: lxml returns the same proxy while a reference (``replacing``) holds it.
        if any(element is r for r in replacing):
            continue
        if local_name(element) in _STRUCTURAL and element.get("identifier"):
            taken.add(str(element.get("identifier")))
        stack.extend(c for c in element if isinstance(c.tag, str))
    seen: set[str] = set()
    for field, identifier in identifiers:
        if identifier in taken or identifier in seen:
            message = MSG_IDENTIFIER_TAKEN.format(field=field, identifier=identifier, test=test)
            raise Conflict(message, field=field)
        seen.add(identifier)


def _items_exist(
    *, test: QtiResource, refs: Iterable[tuple[str, str]], held: Collection[str] = ()
) -> None:
    """Each new ``(field, identifier)`` reference names a stored item of the test's org."""
    wanted = [(f, i) for f, i in refs if i not in held]
    if not wanted:
        return
    stored = item_identifiers_stored(org_id=test.org_scope_id, identifiers={i for _, i in wanted})
    for field, identifier in wanted:
        if identifier not in stored:
            raise ApplicationError(
                MSG_ITEM_UNKNOWN.format(field=field, identifier=identifier), field=field
            )


def _part(root: etree._Element, identifier: str, test: str) -> etree._Element:
    for part in _children(root, "qti-test-part"):
        if part.get("identifier") == identifier:
            return part
    raise NotFound(
        MSG_PART_NOT_FOUND.format(identifier=identifier, test=test), field="testPartIdentifier"
    )


def _section(part: etree._Element, identifier: str) -> etree._Element:
    for section in part.iter(f"{Q}qti-assessment-section"):
        if section.get("identifier") == identifier:
            return section
    raise NotFound(
        MSG_SECTION_NOT_FOUND.format(identifier=identifier, part=part.get("identifier")),
        field="identifier",
    )


def _insert(
    parent: etree._Element,
    element: etree._Element,
    *,
    siblings: list[etree._Element],
    sequence: int | None,
    before: Sequence[str],
    field: str,
) -> None:
    """Insert ``element`` among ``siblings`` at ``sequence`` (1-based; the end when None),
    else before the first child named in ``before`` (QTI fixes what follows)."""
    if sequence is not None:
        if not 1 <= sequence <= len(siblings) + 1:
            raise ApplicationError(
                MSG_SEQUENCE.format(field=field, top=len(siblings) + 1), field=field
            )
        if sequence <= len(siblings):
            siblings[sequence - 1].addprevious(element)
            return
    if siblings:
        siblings[-1].addnext(element)
        return
    for child in parent:
        if isinstance(child.tag, str) and local_name(child) in before:
            child.addprevious(element)
            return
    parent.append(element)


def _flag(value: bool) -> str:
    return "true" if value else "false"


# ---------------------------------------------------------------------------------------------
# Elements from Timeback's JSON shapes
# ---------------------------------------------------------------------------------------------


def _ref_element(ref: Mapping[str, Any]) -> etree._Element:
    identifier = str(ref["identifier"])
    element = etree.Element(f"{Q}qti-assessment-item-ref", nsmap={None: QTI3_NS})
    element.set("identifier", identifier)
    element.set("href", str(ref.get("href") or f"/assessment-items/{identifier}"))
    return element


def _set_section_attributes(element: etree._Element, data: Mapping[str, Any]) -> None:
    element.set("identifier", str(data["identifier"]))
    element.set("title", str(data["title"]))
    element.set("visible", _flag(bool(data.get("visible", True))))
    # Written out: Timeback's ``content`` of a section declares all five attributes.
    element.set("required", _flag(bool(data.get("required") or False)))
    element.set("fixed", _flag(bool(data.get("fixed") or False)))


def _sorted_refs(refs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """References in the order their ``sequence`` gives (list order breaks ties and places
    those without one last)."""
    indexed = list(enumerate(refs))
    indexed.sort(key=lambda p: (p[1].get("sequence") is None, p[1].get("sequence") or 0, p[0]))
    return [r for _, r in indexed]


def _fill_section(element: etree._Element, data: Mapping[str, Any]) -> None:
    """Attributes from ``data``; when ``data`` lists references, they replace the section's
    own references (those held by its subsections stay there)."""
    _set_section_attributes(element, data)
    refs = data.get("qti-assessment-item-ref")
    if refs is None:
        return
    nested = {
        str(r.get("identifier"))
        for sub in _children(element, "qti-assessment-section")
        for r in sub.iter(f"{Q}qti-assessment-item-ref")
    }
    old = _children(element, "qti-assessment-item-ref")
    anchor = old[0] if old else None
    new = [_ref_element(r) for r in _sorted_refs(refs) if str(r["identifier"]) not in nested]
    for ref in new:
        if anchor is not None:
            anchor.addprevious(ref)
        else:
            subsections = _children(element, "qti-assessment-section")
            if subsections:
                subsections[0].addprevious(ref)
            else:
                element.append(ref)
    for ref in old:
        element.remove(ref)


def _section_element(data: Mapping[str, Any]) -> etree._Element:
    element = etree.Element(f"{Q}qti-assessment-section", nsmap={None: QTI3_NS})
    _fill_section(
        element, {**data, "qti-assessment-item-ref": data.get("qti-assessment-item-ref") or []}
    )
    return element


def _section_refs(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    return [
        (f"{prefix}qti-assessment-item-ref[{n}].identifier", str(ref["identifier"]))
        for n, ref in enumerate(data.get("qti-assessment-item-ref") or [])
    ]


def _section_body_ids(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    return [(f"{prefix}identifier", str(data["identifier"])), *_section_refs(data, prefix)]


def _fill_part(
    element: etree._Element, data: Mapping[str, Any], *, max_attempts: int | None = None
) -> None:
    """Modes from ``data``; its sections replace the part's: a section of the same
    identifier keeps its settings (selection, ordering, rubrics, subsections)."""
    element.set("identifier", str(data["identifier"]))
    element.set("navigation-mode", str(data["navigationMode"]))
    element.set("submission-mode", str(data["submissionMode"]))
    if max_attempts is not None:
        control = etree.SubElement(element, f"{Q}qti-item-session-control")
        control.set("max-attempts", str(max_attempts))
    old = {s.get("identifier"): s for s in _children(element, "qti-assessment-section")}
    ordered = sorted(
        enumerate(data["qti-assessment-section"]),
        key=lambda p: (p[1].get("sequence") is None, p[1].get("sequence") or 0, p[0]),
    )
    new: list[etree._Element] = []
    for _, section in ordered:
        kept = old.pop(section["identifier"], None)
        if kept is not None:
            _fill_section(kept, section)
            new.append(kept)
        else:
            new.append(_section_element(section))
    for section in old.values():
        element.remove(section)
    feedback = _children(element, "qti-test-feedback")
    for section in new:
        if section.getparent() is element:
            element.remove(section)
        if feedback:
            feedback[0].addprevious(section)
        else:
            element.append(section)


def _part_body_ids(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    ids = [("identifier", str(data["identifier"]))]
    for n, section in enumerate(data["qti-assessment-section"]):
        ids.extend(_section_body_ids(section, f"qti-assessment-section[{n}]."))
    return ids


def _part_refs(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    refs: list[tuple[str, str]] = []
    for n, section in enumerate(data["qti-assessment-section"]):
        refs.extend(_section_refs(section, f"qti-assessment-section[{n}]."))
    return refs


# ---------------------------------------------------------------------------------------------
# Test parts
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def test_part_create(*, test: QtiResource, data: Mapping[str, Any]) -> QtiResource:
    """Add a test part (``TestPart``: identifier, modes, sections) after the test's parts,
    or at ``sequence``."""

    def change(root: etree._Element) -> None:
        _unique(root, _part_body_ids(data), test=test.identifier)
        _items_exist(test=test, refs=_part_refs(data))
        element = etree.Element(f"{Q}qti-test-part", nsmap={None: QTI3_NS})
        _fill_part(element, data)
        _insert(
            root,
            element,
            siblings=_children(root, "qti-test-part"),
            sequence=data.get("sequence"),
            before=("qti-outcome-processing", "qti-test-feedback"),
            field="sequence",
        )

    return _test_edit(test=test, change=change)[0]


@transaction.atomic
def test_part_update(*, test: QtiResource, identifier: str, data: Mapping[str, Any]) -> QtiResource:
    """Replace a test part's modes and sections (the sections the body lists, in its order)."""
    if str(data["identifier"]) != identifier:
        message = MSG_IDENTIFIER_PATH.format(found=data["identifier"], expected=identifier)
        raise ApplicationError(message, field="identifier")

    def change(root: etree._Element) -> None:
        part = _part(root, identifier, test.identifier)
        _unique(root, _part_body_ids(data), test=test.identifier, replacing=[part])
        _items_exist(test=test, refs=_part_refs(data), held=_ref_identifiers(root))
        _fill_part(part, data)

    return _test_edit(test=test, change=change)[0]


@transaction.atomic
def test_part_delete(*, test: QtiResource, identifier: str) -> QtiResource:
    """Remove a test part with its sections (the items themselves stay)."""

    def change(root: etree._Element) -> None:
        part = _part(root, identifier, test.identifier)
        if len(_children(root, "qti-test-part")) == 1:
            raise Conflict(MSG_LAST_PART.format(identifier=identifier), field="identifier")
        root.remove(part)

    return _test_edit(test=test, change=change)[0]


# ---------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def section_create(*, test: QtiResource, part: str, data: Mapping[str, Any]) -> QtiResource:
    """Add a section (``Section``) to a test part, at ``sequence`` among its sections or last."""

    def change(root: etree._Element) -> None:
        found = _part(root, part, test.identifier)
        _unique(root, _section_body_ids(data), test=test.identifier)
        _items_exist(test=test, refs=_section_refs(data))
        _insert(
            found,
            _section_element(data),
            siblings=_children(found, "qti-assessment-section"),
            sequence=data.get("sequence"),
            before=("qti-test-feedback",),
            field="sequence",
        )

    return _test_edit(test=test, change=change)[0]


def _move_section(section: etree._Element, sequence: int | None) -> None:
    if sequence is None:
        return
    parent = section.getparent()
    assert parent is not None
    siblings = _children(parent, "qti-assessment-section")
    if not 1 <= sequence <= len(siblings):
        raise ApplicationError(
            MSG_SEQUENCE.format(field="sequence", top=len(siblings)), field="sequence"
        )
    target = siblings[sequence - 1]
    if target is section:
        return
    if siblings.index(section) < sequence - 1:
        target.addnext(section)
    else:
        target.addprevious(section)


@transaction.atomic
def section_update(
    *, test: QtiResource, part: str, identifier: str, data: Mapping[str, Any]
) -> QtiResource:
    """Replace a section's title, flags and (when listed) item references; ``sequence``
    moves it among its sibling sections."""
    if str(data["identifier"]) != identifier:
        message = MSG_IDENTIFIER_PATH.format(found=data["identifier"], expected=identifier)
        raise ApplicationError(message, field="identifier")

    def change(root: etree._Element) -> None:
        section = _section(_part(root, part, test.identifier), identifier)
        refs_replaced = _children(section, "qti-assessment-item-ref")
        _unique(
            root,
            _section_refs(data),
            test=test.identifier,
            replacing=[section, *refs_replaced],
        )
        _items_exist(test=test, refs=_section_refs(data), held=_ref_identifiers(root))
        _fill_section(section, data)
        _move_section(section, data.get("sequence"))

    return _test_edit(test=test, change=change)[0]


@transaction.atomic
def section_delete(*, test: QtiResource, part: str, identifier: str) -> QtiResource:
    """Remove a section with its subsections and item references (the items stay)."""

    def change(root: etree._Element) -> None:
        found = _part(root, part, test.identifier)
        section = _section(found, identifier)
        parent = section.getparent()
        assert parent is not None
        if parent is found and len(_children(found, "qti-assessment-section")) == 1:
            raise Conflict(
                MSG_LAST_SECTION.format(identifier=identifier, part=part), field="identifier"
            )
        parent.remove(section)

    return _test_edit(test=test, change=change)[0]


# ---------------------------------------------------------------------------------------------
# Item references of a section
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def item_ref_add(
    *, test: QtiResource, part: str, section: str, ref: Mapping[str, Any]
) -> QtiResource:
    """Add a reference to a stored item (``{identifier, href?, sequence?}``) to a section."""

    def change(root: etree._Element) -> None:
        found = _section(_part(root, part, test.identifier), section)
        _unique(root, [("identifier", str(ref["identifier"]))], test=test.identifier)
        _items_exist(test=test, refs=[("identifier", str(ref["identifier"]))])
        _insert(
            found,
            _ref_element(ref),
            siblings=_children(found, "qti-assessment-item-ref"),
            sequence=ref.get("sequence"),
            before=("qti-assessment-section", "qti-assessment-section-ref"),
            field="sequence",
        )

    return _test_edit(test=test, change=change)[0]


@transaction.atomic
def item_ref_remove(*, test: QtiResource, part: str, section: str, item: str) -> QtiResource:
    """Remove an item reference from a section (or one of its subsections)."""

    def change(root: etree._Element) -> None:
        found = _section(_part(root, part, test.identifier), section)
        for ref in found.iter(f"{Q}qti-assessment-item-ref"):
            if ref.get("identifier") == item:
                parent = ref.getparent()
                assert parent is not None
                parent.remove(ref)
                return
        raise NotFound(
            MSG_REF_NOT_FOUND.format(identifier=item, section=section), field="itemIdentifier"
        )

    return _test_edit(test=test, change=change)[0]


@transaction.atomic
def item_refs_reorder(
    *, test: QtiResource, part: str, section: str, refs: Sequence[Mapping[str, Any]]
) -> QtiResource:
    """Put a section's item references in the order ``refs`` gives (by ``sequence`` when
    given, else list order). ``refs`` names each reference exactly once; a reference held by
    a subsection is ordered among that subsection's references."""

    def change(root: etree._Element) -> None:
        found = _section(_part(root, part, test.identifier), section)
        elements = list(found.iter(f"{Q}qti-assessment-item-ref"))
        have = [str(e.get("identifier")) for e in elements]
        wanted = [str(r["identifier"]) for r in _sorted_refs(refs)]
        repeated = sorted({i for i in wanted if wanted.count(i) > 1})
        missing = sorted(set(have) - set(wanted))
        unknown = sorted(set(wanted) - set(have))
        if repeated or missing or unknown:
            message = MSG_ORDER_SET.format(
                section=section,
                missing=", ".join(missing) or "none",
                unknown=", ".join(unknown) or "none",
                repeated=", ".join(repeated) or "none",
            )
            raise ApplicationError(message, field="items")
        rank = {identifier: n for n, identifier in enumerate(wanted)}
        groups: list[tuple[etree._Element, list[etree._Element]]] = []
        for element in elements:
            parent = element.getparent()
            assert parent is not None
            # ``is``: lxml returns the same proxy while a reference (``groups``) holds it.
            group = next((g for p, g in groups if p is parent), None)
            if group is None:
                groups.append((parent, [element]))
            else:
                group.append(element)
        for parent, group in groups:
            # Refill the same slots, so the references keep their place among other children.
            ordered = sorted(group, key=lambda e: rank[str(e.get("identifier"))])
            placeholders = []
            for element in group:
                placeholder = etree.Element("placeholder")
                element.addprevious(placeholder)
                placeholders.append(placeholder)
                parent.remove(element)
            for placeholder, element in zip(placeholders, ordered, strict=True):
                placeholder.addprevious(element)
                parent.remove(placeholder)

    return _test_edit(test=test, change=change)[0]


# ---------------------------------------------------------------------------------------------
# Whole tests from Timeback's JSON
# ---------------------------------------------------------------------------------------------


def _outcome_element(data: Mapping[str, Any]) -> etree._Element:
    element = etree.Element(f"{Q}qti-outcome-declaration", nsmap={None: QTI3_NS})
    element.set("identifier", str(data["identifier"]))
    element.set("cardinality", str(data.get("cardinality") or "single"))
    element.set("base-type", str(data["baseType"]))
    for key, attribute in (
        ("normalMaximum", "normal-maximum"),
        ("normalMinimum", "normal-minimum"),
    ):
        if data.get(key) is not None:
            element.set(attribute, _number_text(data[key]))
    default = data.get("defaultValue")
    if isinstance(default, Mapping) and default.get("value") is not None:
        values = default["value"] if isinstance(default["value"], list) else [default["value"]]
        holder = etree.SubElement(element, f"{Q}qti-default-value")
        for value in values:
            etree.SubElement(holder, f"{Q}qti-value").text = _value_text(value)
    return element


def _number_text(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return _flag(value)
    if isinstance(value, int | float):
        return _number_text(value)
    return str(value)


def test_xml_build(*, data: Mapping[str, Any], org_id: int, held: Iterable[str] = ()) -> str:
    """The QTI 3.0 test document for Timeback's JSON test (``AssessmentTest``): identifier,
    title, tool name and version, outcome declarations, ``timeLimit`` (seconds, on the test),
    ``maxAttempts`` (each part's item session control) and ``qti-test-part``. Its item
    references must name stored items of ``org_id`` unless listed in ``held`` (references
    the replaced test already held); its identifiers must be unique."""
    root = etree.Element(f"{Q}qti-assessment-test", nsmap={None: QTI3_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", ASI_SCHEMA_LOCATION)
    root.set("identifier", str(data["identifier"]))
    root.set("title", str(data["title"]))
    for key, attribute in (("toolName", "tool-name"), ("toolVersion", "tool-version")):
        if data.get(key):
            root.set(attribute, str(data[key]))
    for outcome in data.get("qti-outcome-declaration") or []:
        root.append(_outcome_element(outcome))
    if data.get("timeLimit") is not None:
        limits = etree.SubElement(root, f"{Q}qti-time-limits")
        limits.set("max-time", _number_text(data["timeLimit"]))
    ids: list[tuple[str, str]] = []
    refs: list[tuple[str, str]] = []
    for n, part in enumerate(data["qti-test-part"]):
        field = f"qti-test-part[{n}]"
        ids.extend((f"{field}.{f}", i) for f, i in _part_body_ids(part))
        refs.extend((f"{field}.{f}", i) for f, i in _part_refs(part))
        element = etree.SubElement(root, f"{Q}qti-test-part")
        _fill_part(element, part, max_attempts=data.get("maxAttempts"))
    seen: set[str] = set()
    for field, identifier in ids:
        if identifier in seen:
            message = MSG_IDENTIFIER_TAKEN.format(
                field=field, identifier=identifier, test=data["identifier"]
            )
            raise Conflict(message, field=field)
        seen.add(identifier)
    held_ids = set(held)
    wanted = [(f, i) for f, i in refs if i not in held_ids]
    stored = item_identifiers_stored(org_id=org_id, identifiers={i for _, i in wanted})
    for field, identifier in wanted:
        if identifier not in stored:
            raise ApplicationError(
                MSG_ITEM_UNKNOWN.format(field=field, identifier=identifier), field=field
            )
    return etree.tostring(root, encoding="unicode")
