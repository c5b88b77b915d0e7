"""QTI benchmark: import a package of 5,000 items, then score 100,000 responses on one core.

    python bench/qti_bench.py [--items 5000] [--responses 100000] [--seed 7]
                              [--write-docs] [--keep] [--no-profile]

1. Package: ``bench/qti_items.py`` generates ``--items`` deterministic QTI 3.0 items (single
   and multiple choice, text entry, inline choice, order, match; standard templates and a
   few custom response processings) and zips them with an ``imsmanifest.xml``.
2. Import: drops and re-creates the database of DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/timeback_bench_qti), migrates it, creates an Org and
   times ``package_import`` (items/s), split by phase: unzip, manifest + parse + validate,
   identifier check, building the rows (summary, serialisation) and the database write.
   Baselines in the same run: lxml parsing the same documents, and a raw ``COPY`` of the
   same XML text into a scratch table.
3. Scoring: loads the stored items back, compiles an ``ItemScorer`` per item (time per
   item), then scores ``--responses`` responses (correct, partial and wrong, drawn at
   random) in this one process pinned to one CPU: responses/s overall, for the template
   items and for the custom ones, per kind, p50/p99 per response; every score is checked
   against the one expected. Then cProfile of a second import and of 10,000 scorings
   (top functions under bench-data/qti/).

``--write-docs`` replaces the figures block of docs/benchmarks.md; the database is dropped
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Not bench/qti.py: with bench/ on the path (and for mypy, which checks bench/ as top-level
# modules) that name would be taken for the qti app.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_common import (  # noqa: E402
    DOCS,
    code_version,
    configure_environment,
    docs_block_write,
    drop_database,
    log,
    machine,
    pct,
    recreate_database,
)
from qti_items import CUSTOM, KINDS, Item, items_generate, manifest  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/timeback_bench_qti"
OUT = ROOT / "bench-data" / "qti"
TARGET_RESPONSES_S = 2_000
PROFILE_SCORINGS = 10_000
CATEGORIES = (("correct", 0.5), ("partial", 0.2), ("wrong", 0.3))


# ---- environment and database ----------------------------------------------------------------


# ---- the package -----------------------------------------------------------------------------


def package_zip(items: list[Item]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest(items))
        for item in items:
            archive.writestr(f"items/{item.identifier}.xml", item.xml)
    return buffer.getvalue()


# ---- import ----------------------------------------------------------------------------------


class PhaseTimer:
    """Wraps the import's helpers (looked up as module globals at call time) to add up the
    time spent in each; the rest of ``package_import`` is the database write."""

    PHASES = {
        "_unzip": "unzip",
        "_from_manifest": "manifest, parse, validate",
        "_identifiers_free": "identifier check (1 query)",
        "_resource": "rows: summary, serialise",
    }

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(self.PHASES.values(), 0.0)
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> PhaseTimer:
        from qti.services import packages

        for attr, phase in self.PHASES.items():
            original = getattr(packages, attr)
            self._saved[attr] = original
            setattr(packages, attr, self._wrap(original, phase))
        return self

    def _wrap(self, fn: Callable[..., Any], phase: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - t0

        return timed

    def __exit__(self, *exc: object) -> None:
        from qti.services import packages

        for attr, original in self._saved.items():
            setattr(packages, attr, original)


def import_measure(data: bytes, items: list[Item]) -> dict[str, Any]:
    from qti.services.packages import package_import
    from roster.models import Org

    org = Org.objects.create(sourced_id="bench-qti-org", name="QTI bench", type="district")
    with PhaseTimer() as phases:
        t0 = time.perf_counter()
        report = package_import(data=data, file_name="bench-qti.zip", org=org)
        total = time.perf_counter() - t0
    if not report.ok:
        raise SystemExit(f"import refused: {report.problems[:5]}")
    split = dict(phases.seconds)
    split["database write"] = total - sum(phases.seconds.values())
    return {
        "items": len(items),
        "seconds": total,
        "items_s": len(items) / total,
        "split": split,
        "package_id": report.package_id,
        "counts": report.counts,
        "zip_bytes": len(data),
        "xml_bytes": sum(len(i.xml.encode()) for i in items),
    }


def baselines(items: list[Item]) -> dict[str, float]:
    """lxml parsing the same documents, the project's safe parser, and a raw COPY of their
    text (the floor of the write)."""
    from django.db import connection
    from lxml import etree

    from qti.xml import qti_parse

    raw = [i.xml.encode() for i in items]
    t0 = time.perf_counter()
    for doc in raw:
        etree.fromstring(doc)
    lxml_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for doc in raw:
        qti_parse(doc)
    safe_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_qti_copy (identifier text, xml text)")
        t0 = time.perf_counter()
        with cur.copy("COPY bench_qti_copy (identifier, xml) FROM STDIN") as copy:
            for item in items:
                copy.write_row((item.identifier, item.xml))
        copy_s = time.perf_counter() - t0
        cur.execute("DROP TABLE bench_qti_copy")
    return {"lxml_s": lxml_s, "qti_parse_s": safe_s, "copy_s": copy_s}


# ---- scoring ---------------------------------------------------------------------------------


def pin_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def scoring_measure(
    *, package_id: int, items: list[Item], responses: int, seed: int
) -> dict[str, Any]:
    from qti.models import QtiResource
    from qti.processing import ItemScorer

    by_id = {i.identifier: i for i in items}
    t0 = time.perf_counter()
    stored = list(
        QtiResource.objects.filter(package_id=package_id, kind="item").values_list(
            "identifier", "xml"
        )
    )
    load_s = time.perf_counter() - t0
    scorers: dict[str, Any] = {}
    compile_ns: list[int] = []
    for identifier, xml in stored:
        c0 = time.perf_counter_ns()
        scorers[identifier] = ItemScorer.from_xml(xml)
        compile_ns.append(time.perf_counter_ns() - c0)

    rnd = random.Random(seed)
    names = [c for c, _ in CATEGORIES]
    shares = [s for _, s in CATEGORIES]
    identifiers = sorted(scorers)
    plan = []
    for _ in range(responses):
        item = by_id[rnd.choice(identifiers)]
        category = rnd.choices(names, shares)[0]
        answer, expected = rnd.choice(item.responses[category])
        plan.append((scorers[item.identifier], item.kind, category, answer, expected))

    per_kind: dict[str, list[int]] = {k: [] for k, _ in KINDS}
    per_category: dict[str, int] = dict.fromkeys(names, 0)
    mismatches: list[str] = []
    clock = time.perf_counter_ns
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for scorer, kind, category, answer, expected in plan:
        s0 = clock()
        result = scorer.score(answer)
        per_kind[kind].append(clock() - s0)
        per_category[category] += 1
        if result.score != expected and len(mismatches) < 20:
            mismatches.append(f"{scorer.identifier} {kind} {answer}: {result.score} != {expected}")
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0

    def stats(ns: list[int]) -> dict[str, float]:
        ms = [n / 1e6 for n in ns]
        total_s = sum(ns) / 1e9
        return {
            "n": len(ns),
            "responses_s": len(ns) / total_s if total_s else 0.0,
            "p50_ms": pct(ms, 50),
            "p99_ms": pct(ms, 99),
            "mean_ms": statistics.fmean(ms),
        }

    template = [n for k, ns in per_kind.items() if k != CUSTOM for n in ns]
    return {
        "items_loaded": len(stored),
        "load_s": load_s,
        "compile_ms_p50": pct([n / 1e6 for n in compile_ns], 50),
        "compile_ms_p99": pct([n / 1e6 for n in compile_ns], 99),
        "compile_ms_mean": statistics.fmean(compile_ns) / 1e6,
        "compile_s": sum(compile_ns) / 1e9,
        "responses": responses,
        "wall_s": wall,
        "cpu_s": cpu,
        "responses_s_wall": responses / wall,
        "all": stats([n for ns in per_kind.values() for n in ns]),
        "template": stats(template),
        "custom": stats(per_kind[CUSTOM]),
        "kinds": {k: stats(ns) for k, ns in per_kind.items() if ns},
        "categories": per_category,
        "mismatches": mismatches,
        "scorers": scorers,
        "plan": plan,
    }


# ---- profiles --------------------------------------------------------------------------------


def _top(profile: cProfile.Profile, path: Path, limit: int = 12) -> list[dict[str, Any]]:
    buffer = io.StringIO()
    st = pstats.Stats(profile, stream=buffer).sort_stats("tottime")
    st.print_stats(40)
    path.write_text(buffer.getvalue())
    rows = []
    total = st.total_tt  # type: ignore[attr-defined]
    for (file, line, fn), (_cc, nc, tt, ct, _) in sorted(
        st.stats.items(),  # type: ignore[attr-defined]
        key=lambda kv: kv[1][2],
        reverse=True,
    )[:limit]:
        short = file.replace(str(ROOT) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        elif "/lib/python3" in short:  # the standard library: re/_parser.py
            short = short.split("/lib/python3", 1)[1].split("/", 1)[-1]
        rows.append(
            {
                "function": f"{short}:{line}({fn})",
                "calls": nc,
                "tottime_pct": 100 * tt / total if total else 0.0,
                "cumtime_s": ct,
            }
        )
    return rows


def profiles(data: bytes, plan: list[Any]) -> dict[str, Any]:
    from qti.services.packages import package_import
    from roster.models import Org

    org = Org.objects.create(sourced_id="bench-qti-org-2", name="QTI bench 2", type="district")
    prof = cProfile.Profile()
    prof.enable()
    # A second, real import (into another organisation, where the identifiers are free), so
    # that the profile covers the database write too.
    package_import(data=data, file_name="bench-qti.zip", org=org)
    prof.disable()
    imported = _top(prof, OUT / "profile-import.txt")
    prof = cProfile.Profile()
    prof.enable()
    for scorer, _kind, _category, answer, _expected in plan[:PROFILE_SCORINGS]:
        scorer.score(answer)
    prof.disable()
    return {"import": imported, "scoring": _top(prof, OUT / "profile-scoring.txt")}


# ---- machine and report ----------------------------------------------------------------------


def loadavg() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    m, imp, base, sc = (
        results["machine"],
        results["import"],
        results["baselines"],
        results["scoring"],
    )
    tpl = sc["template"]
    ok = tpl["responses_s"] >= TARGET_RESPONSES_S
    lines = [
        f"Run of {m['date']} ({m['code']}): {m['cpu']}, {m['nproc']} cores, {m['ram']} RAM, "
        f"PostgreSQL {m['postgresql']}, Python {m['python']}; the benchmark and PostgreSQL on "
        f"the same machine. `make bench-qti` (`--items {args.items} --responses "
        f"{args.responses} --seed {args.seed}`). Load average {results['load_before']} "
        f"before, {results['load_after']} after; scoring {results['pinned']}.",
        "",
        f"**Import** of {imp['items']:,} items ({imp['xml_bytes'] / 1e6:.1f} MB of XML, "
        f"{imp['zip_bytes'] / 1e6:.1f} MB zipped): **{imp['seconds']:.2f} s, "
        f"{imp['items_s']:,.0f} items/s**.",
        "",
        "| Phase | Seconds | Share |",
        "|---|---:|---:|",
    ]
    for phase, seconds in imp["split"].items():
        lines.append(f"| {phase} | {seconds:.2f} | {100 * seconds / imp['seconds']:.0f} % |")
    lines += [
        "",
        f"Baselines in the same run, same {imp['items']:,} documents: lxml `fromstring` "
        f"{base['lxml_s']:.2f} s ({imp['items'] / base['lxml_s']:,.0f} documents/s), the "
        f"safe `qti_parse` {base['qti_parse_s']:.2f} s, raw `COPY` of their text "
        f"{base['copy_s']:.2f} s ({imp['items'] / base['copy_s']:,.0f} rows/s). The import "
        f"takes {imp['seconds'] / base['lxml_s']:.0f}× a bare parse and "
        f"{imp['split']['database write'] / base['copy_s']:.1f}× the `COPY` for its write.",
        "",
        f"**Scoring**: {sc['items_loaded']:,} items loaded back in {sc['load_s']:.2f} s; "
        f"compiling an `ItemScorer` takes {sc['compile_ms_mean']:.2f} ms per item on average "
        f"(p50 {sc['compile_ms_p50']:.2f}, p99 {sc['compile_ms_p99']:.2f} ms; "
        f"{sc['compile_s']:.1f} s for all). {sc['responses']:,} responses "
        f"({', '.join(f'{v:,} {k}' for k, v in sc['categories'].items())}) in one process "
        f"on one core: {sc['wall_s']:.1f} s wall, {sc['cpu_s']:.1f} s CPU, "
        f"**{sc['responses_s_wall']:,.0f} responses/s** overall; template items "
        f"**{tpl['responses_s']:,.0f} responses/s** {'✅' if ok else '❌'} (target ≥ "
        f"{TARGET_RESPONSES_S:,}), custom processing {sc['custom']['responses_s']:,.0f}/s. "
        f"Scores checked against the expected ones: "
        + (
            "all equal."
            if not sc["mismatches"]
            else f"{len(sc['mismatches'])} differ (first: {sc['mismatches'][0]})."
        ),
        "",
        "| Kind | Responses | Responses/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    rows = [*sc["kinds"].items(), ("**template items**", tpl), ("**all**", sc["all"])]
    for kind, s in rows:
        lines.append(
            f"| {kind} | {s['n']:,} | {s['responses_s']:,.0f} | {s['p50_ms']:.3f} | "
            f"{s['p99_ms']:.3f} |"
        )
    prof = results.get("profiles")
    if prof:
        scored = min(PROFILE_SCORINGS, results["scoring"]["responses"])
        for key, label in (
            ("import", "a second import (into another organisation)"),
            ("scoring", f"{scored:,} scorings"),
        ):
            lines += ["", f"Top functions by own time under cProfile, {label}:", ""]
            for row in prof[key][:6]:
                lines.append(
                    f"- `{row['function']}`: {row['tottime_pct']:.0f} %, {row['calls']:,} calls"
                )
    lines += ["", f"Whole run {results['run_s']:.0f} s."]
    return "\n".join(lines)


# ---- main ------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--items", type=int, default=5_000)
    p.add_argument("--responses", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-profile", action="store_true", help="skip the cProfile runs")
    p.add_argument("--keep", action="store_true", help="keep the database at the end")
    p.add_argument(
        "--write-docs", action="store_true", help="replace the figures block of docs/benchmarks.md"
    )
    return p.parse_args()


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    url = configure_environment(default_db=DEFAULT_DB, name="qti")
    OUT.mkdir(parents=True, exist_ok=True)
    recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    results: dict[str, Any] = {"args": vars(args)}
    try:
        log(f"migrating {url.rsplit('/', 1)[1]}")
        call_command("migrate", verbosity=0)
        results["machine"] = machine(code=code_version(paths=("qti",), what="qti/"))
        t0 = time.monotonic()
        items = items_generate(count=args.items, seed=args.seed)
        data = package_zip(items)
        log(f"{len(items):,} items generated and zipped in {time.monotonic() - t0:.1f} s")
        results["load_before"] = loadavg()
        results["baselines"] = baselines(items)
        log(f"baselines: {results['baselines']}")
        results["import"] = imp = import_measure(data, items)
        log(f"import: {imp['seconds']:.2f} s, {imp['items_s']:,.0f} items/s, {imp['split']}")
        results["pinned"] = pin_one_cpu()
        scoring = scoring_measure(
            package_id=imp["package_id"],
            items=items,
            responses=args.responses,
            seed=args.seed,
        )
        results["load_after"] = loadavg()
        plan = scoring.pop("plan")
        scoring.pop("scorers")
        results["scoring"] = scoring
        log(
            f"scoring: {scoring['responses_s_wall']:,.0f} responses/s overall, template "
            f"{scoring['template']['responses_s']:,.0f}/s, custom "
            f"{scoring['custom']['responses_s']:,.0f}/s; compile "
            f"{scoring['compile_ms_mean']:.2f} ms/item; mismatches {len(scoring['mismatches'])}"
        )
        if not args.no_profile:
            results["profiles"] = profiles(data, plan)
    finally:
        connection.close()
        if not args.keep:
            drop_database(url)
    results["run_s"] = time.monotonic() - started
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    block = markdown(results, args)
    print("\n" + block)
    if args.write_docs:
        docs_block_write(
            name="qti", heading="QTI: package import and response scoring", block=block
        )
        log(f"figures written to {DOCS.relative_to(ROOT)}")
    if results["scoring"]["mismatches"]:
        log("scores differ from the expected ones:\n  " + "\n  ".join(scoring["mismatches"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
