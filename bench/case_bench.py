"""CASE framework import and export on PostgreSQL (``make bench-case``).

A generated framework (``--items`` items in a tree of domains, clusters and standards, one
``isChildOf`` association each, deterministic for ``--seed``) is imported into a fresh
database: the first import, an import of the same package again (nothing changes), one with
one item changed, and the export back, each ``--runs`` times (the framework deleted between
first imports). The baseline in the same run is a raw ``COPY`` of the same objects' JSON into
a table of (identifier, jsonb). Figures go to docs/benchmarks.md with ``--write-docs``.

The issue sets no target: the figures say what an import costs and how it scales.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

# Not bench/case.py: with bench/ on the path that name would be taken for the case app.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_common import (  # noqa: E402
    code_version,
    configure_environment,
    docs_block_write,
    drop_database,
    log,
    machine,
    recreate_database,
)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/timeback_bench_case"
WHEN = "2026-01-05T09:00:00+00:00"
BASE = "https://bench.invalid/ims/case/v1p1"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args()


def framework(*, items: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    space = uuid.UUID(int=seed)
    doc_id = str(uuid.uuid5(space, "document"))
    doc_link = {"title": "Bench", "identifier": doc_id, "uri": f"{BASE}/CFDocuments/{doc_id}"}
    out_items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    parents: list[dict[str, str]] = [doc_link]
    for n in range(items):
        ident = str(uuid.uuid5(space, f"item{n}"))
        code = f"B.{n // 100}.{n % 100}"
        item: dict[str, Any] = {
            "identifier": ident,
            "uri": f"{BASE}/CFItems/{ident}",
            "fullStatement": " ".join(
                rng.choice(
                    (
                        "add",
                        "compare",
                        "explain",
                        "fractions",
                        "numbers",
                        "model",
                        "reason",
                        "place",
                    )
                )
                for _ in range(14)
            ),
            "humanCodingScheme": code,
            "CFItemType": ("Domain", "Cluster", "Standard")[min(2, n % 7)],
            "educationLevel": [f"{3 + n % 6:02d}"],
            "lastChangeDateTime": WHEN,
        }
        out_items.append(item)
        parent = parents[rng.randrange(len(parents))] if n else doc_link
        link_id = str(uuid.uuid5(space, f"assoc{n}"))
        associations.append(
            {
                "identifier": link_id,
                "uri": f"{BASE}/CFAssociations/{link_id}",
                "associationType": "isChildOf",
                "originNodeURI": {"title": code, "identifier": ident, "uri": item["uri"]},
                "destinationNodeURI": parent,
                "sequenceNumber": n,
                "lastChangeDateTime": WHEN,
            }
        )
        if n % 7 < 2:  # domains and clusters have children
            parents.append({"title": code, "identifier": ident, "uri": item["uri"]})
    document = {
        "identifier": doc_id,
        "uri": doc_link["uri"],
        "creator": "bench",
        "title": "Bench framework",
        "lastChangeDateTime": WHEN,
    }
    return {"CFDocument": document, "CFItems": out_items, "CFAssociations": associations}


def copy_baseline(package: dict[str, Any]) -> float:
    from django.db import connection

    rows = package["CFItems"] + package["CFAssociations"]
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy")
        cur.execute("CREATE TABLE bench_copy (identifier text, data jsonb)")
        started = time.perf_counter()
        with cur.copy("COPY bench_copy (identifier, data) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row((row["identifier"], json.dumps(row)))
        seconds = time.perf_counter() - started
        cur.execute("DROP TABLE bench_copy")
    return seconds


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from case.models import CaseDocument
    from case.services.packages import framework_import, framework_package

    package = framework(items=args.items, seed=args.seed)
    objects = len(package["CFItems"]) + len(package["CFAssociations"]) + 1
    runs: dict[str, list[float]] = {"first": [], "again": [], "one_changed": [], "export": []}
    copies = []
    for run in range(args.runs):
        CaseDocument.objects.all().delete()
        copies.append(copy_baseline(package))
        t = time.perf_counter()
        report = framework_import(package=package, source="file")
        runs["first"].append(time.perf_counter() - t)
        assert report.ok and report.counts["items"]["created"] == args.items, report.problems
        t = time.perf_counter()
        again = framework_import(package=package, source="file")
        runs["again"].append(time.perf_counter() - t)
        assert again.counts["items"]["unchanged"] == args.items
        changed = json.loads(json.dumps(package))
        changed["CFItems"][run]["fullStatement"] += " (revised)"
        t = time.perf_counter()
        one = framework_import(package=changed, source="file")
        runs["one_changed"].append(time.perf_counter() - t)
        assert one.counts["items"]["updated"] == 1
        document = CaseDocument.objects.get(identifier=package["CFDocument"]["identifier"])
        t = time.perf_counter()
        exported = framework_package(document=document)
        runs["export"].append(time.perf_counter() - t)
        assert exported == changed
        log(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in runs.items()))
    median = {k: statistics.median(v) for k, v in runs.items()}
    return {
        "objects": objects,
        "runs": runs,
        "median": median,
        "copy": statistics.median(copies),
        "objects_s": objects / median["first"],
    }


def block(result: dict[str, Any], args: argparse.Namespace) -> str:
    m = result["machine"]
    med = result["median"]
    lines = [
        f"Run of {m['date']} ({m['code']}): {m['cpu']}, {m['nproc']} cores, {m['ram']} RAM, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}; the benchmark and PostgreSQL on "
        f"the same machine. `make bench-case` (`--items {args.items} --runs {args.runs} "
        f"--seed {args.seed}`): a framework of {args.items:,} items and as many `isChildOf` "
        f"associations ({result['objects']:,} objects). Medians of {args.runs} runs:",
        "",
        "| Step | Seconds | Runs |",
        "|---|---:|---|",
    ]
    names = {
        "first": "first import (all created)",
        "again": "the same package again (all unchanged)",
        "one_changed": "again with one item changed",
        "export": "export (the package back, JSON-equal)",
    }
    for key, label in names.items():
        runs = ", ".join(f"{v:.2f}" for v in result["runs"][key])
        lines.append(f"| {label} | {med[key]:.2f} | {runs} |")
    lines += [
        "",
        f"First import: **{result['objects_s']:,.0f} objects/s**. Baseline in the same run: a "
        f"raw `COPY` of the same objects' JSON into (identifier, jsonb) takes "
        f"{result['copy']:.2f} s; the import takes {med['first'] / result['copy']:.1f}× that "
        "(it checks every field, derives the query columns and writes two tables with their "
        "indexes, in one transaction).",
    ]
    return "\n".join(lines)


def main() -> int:
    args = parse_args()
    url = configure_environment(default_db=DEFAULT_DB, name="case")
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    try:
        log(f"migrating {url.rsplit('/', 1)[1]}")
        call_command("migrate", verbosity=0)
        result = measure(args)
        result["machine"] = machine(code=code_version(paths=("case",), what="case/"))
        text = block(result, args)
        print(text)
        if args.write_docs:
            docs_block_write(name="case", heading="CASE: framework import and export", block=text)
            log("figures written to docs/benchmarks.md")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
