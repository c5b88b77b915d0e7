"""OneRoster 1.2 CSV package export (bulk; users.csv in the 1.2.1 shape).

Every live row becomes a CSV row that ``oneroster_csv_import`` reads back into the same
stored values (export → import is lossless for what the models hold). Rows are streamed
from the database in chunks straight into the zip.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterator
from datetime import UTC, date, time
from pathlib import Path
from typing import Any, BinaryIO

from django.db.models import QuerySet

from roster import models as roster_models
from roster.services.credentials import SECRET_FIELD, secret_open
from roster.services.csv.spec import FILE_ORDER, FILES, Column, FileSpec

__all__ = ["oneroster_csv_export"]

CHUNK = 5000


def _fmt(col: Column, value: Any) -> str:
    if value is None:
        return ""
    kind = col.kind
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    if kind == "datetime":
        value = value.astimezone(UTC)
        if col.date_ok and value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)
    if kind == "list":
        return ",".join(str(v) for v in value)
    if kind == "userids":
        return ",".join(f"{{{v.get('type', '')}:{v.get('identifier', '')}}}" for v in value)
    if kind == "secret":
        return secret_open(token=value)
    if kind == "scale":
        return ",".join(
            f"{{{v.get('itemValueLHS', '')}:{v.get('itemValueRHS', '')}}}" for v in value
        )
    return str(value)


def _meta_cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _sid(*parts: str) -> str:
    """A deterministic sourcedId for rows the models keep without one (roles, links)."""
    sid = "-".join(parts)
    if len(sid) > 255:
        return "x-" + hashlib.sha256(sid.encode()).hexdigest()
    return sid


class _Exporter:
    def __init__(self, zf: zipfile.ZipFile, org_ids: Collection[int] | None) -> None:
        self.zf, self.org_ids = zf, org_ids
        self.counts: dict[str, int] = {}

    def qs(self, model: Any) -> QuerySet[Any]:
        return model.objects.live().for_orgs(self.org_ids).order_by("pk")

    def users(self) -> QuerySet[Any]:
        return self.qs(roster_models.User)

    def write(self, spec: FileSpec, header: list[str], rows: Iterator[list[str]]) -> None:
        first = next(rows, None)
        if first is None:
            return
        info = zipfile.ZipInfo(spec.filename, date_time=(2020, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        count = 0
        with self.zf.open(info, "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow(header)
            writer.writerow(first)
            count = 1
            for r in rows:
                writer.writerow(r)
                count += 1
            text.flush()
            text.detach()
        self.counts[spec.name] = count

    # -- sourced files ---------------------------------------------------------------------

    def sourced(self, spec: FileSpec) -> None:
        model = getattr(roster_models, spec.model)
        cols = [c for c in spec.columns if c.kind != "metalist"]
        fields: list[str] = []
        for c in cols:
            if c.kind == "ref":
                if c.dest:
                    fields.append(f"{c.dest}__sourced_id")
                else:  # scoreScales.orgSourcedId: the org the scale lives under
                    fields.append("org_scope__sourced_id")
            elif c.kind == "reflist":
                fields.append("pk")
            else:
                fields.append(str(c.dest))
        qs = self.qs(model)
        keys: list[str] = sorted(
            {k for meta in qs.values_list("metadata", flat=True).iterator(CHUNK) for k in meta}
        )
        m2m: dict[str, dict[int, list[str]]] = {}
        for link in spec.m2m:
            pairs: dict[int, list[str]] = defaultdict(list)
            rel = model._meta.get_field("terms" if link.column == "termSourcedIds" else "agents")
            through = rel.remote_field.through
            owner = rel.m2m_field_name()
            target = rel.m2m_reverse_field_name()
            for pk, sid in (
                through.objects.filter(**{f"{owner}__in": qs.values("pk")})
                .order_by("pk")
                .values_list(f"{owner}_id", f"{target}__sourced_id")
                .iterator(CHUNK)
            ):
                pairs[pk].append(sid)
            m2m[link.column] = pairs

        def rows() -> Iterator[list[str]]:
            values = qs.values_list("sourced_id", "metadata", *fields)
            for rec in values.iterator(CHUNK):
                out = [rec[0], "", ""]
                for c, v in zip(cols, rec[2:], strict=True):
                    if c.kind == "reflist":
                        out.append(",".join(m2m[c.name].get(v, [])))
                    else:
                        out.append(_fmt(c, v))
                meta = rec[1]
                out.extend(_meta_cell(meta[k]) if k in meta else "" for k in keys)
                yield out

        header = ["sourcedId", "status", "dateLastModified", *(c.name for c in cols)]
        self.write(spec, header + [f"metadata.{k}" for k in keys], rows())

    # -- files the models keep in another shape --------------------------------------------

    def roles(self, spec: FileSpec) -> None:
        qs = (
            roster_models.UserRole.objects.filter(user__in=self.users().values("pk"))
            .order_by("user_id", "position", "pk")
            .values_list(
                "user__sourced_id",
                "role_type",
                "role",
                "begin_date",
                "end_date",
                "org__sourced_id",
                "user_profile",
            )
        )

        def rows() -> Iterator[list[str]]:
            for user, rtype, role, begin, end, org, profile in qs.iterator(CHUNK):
                yield [
                    _sid(user, role, org),
                    "",
                    "",
                    user,
                    rtype,
                    role,
                    begin.isoformat() if begin else "",
                    end.isoformat() if end else "",
                    org,
                    profile,
                ]

        self.write(spec, spec.header, rows())

    def profiles(self, spec: FileSpec) -> None:
        qs = (
            roster_models.UserProfile.objects.filter(user__in=self.users().values("pk"))
            .order_by("pk")
            .values_list(
                "sourced_id",
                "user__sourced_id",
                "profile_type",
                "vendor_id",
                "application_id",
                "description",
                "credentials",
            )
        )

        def rows() -> Iterator[list[str]]:
            for sid, user, ptype, vendor, app, desc, creds in qs.iterator(CHUNK):
                cred = (creds or [{}])[0]
                yield [
                    sid,
                    "",
                    "",
                    user,
                    ptype,
                    vendor,
                    app,
                    desc,
                    str(cred.get("type", "")),
                    str(cred.get("username", "")),
                    secret_open(token=str(cred.get(SECRET_FIELD, ""))),
                ]

        self.write(spec, spec.header, rows())

    def objectives(self, spec: FileSpec) -> None:
        model = getattr(roster_models, spec.model)
        qs = self.qs(model).exclude(learning_objective_set=[])
        line_item = spec.model == "LineItem"

        def rows() -> Iterator[list[str]]:
            for sid, groups in qs.values_list("sourced_id", "learning_objective_set").iterator(
                CHUNK
            ):
                n = 0
                for group in groups or []:
                    source = str(group.get("source", ""))
                    if line_item:
                        for lo in group.get("learningObjectiveIds", []):
                            n += 1
                            yield [_sid(sid, f"lo{n}"), "", "", sid, source, str(lo)]
                    else:
                        for item in group.get("learningObjectiveResults", []):
                            n += 1
                            score = item.get("score")
                            yield [
                                _sid(sid, f"lo{n}"),
                                "",
                                "",
                                sid,
                                source,
                                str(item.get("learningObjectiveId", "")),
                                "" if score is None else repr(float(score)),
                                str(item.get("textScore", "")),
                            ]

        self.write(spec, spec.header, rows())

    def scale_links(self, spec: FileSpec) -> None:
        model = getattr(roster_models, spec.model)
        qs = self.qs(model).filter(score_scale__isnull=False)

        def rows() -> Iterator[list[str]]:
            for sid, scale in qs.values_list("sourced_id", "score_scale__sourced_id").iterator(
                CHUNK
            ):
                yield [_sid(sid, "scale"), "", "", "", sid, scale]

        self.write(spec, spec.header, rows())

    def manifest(self) -> None:
        props = [("manifest.version", "1.0"), ("oneroster.version", "1.2")]
        for name in sorted(FILES):
            props.append((f"file.{name}", "bulk" if name in self.counts else "absent"))
        sources = set(
            roster_models.Org.objects.live()
            .for_orgs(self.org_ids)
            .values_list("source_system", flat=True)
            .distinct()
        )
        if len(sources) == 1:
            only = sources.pop()
            if only and not only.startswith("orgs:") and only != "api":
                props.append(("source.systemCode", only))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows([("propertyName", "value"), *props])
        self.zf.writestr("manifest.csv", buf.getvalue().encode(), zipfile.ZIP_DEFLATED)


def oneroster_csv_export(
    *, out: Path | BinaryIO, org_ids: Collection[int] | None = None
) -> dict[str, int]:
    """Write a OneRoster 1.2 bulk package of every live row (inside ``org_ids`` subtrees when
    given, already expanded) to ``out``; returns rows written per file."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        exporter = _Exporter(zf, org_ids)
        for name in FILE_ORDER:
            spec = FILES[name]
            if spec.kind == "sourced":
                exporter.sourced(spec)
            elif spec.kind == "roles":
                exporter.roles(spec)
            elif spec.kind == "profiles":
                exporter.profiles(spec)
            elif spec.kind == "lo":
                exporter.objectives(spec)
            else:
                exporter.scale_links(spec)
        exporter.manifest()
    return exporter.counts
