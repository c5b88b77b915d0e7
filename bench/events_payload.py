"""Timeback-profile Caliper events for the events benchmark: ActivityEvent / TimeSpentEvent
pairs shaped like the ones real apps send (about 1 KB each), built from a string template so
that the load generator spends its time sending, not serialising.

Every activity is a TimeSpentEvent and its completing ActivityEvent, sharing the event
object id (the activity), for one of the seeded students.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

__all__ = [
    "APP_IRI",
    "APP_NAME",
    "DATA_VERSION",
    "EventFactory",
    "Student",
    "envelope_bytes",
]

DATA_VERSION = "http://purl.imsglobal.org/ctx/caliper/v1p2"
APP_IRI = "https://bench-math.example.org"
APP_NAME = "Bench Math"
ROSTER_BASE = "https://timeback.example.org/ims/oneroster/rostering/v1p2"
SUBJECTS = ("Math", "Reading", "Language", "Science")

# One template per event type; %-formatting is ~10x cheaper than json.dumps of a dict.
_ACTOR = (
    '"actor":{"id":"' + ROSTER_BASE + '/users/%(sid)s","type":"TimebackUser",'
    '"email":"%(email)s","name":"%(name)s","role":"student"}'
)
_OBJECT = (
    '"object":{"id":"%(activity)s","type":"TimebackActivityContext","subject":"%(subject)s",'
    '"app":{"name":"' + APP_NAME + '","id":"' + APP_IRI + '"},'
    '"course":{"id":"' + ROSTER_BASE + '/courses/%(course)s","name":"%(subject)s G%(grade)s"},'
    '"activity":{"name":"Lesson %(lesson)s"}}'
)
_TAIL = (
    '"edApp":"' + APP_IRI + '","session":"urn:uuid:%(run)s",'
    '"extensions":{"courseId":"%(course)s","runId":"%(run)s"}}'
)
_ACTIVITY = (
    '{"@context":"' + DATA_VERSION + '","id":"urn:uuid:%(id)s","type":"ActivityEvent",'
    '"profile":"TimebackProfile","action":"Completed","eventTime":"%(time)s",'
    + _ACTOR
    + ","
    + _OBJECT
    + ',"generated":{"id":"'
    + APP_IRI
    + '/metrics/collections/activity/%(id)s",'
    '"type":"TimebackActivityMetricsCollection","attempt":%(attempt)d,"items":['
    '{"type":"xpEarned","value":%(xp)d},{"type":"totalQuestions","value":%(total)d},'
    '{"type":"correctQuestions","value":%(correct)d},{"type":"masteredUnits","value":%(units)d}],'
    '"extensions":{"pctCompleteApp":%(pct)d}},' + _TAIL
)
_TIME_SPENT = (
    '{"@context":"' + DATA_VERSION + '","id":"urn:uuid:%(id)s","type":"TimeSpentEvent",'
    '"profile":"TimebackProfile","action":"SpentTime","eventTime":"%(time)s",'
    + _ACTOR
    + ","
    + _OBJECT
    + ',"generated":{"id":"'
    + APP_IRI
    + '/metrics/collections/time/%(id)s",'
    '"type":"TimebackTimeSpentMetricsCollection","items":['
    '{"type":"active","value":%(active)d},{"type":"inactive","value":%(inactive)d},'
    '{"type":"waste","value":%(waste)d,"subType":"eating"},{"type":"unknown","value":%(unknown)d}'
    "]}," + _TAIL
)


@dataclass(frozen=True)
class Student:
    """A seeded OneRoster student as the events name it."""

    pk: int
    sourced_id: str
    email: str
    name: str


def _iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def _uuid(rnd: random.Random) -> str:
    """A random (version 4 shaped) UUID from ``rnd``: cheaper than uuid.uuid4() and unique
    enough across seeded factories (122 random bits)."""
    h = f"{rnd.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


class EventFactory:
    """Makes activities (TimeSpentEvent + ActivityEvent) for random students. Not
    thread-safe: give each sending thread its own factory."""

    def __init__(self, *, students: list[Student], seed: int) -> None:
        self.students = students
        self.rnd = random.Random(seed)

    def activity(
        self, *, student: Student | None = None, day: date | None = None
    ) -> tuple[str, str]:
        """One activity's (TimeSpentEvent, ActivityEvent) as JSON text. ``day`` pins the
        event time to noon of that day (freshness probes use a day of their own)."""
        rnd = self.rnd
        student = student or rnd.choice(self.students)
        subject = SUBJECTS[rnd.randrange(len(SUBJECTS))]
        grade = rnd.randint(1, 8)
        lesson = rnd.randrange(1_000_000)
        now = datetime.now(UTC)
        if day is not None:
            now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        active = rnd.randint(60, 1800)
        total = rnd.choice((5, 10, 10, 20))
        correct = total - rnd.choice((0, 0, 1, 2, 4))
        base = {
            "sid": student.sourced_id,
            "email": student.email,
            "name": student.name,
            "activity": f"{APP_IRI}/activities/{subject.lower()}/g{grade}/lesson-{lesson}",
            "subject": subject,
            "grade": grade,
            "course": f"crs-{subject.lower()}-g{grade}",
            "lesson": lesson,
            "run": _uuid(rnd),
        }
        spent = _TIME_SPENT % {
            **base,
            "id": _uuid(rnd),
            "time": _iso(now - timedelta(seconds=2)),
            "active": active,
            "inactive": rnd.randint(0, 120),
            "waste": rnd.choice((0, 0, 0, 30, 90)),
            "unknown": rnd.randint(0, 20),
        }
        done = _ACTIVITY % {
            **base,
            "id": _uuid(rnd),
            "time": _iso(now),
            "attempt": rnd.choice((1, 1, 1, 2)),
            "xp": max(1, active // 60 + rnd.choice((-2, 0, 0, 3))),
            "total": total,
            "correct": correct,
            "units": 1 if correct * 10 >= total * 9 else 0,
            "pct": rnd.randrange(100),
        }
        return spent, done

    def events(self, n: int) -> list[str]:
        """``n`` events (n // 2 activities; an odd n ends with a lone TimeSpentEvent)."""
        out: list[str] = []
        while len(out) < n:
            out.extend(self.activity())
        return out[:n]


def envelope_bytes(*, sensor: str, events: list[str]) -> bytes:
    """A Caliper 1.2 envelope around already-serialised events."""
    head = json.dumps(
        {"sensor": sensor, "sendTime": _iso(datetime.now(UTC)), "dataVersion": DATA_VERSION}
    )
    return (head[:-1] + ',"data":[' + ",".join(events) + "]}").encode()
