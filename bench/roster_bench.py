"""Roster benchmark: import 200k users + 1M enrollments from a OneRoster CSV package into a
fresh PostgreSQL database, compare with a raw COPY of the same rows, then time filtered and
sorted API pages at that size.

    python bench/roster_bench.py [--users 200000] [--enrollments 1000000] [--pages 200]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/timeback_bench; the database is
dropped and re-created. The package is generated deterministically under bench-data/ and
reused when it already exists.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import os
import platform
import random
import statistics
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/timeback_bench"

GIVEN = [
    "Ada",
    "Ben",
    "Cleo",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hana",
    "Ivo",
    "Jun",
    "Kai",
    "Lea",
    "Mia",
    "Noa",
    "Oli",
    "Pia",
    "Quin",
    "Rey",
    "Sam",
    "Tia",
    "Uma",
    "Vic",
    "Wes",
    "Xia",
    "Yul",
    "Zoe",
]
FAMILY = [
    f"{a}{b}"
    for a in ("Van", "Mc", "O", "Al", "De", "Le", "Mac", "Fitz")
    for b in (
        "Smith",
        "Jones",
        "Brown",
        "Lee",
        "Garcia",
        "Khan",
        "Nguyen",
        "Ito",
        "Rossi",
        "Novak",
        "Silva",
        "Kim",
        "Meyer",
        "Dubois",
        "Costa",
        "Sato",
        "Ali",
        "Haas",
        "Berg",
        "Moreau",
    )
]


def _csv_entry(zf: zipfile.ZipFile, name: str, header: list[str], rows) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        w = csv.writer(text, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)
        text.flush()
        text.detach()


def generate(path: Path, n_users: int, n_enrollments: int) -> dict[str, int]:
    """A deterministic district: 1 district, 50 schools, 500 courses, 10k classes."""
    from roster.services.csv.spec import FILES

    def hdr(name: str) -> list[str]:
        return [c for c in FILES[name].header if c != "resourceSourcedIds"]

    rnd = random.Random(42)
    n_schools, n_courses, n_classes = 50, 500, 10_000
    n_teachers = max(1, n_users // 20)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    counts: dict[str, int] = {}
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        names = ["orgs", "academicSessions", "courses", "classes", "users", "roles", "enrollments"]
        manifest = [
            ("manifest.version", "1.0"),
            ("oneroster.version", "1.2"),
            ("source.systemCode", "bench-sis"),
        ]
        manifest += [(f"file.{n}", "bulk" if n in names else "absent") for n in FILES]
        _csv_entry(zf, "manifest.csv", ["propertyName", "value"], manifest)

        def blank(name: str, values: dict[str, str]) -> list[str]:
            return [values.get(c, "") for c in hdr(name)]

        orgs = [blank("orgs", {"sourcedId": "dist", "name": "Bench District", "type": "district"})]
        orgs += [
            blank(
                "orgs",
                {
                    "sourcedId": f"sch-{s:03d}",
                    "name": f"School {s}",
                    "type": "school",
                    "parentSourcedId": "dist",
                    "identifier": f"S{s}",
                },
            )
            for s in range(n_schools)
        ]
        _csv_entry(zf, "orgs.csv", hdr("orgs"), orgs)
        sessions = [
            blank(
                "academicSessions",
                {
                    "sourcedId": "y2025",
                    "title": "2024-25",
                    "type": "schoolYear",
                    "startDate": "2024-08-01",
                    "endDate": "2025-06-30",
                    "schoolYear": "2025",
                },
            ),
            blank(
                "academicSessions",
                {
                    "sourcedId": "fall",
                    "title": "Fall",
                    "type": "term",
                    "startDate": "2024-08-01",
                    "endDate": "2024-12-20",
                    "parentSourcedId": "y2025",
                    "schoolYear": "2025",
                },
            ),
            blank(
                "academicSessions",
                {
                    "sourcedId": "spring",
                    "title": "Spring",
                    "type": "term",
                    "startDate": "2025-01-06",
                    "endDate": "2025-06-30",
                    "parentSourcedId": "y2025",
                    "schoolYear": "2025",
                },
            ),
        ]
        _csv_entry(zf, "academicSessions.csv", hdr("academicSessions"), sessions)
        _csv_entry(
            zf,
            "courses.csv",
            hdr("courses"),
            (
                blank(
                    "courses",
                    {
                        "sourcedId": f"crs-{c:04d}",
                        "title": f"Course {c}",
                        "courseCode": f"C{c}",
                        "orgSourcedId": f"sch-{c % n_schools:03d}",
                        "schoolYearSourcedId": "y2025",
                        "subjects": "math",
                    },
                )
                for c in range(n_courses)
            ),
        )
        _csv_entry(
            zf,
            "classes.csv",
            hdr("classes"),
            (
                blank(
                    "classes",
                    {
                        "sourcedId": f"cls-{k:05d}",
                        "title": f"Class {k}",
                        "courseSourcedId": f"crs-{k % n_courses:04d}",
                        "classType": "scheduled",
                        "schoolSourcedId": f"sch-{k % n_courses % n_schools:03d}",
                        "termSourcedIds": "fall,spring" if k % 2 else "fall",
                        "periods": str(k % 8 + 1),
                    },
                )
                for k in range(n_classes)
            ),
        )

        def school_of(u: int) -> int:
            return u % n_schools

        def users():
            for u in range(n_users):
                g, f = rnd.choice(GIVEN), rnd.choice(FAMILY)
                yield blank(
                    "users",
                    {
                        "sourcedId": f"usr-{u:07d}",
                        "enabledUser": "true",
                        "username": f"user{u}",
                        "givenName": g,
                        "familyName": f,
                        "email": f"user{u}@bench.example",
                        "grades": "" if u < n_teachers else f"{u % 12 + 1:02d}",
                        "primaryOrgSourcedId": f"sch-{school_of(u):03d}",
                        "userIds": f"{{sis:S{u}}}",
                    },
                )

        _csv_entry(zf, "users.csv", hdr("users"), users())
        _csv_entry(
            zf,
            "roles.csv",
            hdr("roles"),
            (
                blank(
                    "roles",
                    {
                        "sourcedId": f"rol-{u:07d}",
                        "userSourcedId": f"usr-{u:07d}",
                        "roleType": "primary",
                        "role": "teacher" if u < n_teachers else "student",
                        "orgSourcedId": f"sch-{school_of(u):03d}",
                    },
                )
                for u in range(n_users)
            ),
        )

        # Classes of school s are those k with k % 500 % 50 == s, i.e. k % 50 == s.
        per_school = n_classes // n_schools

        def enrollments():
            n = 0
            for t in range(n_teachers):  # each teacher teaches a few classes of their school
                s = school_of(t)
                for j in range(3):
                    if n >= n_enrollments:
                        return
                    k = s + n_schools * ((t // n_schools * 3 + j) % per_school)
                    yield blank(
                        "enrollments",
                        {
                            "sourcedId": f"enr-{n:07d}",
                            "classSourcedId": f"cls-{k:05d}",
                            "schoolSourcedId": f"sch-{s:03d}",
                            "userSourcedId": f"usr-{t:07d}",
                            "role": "teacher",
                            "primary": "true",
                        },
                    )
                    n += 1
            u = n_teachers
            while n < n_enrollments:
                s = school_of(u)
                for k in rnd.sample(range(per_school), 5):
                    if n >= n_enrollments:
                        return
                    yield blank(
                        "enrollments",
                        {
                            "sourcedId": f"enr-{n:07d}",
                            "classSourcedId": f"cls-{s + n_schools * k:05d}",
                            "schoolSourcedId": f"sch-{s:03d}",
                            "userSourcedId": f"usr-{u:07d}",
                            "role": "student",
                            "beginDate": "2024-08-15",
                        },
                    )
                    n += 1
                u = u + 1 if u + 1 < n_users else n_teachers

        _csv_entry(zf, "enrollments.csv", hdr("enrollments"), enrollments())
    tmp.replace(path)
    counts.update(users=n_users, enrollments=n_enrollments, classes=n_classes)
    return counts


def recreate_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def raw_copy(package: Path) -> tuple[float, int]:
    """COPY users.csv and enrollments.csv as text into unindexed plain tables."""
    from django.db import connection

    rows = 0
    started = time.monotonic()
    with connection.cursor() as cur, zipfile.ZipFile(package) as zf:
        for name in ("users", "enrollments"):
            with zf.open(f"{name}.csv") as raw:
                header = raw.readline().decode().strip().split(",")
                cols = ", ".join(f'"{c}" text' for c in header)
                cur.execute(f"DROP TABLE IF EXISTS raw_{name}")
                cur.execute(f"CREATE UNLOGGED TABLE raw_{name} ({cols})")
                with cur.copy(f"COPY raw_{name} FROM STDIN (FORMAT csv)") as cp:
                    while chunk := raw.read(1 << 20):
                        cp.write(chunk)
            cur.execute(f"SELECT count(*) FROM raw_{name}")
            rows += cur.fetchone()[0]
    return time.monotonic() - started, rows


def api_pages(pages: int) -> dict[str, dict[str, Any]]:
    from django.test import Client

    from roster.models import Class, Org
    from tenancy.services import api_client_create

    district = Org.objects.get(sourced_id="dist")
    created = api_client_create(
        name="bench",
        org_sourced_id=district.sourced_id,
        scopes=["roster.readonly"],
        environment="staging",
        granted_org_sourced_ids=[],
    )
    client = Client()
    basic = base64.b64encode(f"{created.client_id}:{created.client_secret}".encode()).decode()
    resp = client.post(
        "/oauth2/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert resp.status_code == 200, resp.content
    auth = {"Authorization": f"Bearer {resp.json()['access_token']}"}
    base = "/ims/oneroster/rostering/v1p2"
    rnd = random.Random(7)
    class_ids = list(Class.objects.order_by("pk").values_list("sourced_id", flat=True)[:10_000])
    queries = {
        "users?filter=givenName&sort=familyName": lambda: (
            f"{base}/users?filter=givenName%3D%27{rnd.choice(GIVEN)}%27&sort=familyName"
            f"&limit=100&offset={rnd.randrange(0, 500, 100)}"
        ),
        "enrollments?filter=class.sourcedId": lambda: (
            f"{base}/enrollments?filter=class.sourcedId%3D%27{rnd.choice(class_ids)}%27"
        ),
        "classes/{id}/students": lambda: f"{base}/classes/{rnd.choice(class_ids)}/students",
    }
    results: dict[str, dict[str, Any]] = {}
    per = max(1, pages // len(queries))
    for label, make in queries.items():
        for _ in range(3):  # warm up
            client.get(make(), headers=auth)
        times, sizes, codes = [], [], set()
        for _ in range(per):
            url = make()
            t0 = time.perf_counter()
            resp = client.get(url, headers=auth)
            times.append((time.perf_counter() - t0) * 1000)
            codes.add(resp.status_code)
            sizes.append(len(resp.content))
        times.sort()
        results[label] = {
            "n": per,
            "p50_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * (len(times) - 1))],
            "status": ",".join(str(c) for c in sorted(codes)),
            "avg_bytes": sum(sizes) / len(sizes),
        }
    return results


def machine() -> dict[str, str]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return {
        "nproc": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "postgresql": pg,
        "python": platform.python_version(),
    }


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakRss:
    """Samples this process's resident memory every 50 ms while the block runs."""

    def __enter__(self) -> PeakRss:
        self.before = _rss_mb()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--data", type=Path, default=ROOT / "bench-data")
    parser.add_argument("--skip-import", action="store_true", help="reuse the loaded database")
    args = parser.parse_args()

    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "timeback.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    package = args.data / f"roster-{args.users}u-{args.enrollments}e.zip"
    if not package.exists():
        t0 = time.monotonic()
        generate(package, args.users, args.enrollments)
        print(f"generated {package} in {time.monotonic() - t0:.1f} s", flush=True)

    from roster.services.csv_import import oneroster_csv_import

    report = None
    if not args.skip_import:
        recreate_database(url)
        call_command("migrate", verbosity=0)
        t0 = time.monotonic()
        with PeakRss() as rss:
            report = oneroster_csv_import(package=package)
        import_s = time.monotonic() - t0
        if not report.ok:
            print(report.as_dict()["problems"][:20])
            return 1
        print(f"import: {import_s:.1f} s  {report.counts}", flush=True)
        size_mb = package.stat().st_size / 2**20
        print(
            f"import memory: RSS {rss.before:.0f} MB before, peak {rss.peak:.0f} MB "
            f"(package {size_mb:.0f} MB zipped)",
            flush=True,
        )
        copy_s, copy_rows = raw_copy(package)
        print(f"raw COPY users+enrollments: {copy_s:.1f} s ({copy_rows} rows)", flush=True)
        with __import__("django.db").db.connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    pages = api_pages(args.pages)
    for label, r in pages.items():
        print(
            f"{label:<42} p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
            f"(n={r['n']}, HTTP {r['status']}, {r['avg_bytes']:.0f} B)"
        )
    info = machine()
    print(info)
    if report is not None:
        print(f"SUMMARY import_s={import_s:.1f} copy_s={copy_s:.1f}")
    return 0 if all(r["status"] == "200" for r in pages.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
