"""Delivering a test to a student: attempts, item sessions, navigation, submission, time
limits, and the results written to the OneRoster gradebook when an attempt ends.

An attempt's route (selection and ordering drawn from its seed) is planned once when it
starts (``qti.processing.navigation``); every item session of the route is created then,
each with its own seed for template processing and choice shuffling, so that a reloaded page
shows the same item the same way. In ``individual`` submission mode each item is scored as it
is submitted (within its ``max-attempts``); in ``simultaneous`` mode responses are saved as
the student goes and scored together when the test part is submitted. Linear parts move
forward only, through branch rules and pre-conditions; nonlinear parts let the student visit
their items in any order.

Time limits (``max-time``) of the test, a part, a section or an item are enforced by the
server: ``attempt_sync`` (called before each action) ends what ran out of time, unless it
allows late submission; ``min-time`` keeps a linear element open until it has passed.

Every write is one transaction and takes the attempt's row lock first, so two tabs of the
same attempt never interleave.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from lxml import etree

from case.tasks import standards_evidence_refresh_task
from common.exceptions import ApplicationError, Conflict
from qti.choices import AttemptStatus, ItemSessionStatus, ResourceKind
from qti.models import ItemSession, QtiResource, TestAttempt
from qti.processing import ItemResult, ItemState, QtiProcessingError, test_outcomes
from qti.processing.navigation import (
    TimeLevel,
    holds_with,
    response_problems,
    route_item_refs,
    route_plan,
    stop_next,
    time_limits_at,
)
from qti.processing.values import Value, value_dump, value_load
from qti.selectors import ItemRefPlace, compiled_item, items_resolve
from qti.selectors.delivery import section_resolve
from qti.xml import QTI3_NS, local_name, qti_parse
from roster.models import AssessmentLineItem, AssessmentResult, User

__all__ = [
    "MSG_ENDED",
    "attempt_goto",
    "attempt_next",
    "attempt_start",
    "attempt_sync",
    "item_responses_save",
    "item_submit",
    "part_submit",
]

MSG_NOT_A_TEST = "test: {identifier!r} is not an assessment test"
MSG_TEST_INVALID = "test: {reason}"
MSG_ITEM_MISSING = "test: item reference {ref!r} (href {href!r}) names no stored item"
MSG_ENDED = "This attempt has ended"
MSG_NOT_OPEN = "position: item {position} is not open now"
MSG_LINEAR = "position: this test part is linear: an item once left cannot be visited again"
MSG_OTHER_PART = "position: item {position} is not in the current test part"
MSG_SIMULTANEOUS = (
    "action: in this test part responses are submitted together with the part, not item by item"
)
MSG_INDIVIDUAL = "action: a linear test part is not submitted whole: it ends after its last item"
MSG_CLOSED = "position: item {ref!r} is closed: no more attempts"
MSG_NO_REVIEW = "goto: item {ref!r} is closed and this test does not allow reviewing it"
MSG_NO_ATTEMPTS = "position: item {ref!r} allows {count} attempt(s), all used"
MSG_SKIPPING = "{response}: an answer is required (this item cannot be skipped)"
MSG_RESPONSE = "{response}: {reason}"
MSG_TIME_UP = "The time limit of {label} ({seconds:g} s) is over"
MSG_MIN_TIME = "{label} stays open for at least {seconds:g} s ({left:.0f} s to go)"
MSG_LAST = "action: this is the last item of the part: submit the part to go on"
MSG_NOT_SUBMITTED = "{ref}: submit an answer before moving on (this item cannot be skipped)"

SCORE_STATUS_GRADED = "fully graded"
SCORE_STATUS_PARTIAL = "partially graded"
SCORE_STATUS_SUBMITTED = "submitted"
SOURCE_SYSTEM = "qti"

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Starting
# ---------------------------------------------------------------------------------------------


def _session_seed(seed: int, position: int) -> int:
    return random.Random(f"{seed}:{position}").randrange(2**31)


def _outcome_processing(root: etree._Element) -> str:
    """The test's outcome declarations and processing alone (what ending an attempt runs)."""
    kept = etree.Element(f"{{{QTI3_NS}}}qti-assessment-test", nsmap={None: QTI3_NS})
    kept.set("identifier", root.get("identifier") or "")
    for child in root:
        if isinstance(child.tag, str) and local_name(child) in (
            "qti-outcome-declaration",
            "qti-outcome-processing",
        ):
            kept.append(etree.fromstring(etree.tostring(child)))
    return etree.tostring(kept, encoding="unicode")


MSG_SECTION_MISSING = "test: section reference {ref!r} (href {href!r}) names no stored section"
_SECTION_REF_DEPTH = 8


def _section_refs_inline(root: etree._Element, test: QtiResource, depth: int = 0) -> None:
    """Replace each ``qti-assessment-section-ref`` by the stored section it names (the
    package's file at its href first, else the organisation's section of that identifier)."""
    refs = [
        el
        for el in root.iter()
        if isinstance(el.tag, str) and local_name(el) == "qti-assessment-section-ref"
    ]
    if not refs:
        return
    if depth >= _SECTION_REF_DEPTH:
        raise ApplicationError(
            MSG_TEST_INVALID.format(reason="section references nest too deep"), field="test"
        )
    for ref in refs:
        ident, href = ref.get("identifier") or "", ref.get("href") or ""
        section = section_resolve(resource=test, identifier=ident, href=href)
        if section is None:
            raise ApplicationError(MSG_SECTION_MISSING.format(ref=ident, href=href), field="test")
        inlined = qti_parse(section.xml)
        inlined.set("identifier", ident or inlined.get("identifier") or "")
        parent = ref.getparent()
        assert parent is not None
        parent.replace(ref, inlined)
    _section_refs_inline(root, test, depth + 1)


@transaction.atomic
def attempt_start(
    *,
    test: QtiResource,
    student: User,
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> TestAttempt:
    """The student's attempt under way at ``test``, or a new one: its route planned with
    ``seed`` (random if not given), its item sessions created, its first item presented."""
    if test.kind != ResourceKind.TEST:
        raise ApplicationError(MSG_NOT_A_TEST.format(identifier=test.identifier), field="test")
    open_attempt = TestAttempt.objects.filter(
        test=test, student=student, status=AttemptStatus.IN_PROGRESS
    ).first()
    if open_attempt is not None:
        return open_attempt
    now = now or timezone.now()
    seed = secrets.randbelow(2**31) if seed is None else seed
    try:
        root = qti_parse(test.xml)
        _section_refs_inline(root, test)
        route = route_plan(root=root, seed=seed)
    except QtiProcessingError as exc:
        raise ApplicationError(MSG_TEST_INVALID.format(reason=exc), field="test") from exc
    route["outcomeProcessing"] = _outcome_processing(root)
    stops = route["stops"]
    places = [
        ItemRefPlace(ref={"identifier": s["ref"], "href": s["href"]}, test_part="", section="")
        for s in stops
    ]
    items = items_resolve(resource=test, places=places)
    for index, stop in enumerate(stops):
        if index not in items:
            raise ApplicationError(
                MSG_ITEM_MISSING.format(ref=stop["ref"], href=stop["href"]), field="test"
            )
        stop["item"] = items[index].pk
    number = TestAttempt.objects.filter(test=test, student=student).order_by("-number").first()
    attempt = TestAttempt(
        test=test,
        student=student,
        org_scope_id=test.org_scope_id,
        number=(number.number + 1) if number else 1,
        seed=seed,
        route=route,
        started_at=now,
        entered={"test": now.isoformat()},
    )
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError:  # a second tab started one at the same moment
        return TestAttempt.objects.get(test=test, student=student, status=AttemptStatus.IN_PROGRESS)
    sessions = []
    for index, stop in enumerate(stops):
        scorer = compiled_item(resource=items[index]).scorer
        session_seed = _session_seed(seed, index)
        try:
            dumped = scorer.new_state(seed=session_seed).dump()
        except QtiProcessingError as exc:
            # e.g. a custom operator no extension provides: the item keeps its template
            # defaults, and its page says why
            dumped = {**ItemState(seed=session_seed).dump(), "problem": str(exc)}
        sessions.append(
            ItemSession(
                attempt=attempt, position=index, ref=stop["ref"], item=items[index], state=dumped
            )
        )
    ItemSession.objects.bulk_create(sessions)
    run = _Run.load(attempt)
    run.go(stop_next(route, None, run.holds()), now)
    run.save()
    return run.attempt


# ---------------------------------------------------------------------------------------------
# The run: an attempt with its sessions, loaded under its row lock
# ---------------------------------------------------------------------------------------------


@dataclass
class _Run:
    attempt: TestAttempt
    sessions: list[ItemSession]
    dirty: set[int]
    scored: bool = False

    @classmethod
    def load(cls, attempt: TestAttempt) -> _Run:
        locked = TestAttempt.objects.select_for_update().select_related("test").get(pk=attempt.pk)
        sessions = list(
            ItemSession.objects.filter(attempt=locked).select_related("item").order_by("position")
        )
        return cls(locked, sessions, set())

    # -- reading ------------------------------------------------------------------------------

    @property
    def route(self) -> dict[str, Any]:
        return self.attempt.route

    def stop(self, position: int) -> dict[str, Any]:
        return self.route["stops"][position]

    def part_of(self, position: int) -> dict[str, Any]:
        return self.route["parts"][self.stop(position)["part"]]

    @property
    def part(self) -> dict[str, Any]:
        return self.route["parts"][self.attempt.part]

    def results(self) -> dict[str, ItemResult]:
        out: dict[str, ItemResult] = {}
        for s in self.sessions:
            if s.num_attempts == 0 and s.status != ItemSessionStatus.CLOSED:
                continue
            if not s.outcomes and not s.response_values:
                continue
            out[s.ref] = ItemResult(
                identifier=s.item.identifier,
                outcomes={k: value_load(v) for k, v in s.outcomes.items()},
                responses={k: value_load(v) for k, v in s.response_values.items()},
                feedback=[],
                state=ItemState.load(s.state),
                correct=s.correct,
                max_score=s.max_score,
                bounds=compiled_item(resource=s.item).scorer.bounds,
            )
        return out

    def outcomes(self) -> dict[str, Value]:
        return test_outcomes(
            test_xml=self.route["outcomeProcessing"],
            item_results=self.results(),
            refs=route_item_refs(self.route),
        )

    def holds(self) -> Any:
        return holds_with(
            variables=self.outcomes(), refs=route_item_refs(self.route), results=self.results()
        )

    # -- time ---------------------------------------------------------------------------------

    def limits(self, position: int) -> list[TimeLevel]:
        """(key, label, limits, entered at) of each level above and at ``position``."""
        return time_limits_at(
            route=self.route,
            position=position,
            entered=self.attempt.entered,
            item_presented_at=self.sessions[position].presented_at,
        )

    def time_up(self, position: int, now: dt.datetime) -> tuple[str, str, float] | None:
        """The level whose max-time ran out (without late submission), if any."""
        for key, label, limits, since in self.limits(position):
            top = limits.get("maxTime")
            late_ok = limits.get("allowLateSubmission")
            if top and since and (now - since).total_seconds() > top and not late_ok:
                return key, label, float(top)
        return None

    def check_min_time(self, keys: Iterable[str], position: int, now: dt.datetime) -> None:
        wanted = set(keys)
        for key, label, limits, since in self.limits(position):
            low = limits.get("minTime")
            if key in wanted and low and since:
                spent = (now - since).total_seconds()
                if spent < low:
                    raise Conflict(
                        MSG_MIN_TIME.format(
                            label=label[:1].upper() + label[1:], seconds=low, left=low - spent
                        )
                    )

    # -- moving -------------------------------------------------------------------------------

    def go(self, position: int | None, now: dt.datetime) -> None:
        """Present ``position`` (entering its part and sections), or end the test (None)."""
        if position is None:
            self.finish(now)
            return
        stop = self.stop(position)
        entered = self.attempt.entered
        entered.setdefault(f"part:{stop['part']}", now.isoformat())
        for section in stop["sections"]:
            entered.setdefault(f"section:{section}", now.isoformat())
        self.attempt.part = stop["part"]
        self.attempt.position = position
        session = self.sessions[position]
        if session.status == ItemSessionStatus.INITIAL:
            session.status = ItemSessionStatus.INTERACTING
            session.presented_at = now
            self.dirty.add(position)

    def leave(self, position: int, now: dt.datetime) -> None:
        """Close an item as the student moves past it (or its part ends). An item left
        without a response keeps its outcomes' default values, as QTI says."""
        session = self.sessions[position]
        if session.status != ItemSessionStatus.CLOSED:
            session.status = ItemSessionStatus.CLOSED
            self.dirty.add(position)
        if session.num_attempts == 0 and not session.outcomes:
            self.defaults(session)
        self._account(session, now)

    def defaults(self, session: ItemSession) -> None:
        scorer = compiled_item(resource=session.item).scorer
        state = ItemState.load(session.state)
        outcomes = {
            d.identifier: state.defaults.get(d.identifier) or d.default for d in scorer.outcomes
        }
        session.outcomes = {k: value_dump(v) for k, v in outcomes.items()}
        score = outcomes.get("SCORE")
        session.score = None if score is None or score.is_null else float(score.value)
        session.max_score = scorer.max_score(outcomes)
        self.dirty.add(session.position)

    def _account(self, session: ItemSession, now: dt.datetime) -> None:
        if session.presented_at and session.submitted_at is None:
            session.duration = (now - session.presented_at).total_seconds()
            self.dirty.add(session.position)

    def advance(self, now: dt.datetime, *, after: int | None = None) -> None:
        """Linear navigation past stop ``after`` (the current one by default)."""
        current = self.attempt.position if after is None else after
        assert current is not None
        self.proceed(stop_next(self.route, current, self.holds()), now)

    def proceed(self, following: int | None, now: dt.datetime) -> None:
        """Present ``following`` if the current part holds it, else go on to the next part."""
        if following is None or self.stop(following)["part"] != self.attempt.part:
            self.next_part(now)
        else:
            self.go(following, now)

    def next_part(self, now: dt.datetime) -> None:
        """End the part under way and present the next part's first stop (or end the test)."""
        self.end_part(now)
        self.go(stop_next(self.route, self.part["end"] - 1, self.holds()), now)

    def end_part(self, now: dt.datetime) -> None:
        """Score what a simultaneous part holds and close every session of the part."""
        part = self.part
        for position in range(part["first"], part["end"]):
            session = self.sessions[position]
            if session.status == ItemSessionStatus.INITIAL:
                continue
            if part["submissionMode"] == "simultaneous" and session.num_attempts == 0:
                try:
                    self.score(session, session.responses, now)
                except ApplicationError as exc:  # checked when saved: the item cannot score
                    session.state = {**session.state, "problem": str(exc)}
            self.leave(position, now)

    def finish(self, now: dt.datetime) -> None:
        attempt = self.attempt
        for session in self.sessions:
            if session.status == ItemSessionStatus.INTERACTING:
                self.leave(session.position, now)
        attempt.outcomes = {k: value_dump(v) for k, v in self.outcomes().items()}
        attempt.status = AttemptStatus.COMPLETED
        attempt.position = None
        attempt.ended_at = now

    # -- scoring ------------------------------------------------------------------------------

    def score(self, session: ItemSession, raw: dict[str, Any], now: dt.datetime) -> None:
        compiled = compiled_item(resource=session.item)
        state = ItemState.load(session.state)
        responses = dict(raw)
        if session.presented_at and "duration" in compiled.scorer.declarations:
            spent = session.duration + (now - session.presented_at).total_seconds()
            responses.setdefault("duration", round(spent, 3))
        try:
            result = compiled.scorer.score(responses, state=state)
        except QtiProcessingError as exc:
            raise ApplicationError(
                MSG_RESPONSE.format(response=exc.subject or "response", reason=exc.message),
                field=exc.subject or "response",
            ) from exc
        session.state = result.state.dump()
        session.response_values = {k: value_dump(v) for k, v in result.responses.items()}
        session.outcomes = {k: value_dump(v) for k, v in result.outcomes.items()}
        session.feedback = result.feedback_identifiers
        session.num_attempts = result.state.num_attempts
        session.correct = result.correct
        session.score = result.score
        session.max_score = result.max_score
        session.responses = raw
        session.submitted_at = now
        self.scored = True
        if session.presented_at:
            session.duration = (now - session.presented_at).total_seconds()
        self.dirty.add(session.position)

    # -- saving -------------------------------------------------------------------------------

    def save(self) -> None:
        for position in sorted(self.dirty):
            self.sessions[position].save()
        self.dirty.clear()
        if self.scored and self.attempt.status == AttemptStatus.IN_PROGRESS:
            # outcome processing after each submission, as an individual part asks
            self.attempt.outcomes = {k: value_dump(v) for k, v in self.outcomes().items()}
        self.attempt.save()
        if self.attempt.status == AttemptStatus.COMPLETED:
            _gradebook_write(self.attempt, self.sessions)
            # The results carry the items' standards: refresh the evidence once committed.
            transaction.on_commit(standards_evidence_refresh_task.delay)


def _require_open(run: _Run) -> int:
    if run.attempt.status != AttemptStatus.IN_PROGRESS or run.attempt.position is None:
        raise Conflict(MSG_ENDED)
    return run.attempt.position


def _visitable(run: _Run, position: int, now: dt.datetime) -> None:
    """Whether the student may open ``position`` in the current nonlinear part: an open
    item, or a closed one if its session control allows review."""
    session = run.sessions[position] if 0 <= position < len(run.sessions) else None
    if (
        session is not None
        and session.status == ItemSessionStatus.CLOSED
        and run.stop(position)["part"] == run.attempt.part
        and run.part["navigationMode"] == "nonlinear"
    ):
        if not run.stop(position)["control"].get("allowReview", True):
            raise Conflict(MSG_NO_REVIEW.format(ref=session.ref), field="goto")
        return
    _reachable(run, position, now)


def _reachable(run: _Run, position: int, now: dt.datetime) -> ItemSession:
    """The session at ``position`` if the student may act on it now."""
    current = _require_open(run)
    if not 0 <= position < len(run.sessions):
        raise ApplicationError(MSG_NOT_OPEN.format(position=position), field="position")
    if position != current:
        if run.stop(position)["part"] != run.attempt.part:
            raise ApplicationError(MSG_OTHER_PART.format(position=position), field="position")
        if run.part["navigationMode"] == "linear":
            raise ApplicationError(MSG_LINEAR, field="position")
    session = run.sessions[position]
    if session.status == ItemSessionStatus.CLOSED:
        raise Conflict(MSG_CLOSED.format(ref=session.ref), field="position")
    if session.status == ItemSessionStatus.INITIAL:  # answered from the part's overview
        session.status = ItemSessionStatus.INTERACTING
        session.presented_at = now
        run.dirty.add(position)
    return session


def _parsed_responses(session: ItemSession, raw: dict[str, Any]) -> dict[str, Value]:
    scorer = compiled_item(resource=session.item).scorer
    try:
        return scorer.parse_responses(raw)
    except QtiProcessingError as exc:
        field = exc.subject or "response"
        raise ApplicationError(
            MSG_RESPONSE.format(response=field, reason=exc.message), field=field
        ) from exc


def _check_responses(session: ItemSession, control: dict[str, Any], raw: dict[str, Any]) -> None:
    parsed = _parsed_responses(session, raw)
    compiled = compiled_item(resource=session.item)
    if not control.get("allowSkipping", True):
        for ident in compiled.response_ids:
            value = parsed.get(ident)
            if value is None or value.is_null:
                raise ApplicationError(MSG_SKIPPING.format(response=ident), field=ident)
    if control.get("validateResponses"):
        problems = response_problems(
            interactions=session.item.parsed.get("interactions") or [], responses=parsed
        )
        if problems:
            ident, reason = problems[0]
            raise ApplicationError(MSG_RESPONSE.format(response=ident, reason=reason), field=ident)


# ---------------------------------------------------------------------------------------------
# The actions
# ---------------------------------------------------------------------------------------------


def _sync(run: _Run, now: dt.datetime) -> list[str]:
    """End whatever ran out of time; the messages say what ended."""
    messages: list[str] = []
    while run.attempt.status == AttemptStatus.IN_PROGRESS and run.attempt.position is not None:
        position = run.attempt.position
        up = run.time_up(position, now)
        if up is None:
            break
        key, label, seconds = up
        messages.append(MSG_TIME_UP.format(label=label, seconds=seconds))
        if key == "test":
            run.end_part(now)
            run.finish(now)
        elif key.startswith("part:"):
            run.next_part(now)
        else:
            # a section or an item: close its items and go past it
            stops = run.route["stops"]
            if key.startswith("item:"):
                last = position
            else:
                name = key.removeprefix("section:")
                last = max(
                    i
                    for i in range(run.part["first"], run.part["end"])
                    if name in stops[i]["sections"]
                )
            for i in range(run.part["first"], last + 1):
                if run.sessions[i].status == ItemSessionStatus.INTERACTING:
                    if run.part["submissionMode"] == "simultaneous":
                        run.score(run.sessions[i], run.sessions[i].responses, now)
                    run.leave(i, now)
            run.advance(now, after=last)
    return messages


@transaction.atomic
def attempt_sync(*, attempt: TestAttempt, now: dt.datetime | None = None) -> list[str]:
    """Apply the time limits: end the test, part, section or item whose time is over.
    Returns what ended, in words (empty when nothing did)."""
    run = _Run.load(attempt)
    messages = _sync(run, now or timezone.now())
    if messages:  # nothing changed otherwise: a page view writes nothing
        run.save()
    return messages


def _act(
    attempt: TestAttempt, now: dt.datetime | None, action: Callable[[_Run, dt.datetime], T]
) -> T:
    """Run ``action`` on the attempt under its row lock, after the time limits are applied.
    If time ran out, what ended is kept and the action is refused (409 with the reason)."""
    now = now or timezone.now()
    with transaction.atomic():
        run = _Run.load(attempt)
        messages = _sync(run, now)
        if not messages:
            out = action(run, now)
        run.save()
    if messages:
        raise Conflict(messages[0])
    return out


def item_responses_save(
    *,
    attempt: TestAttempt,
    position: int,
    responses: dict[str, Any],
    now: dt.datetime | None = None,
) -> ItemSession:
    """Keep the student's responses to an item without scoring them (a simultaneous part
    scores them when it is submitted; an individual part keeps them as a draft)."""

    def save(run: _Run, now: dt.datetime) -> ItemSession:
        session = _reachable(run, position, now)
        _parsed_responses(session, responses)
        session.responses = responses
        run.dirty.add(position)
        return session

    return _act(attempt, now, save)


def item_submit(
    *,
    attempt: TestAttempt,
    position: int,
    responses: dict[str, Any],
    now: dt.datetime | None = None,
) -> ItemSession:
    """Submit and score one attempt at an item of an individual part. The session closes
    when its attempts are used up (an adaptive item: when it says it is complete); a linear
    part then moves on by itself unless the student may see feedback first."""

    def submit(run: _Run, now: dt.datetime) -> ItemSession:
        session = _reachable(run, position, now)
        if run.part["submissionMode"] == "simultaneous":
            raise ApplicationError(MSG_SIMULTANEOUS, field="action")
        control = run.stop(position)["control"]
        scorer = compiled_item(resource=session.item).scorer
        limit = int(control.get("maxAttempts", 1))
        if not scorer.adaptive and limit and session.num_attempts >= limit:
            raise Conflict(MSG_NO_ATTEMPTS.format(ref=session.ref, count=limit), field="position")
        _check_responses(session, control, responses)
        run.score(session, responses, now)
        state = ItemState.load(session.state)
        used_up = (
            state.completion_status == "completed"
            if scorer.adaptive
            else bool(limit) and session.num_attempts >= limit
        )
        if used_up:
            session.status = ItemSessionStatus.CLOSED
            if run.part["navigationMode"] == "linear" and not control.get("showFeedback"):
                run.advance(now)
        return session

    return _act(attempt, now, submit)


def attempt_next(*, attempt: TestAttempt, now: dt.datetime | None = None) -> TestAttempt:
    """Move on from the current item: in a linear part past it for good (its min-time and
    those of the sections and part it ends must have passed), in a nonlinear part to the
    next item of the part."""

    def move(run: _Run, now: dt.datetime) -> TestAttempt:
        current = _require_open(run)
        part = run.part
        if part["navigationMode"] == "nonlinear":
            if current + 1 >= part["end"]:
                raise ApplicationError(MSG_LAST, field="action")
            run.go(current + 1, now)
            return run.attempt
        session = run.sessions[current]
        control = run.stop(current)["control"]
        if (
            part["submissionMode"] == "individual"
            and not control.get("allowSkipping", True)
            and session.num_attempts == 0
        ):
            raise ApplicationError(MSG_NOT_SUBMITTED.format(ref=session.ref), field="action")
        if part["submissionMode"] == "simultaneous" and session.num_attempts == 0:
            _check_responses(session, control, session.responses)
        # Left first (an unanswered item takes its default outcomes, which branch rules may
        # read); a refusal below rolls it back with the rest.
        run.leave(current, now)
        following = stop_next(run.route, current, run.holds())
        stop = run.stop(current)
        leaving = [f"item:{current}"]
        for section in stop["sections"]:
            if following is None or section not in run.stop(following)["sections"]:
                leaving.append(f"section:{section}")
        if following is None or run.stop(following)["part"] != stop["part"]:
            leaving.append(f"part:{stop['part']}")
        if following is None:
            leaving.append("test")
        run.check_min_time(leaving, current, now)
        run.proceed(following, now)
        return run.attempt

    return _act(attempt, now, move)


def attempt_goto(
    *, attempt: TestAttempt, position: int, now: dt.datetime | None = None
) -> TestAttempt:
    """Open another item of the current nonlinear part."""

    def goto(run: _Run, now: dt.datetime) -> TestAttempt:
        if position != _require_open(run):
            _visitable(run, position, now)
            run.go(position, now)
        return run.attempt

    return _act(attempt, now, goto)


def part_submit(*, attempt: TestAttempt, now: dt.datetime | None = None) -> TestAttempt:
    """Submit the current test part: every response of a simultaneous part is scored (each
    must pass the item's session control first), every item of the part closes, and the
    attempt goes on to the next part or ends."""

    def submit(run: _Run, now: dt.datetime) -> TestAttempt:
        current = _require_open(run)
        part = run.part
        if part["navigationMode"] == "linear":
            raise ApplicationError(MSG_INDIVIDUAL, field="action")
        for position in range(part["first"], part["end"]):
            session = run.sessions[position]
            control = run.stop(position)["control"]
            if part["submissionMode"] == "simultaneous" and session.num_attempts == 0:
                _check_responses(session, control, session.responses)
            elif session.num_attempts == 0 and not control.get("allowSkipping", True):
                raise ApplicationError(MSG_NOT_SUBMITTED.format(ref=session.ref), field="action")
        following = stop_next(run.route, part["end"] - 1, run.holds())
        leaving = [f"part:{run.attempt.part}"] + (["test"] if following is None else [])
        run.check_min_time(leaving, current, now)
        run.next_part(now)
        return run.attempt

    return _act(attempt, now, submit)


# ---------------------------------------------------------------------------------------------
# The gradebook
# ---------------------------------------------------------------------------------------------


def _sourced_id(*parts: object) -> str:
    digest = hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return f"qti_{digest}"


def line_item_sourced_id(*, test: QtiResource, ref: str | None = None) -> str:
    """The gradebook line item of a test (``ref`` None) or of one of its item references."""
    return _sourced_id("test", test.org_scope_id, test.identifier, ref or "")


def result_sourced_id(*, attempt: TestAttempt, ref: str | None = None, occurrence: int = 1) -> str:
    return _sourced_id("result", attempt.uuid, ref or "", occurrence)


def _gradebook_write(attempt: TestAttempt, sessions: list[ItemSession]) -> None:
    """One line item per test and per item reference (created once), one result per test
    attempt and per item presented in it, rewritten (never added) if written again."""
    test = attempt.test
    stops = attempt.route["stops"]
    max_total = sum(s.max_score or 0.0 for s in sessions if s.presented_at)
    test_item, _ = AssessmentLineItem.objects.get_or_create(
        sourced_id=line_item_sourced_id(test=test),
        defaults={
            "title": (test.title or test.identifier)[:255],
            "result_value_min": 0.0,
            "result_value_max": max_total or None,
            "org_scope_id": test.org_scope_id,
            "source_system": SOURCE_SYSTEM,
            "metadata": {"qtiTestIdentifier": test.identifier, "lessonType": "quiz"},
        },
    )
    day = (attempt.ended_at or timezone.now()).date()
    presented = [s for s in sessions if s.presented_at is not None]
    scored = [s for s in presented if s.score is not None]
    correct = sum(1 for s in presented if s.correct is True)
    outcomes = {k: value_load(v) for k, v in attempt.outcomes.items()}
    total = outcomes.get("SCORE")
    if total is not None and not total.is_null and total.base_type in ("integer", "float"):
        test_score: float | None = float(total.value)
    else:
        test_score = sum(s.score or 0.0 for s in scored) if scored else None
    common = {"attempt": attempt.number, "qtiAttemptId": str(attempt.uuid)}
    _result_save(
        sourced_id=result_sourced_id(attempt=attempt),
        line_item=test_item,
        attempt=attempt,
        score=test_score,
        status=SCORE_STATUS_GRADED if len(scored) == len(presented) else SCORE_STATUS_PARTIAL,
        day=day,
        metadata={
            **common,
            "totalQuestions": len(presented),
            "correctQuestions": correct,
            "accuracy": round(100 * correct / len(presented), 2) if presented else None,
            "maxScore": max_total or None,
            "outcomes": {k: v.to_python() for k, v in outcomes.items()},
        },
    )
    for session in presented:
        stop = stops[session.position]
        item_line, _ = AssessmentLineItem.objects.get_or_create(
            sourced_id=line_item_sourced_id(test=test, ref=session.ref),
            defaults={
                "title": (session.item.title or session.ref)[:255],
                "parent": test_item,
                "result_value_min": 0.0,
                "result_value_max": session.max_score,
                "org_scope_id": test.org_scope_id,
                "source_system": SOURCE_SYSTEM,
                "learning_objective_set": _objectives(session.item),
                "metadata": {
                    "qtiTestIdentifier": test.identifier,
                    "qtiItemIdentifier": session.item.identifier,
                    "qtiItemRef": session.ref,
                },
            },
        )
        _result_save(
            sourced_id=result_sourced_id(
                attempt=attempt, ref=session.ref, occurrence=stop.get("occurrence", 1)
            ),
            line_item=item_line,
            attempt=attempt,
            score=session.score,
            status=SCORE_STATUS_GRADED if session.score is not None else SCORE_STATUS_SUBMITTED,
            day=day,
            metadata={
                **common,
                "correct": session.correct,
                "numAttempts": session.num_attempts,
                "durationSeconds": round(session.duration, 3),
                "maxScore": session.max_score,
            },
        )


def _objectives(item: QtiResource) -> list[Any]:
    found = item.metadata.get("learningObjectiveSet")
    return found if isinstance(found, list) else []


def _result_save(
    *,
    sourced_id: str,
    line_item: AssessmentLineItem,
    attempt: TestAttempt,
    score: float | None,
    status: str,
    day: dt.date,
    metadata: dict[str, Any],
) -> None:
    AssessmentResult.objects.update_or_create(
        sourced_id=sourced_id,
        defaults={
            "assessment_line_item": line_item,
            "student_id": attempt.student_id,
            "score": score,
            "score_date": day,
            "score_status": status,
            "org_scope_id": attempt.org_scope_id,
            "source_system": SOURCE_SYSTEM,
            "metadata": metadata,
        },
    )
