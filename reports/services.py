"""Building and publishing the weekly coverage reports.

`reports_build` computes every scope of a week in memory first (the section builders of
`reports.sections`, a fixed number of aggregate queries for the whole city), then writes all of them
in one transaction: a failure anywhere leaves the week as it was, never half a report. Building
again replaces the drafts in place; once a week is published it refuses, unless asked for a
correction, which adds a new version of each published report (`supersedes` → the published one).
"""
from __future__ import annotations

import datetime
import json
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import District, School, Term
from shahe_afterschool import fragments
from shahe_afterschool.errors import ConflictError, DomainError

from . import selectors
from .models import ScopeKind, WeeklyCoverageReport
from .sections import FLAG_LABELS, BuildContext, combine, sections
from .weeks import iso_week, week_label

Report = WeeklyCoverageReport


def _context(week_start: datetime.date) -> BuildContext:
    schools = {
        row["pk"]: row for row in School.objects.filter(active=True).order_by("code").values(
            "pk", "code", "name", "level", "district_id", "district__name", "city_direct")
    }
    term = Term.objects.filter(start_date__lte=week_start + datetime.timedelta(days=6),
                               end_date__gte=week_start).order_by("start_date").first()
    return BuildContext(week_start=week_start, term=term, schools=schools)


def _scopes(ctx: BuildContext) -> list[dict]:
    """Every scope of the city: each school, each district, the city-direct group, the city."""
    scopes = []
    for sid, s in ctx.schools.items():
        scopes.append({"kind": ScopeKind.SCHOOL, "key": f"school:{sid}", "school_id": sid, "district_id": None,
                       "name": s["name"], "ids": [sid], "children": []})
    for district in District.objects.order_by("code"):
        ids = [sid for sid, s in ctx.schools.items() if s["district_id"] == district.pk]
        scopes.append({"kind": ScopeKind.DISTRICT, "key": f"district:{district.pk}", "school_id": None,
                       "district_id": district.pk, "name": district.name, "ids": ids,
                       "children": [f"school:{sid}" for sid in ids]})
    direct = [sid for sid, s in ctx.schools.items() if s["city_direct"]]
    scopes.append({"kind": ScopeKind.CITY_DIRECT, "key": "city_direct", "school_id": None, "district_id": None,
                   "name": str(ScopeKind.CITY_DIRECT.label), "ids": direct,
                   "children": [f"school:{sid}" for sid in direct]})
    scopes.append({"kind": ScopeKind.CITY, "key": "city", "school_id": None, "district_id": None,
                   "name": str(ScopeKind.CITY.label), "ids": list(ctx.schools),
                   "children": [s["key"] for s in scopes if s["kind"] in (ScopeKind.DISTRICT, ScopeKind.CITY_DIRECT)]})
    return scopes


def _main(section_figures: dict) -> dict:
    main = {}
    for section in sections():
        fig = section_figures.get(section.code, {})
        for key, (figure_key, _label) in section.main.items():
            main[key] = fig.get(figure_key)
    return main


def _changes(main: dict, previous: dict | None) -> dict:
    if not previous:
        return {}
    out = {}
    for key, value in main.items():
        before = previous.get(key)
        if isinstance(value, (int, float)) and isinstance(before, (int, float)):
            out[key] = round(value - before, 1)
    return out


def _previous_main(week_start: datetime.date) -> dict[str, dict]:
    """Main figures of the week before, per scope: its published report, else its draft."""
    week = iso_week(week_start - datetime.timedelta(days=7))
    found: dict[str, dict] = {}
    # Only the "main" figures are read: extracted by the database, not the whole report decoded.
    for scope_key, status, main in (Report.objects.current().filter(week=week)
                                    .order_by("version").values_list("scope_key", "status", "data__main")):
        if status == Report.Status.PUBLISHED or scope_key not in found:
            found[scope_key] = main or {}
    return found


@contextmanager
def reads_apart():
    """A thread with a database connection of its own for the build's largest reads
    (`BuildContext.read_apart`): PostgreSQL works on them on another core while this thread reads
    and sums the other sections (the city's week at scale 1.0: the coverage join alone is a quarter
    of the build). Yields its `submit(read) -> Future`; the reads run one after the other on that
    connection, which is closed at the end. Yields None (every read in line) on another database, or
    inside a transaction, whose uncommitted writes another connection would not see. Each read is one
    statement, as in line: neither way reads the sections from one snapshot."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield None
        return
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-reads")
    try:
        yield pool.submit
    finally:
        pool.submit(connections.close_all)  # this thread's connection (the pool's only thread)
        pool.shutdown(wait=True)


def reports_compute(*, week_start: datetime.date) -> list[dict]:
    """Every scope's report data for the week, in memory; writes nothing."""
    ctx = _context(week_start)
    with reads_apart() as submit:
        if submit is not None:
            ctx.read_apart(submit)
        computed = {s.code: s.per_school(ctx) for s in sorted(sections(), key=lambda s: s.reads_apart)}
    raw = {section.code: computed[section.code] for section in sections()}
    flags: dict[int, list[str]] = {sid: [] for sid in ctx.school_ids}
    for per_school in raw.values():
        for sid, fig in per_school.items():
            flags[sid].extend(fig.pop("flags", []))
    previous = _previous_main(week_start)
    scopes = _scopes(ctx)
    mains: dict[str, dict] = {}
    out = []
    secs = sections()
    # Raw sums per scope. A district, the city-direct group and the city are summed from their child
    # scopes' sums when those cover exactly their schools (the deep sum is associative): the city adds
    # up 19 sums instead of 150 schools. Finalizing never changes a sum, so a parent may reuse it, and
    # a school's sum is its own raw figures (`combine` never changes what it adds up): not copied.
    sums: dict[str, dict] = {}
    ids_of = {s["key"]: s["ids"] for s in scopes}
    for scope in scopes:
        children = [k for k in scope["children"] if k in sums]
        if scope["kind"] == ScopeKind.SCHOOL:
            summed = {sec.code: raw[sec.code][scope["school_id"]] for sec in secs}
        elif children and sorted(sid for k in children for sid in ids_of[k]) == sorted(scope["ids"]):
            summed = {sec.code: combine([sums[k][sec.code] for k in children]) for sec in secs}
        else:
            summed = {sec.code: combine([raw[sec.code][sid] for sid in scope["ids"]]) for sec in secs}
        sums[scope["key"]] = summed
        figures = {section.code: section.finalize(summed[section.code], ctx) for section in secs}
        main = _main(figures)
        flagged = [{"school_id": sid, "school": ctx.schools[sid]["name"], "codes": flags[sid]}
                   for sid in scope["ids"] if flags[sid]]
        main["flagged_schools"] = len(flagged)
        # every flag raised in the scope: a school's own headline (it has no "schools with flags")
        main["flag_count"] = sum(len(f["codes"]) for f in flagged)
        mains[scope["key"]] = main
        flag_counts = {code: sum(1 for f in flagged if code in f["codes"]) for code in FLAG_LABELS}
        out.append({**scope, "term_id": ctx.term.pk if ctx.term else None, "data": {
            "week": iso_week(week_start), "week_start": week_start.isoformat(),
            "week_end": ctx.week_end.isoformat(), "term": ctx.term.name if ctx.term else None,
            "scope": {"kind": str(scope["kind"]), "key": scope["key"], "name": scope["name"],
                      "school_id": scope["school_id"], "district_id": scope["district_id"]},
            "sections": figures, "main": main, "changes": _changes(main, previous.get(scope["key"])),
            "flags": flagged, "flag_counts": flag_counts,
        }})
    names = {s["key"]: (s["kind"], s["name"]) for s in scopes}
    for item in out:
        # the rows of the drill-down table: each child scope's main figures
        item["data"]["rows"] = [{"key": key, "kind": str(names[key][0]), "id": int(key.split(":")[1]) if ":" in key
                                 else None, "name": names[key][1], **mains[key]} for key in item.pop("children")]
        if item["kind"] == ScopeKind.CITY:
            item["data"]["schools"] = [
                {"key": f"school:{sid}", "kind": "school", "id": sid, "name": s["name"],
                 "district": s["district__name"] or "", "city_direct": s["city_direct"], **mains[f"school:{sid}"]}
                for sid, s in ctx.schools.items()]
    return out


def reports_build(*, week_start: datetime.date, by=None, correction: bool = False) -> list[Report]:
    """Build (or rebuild) every scope's report for the ISO week starting on `week_start`."""
    week_start = week_start - datetime.timedelta(days=week_start.weekday())
    week = iso_week(week_start)
    computed = reports_compute(week_start=week_start)
    now = timezone.now()
    with transaction.atomic():
        _compress_with_lz4()
        # Every version of the week, locked, in one query (the drafts' figures are replaced, never
        # read: not loaded): the current ones (drafts and published) and each scope's last version.
        week_reports = list(Report.objects.select_for_update().filter(week=week).defer("data").order_by("version"))
        existing = [r for r in week_reports if r.status != Report.Status.SUPERSEDED]
        drafts = {r.scope_key: r for r in existing if r.status == Report.Status.DRAFT}
        published = {r.scope_key: r for r in existing if r.status == Report.Status.PUBLISHED}
        _refuse(week, published=bool(published), correction=correction)
        versions = {r.scope_key: r.version for r in week_reports}
        to_create, to_update = [], []
        for item in computed:
            draft = drafts.get(item["key"])
            if draft is not None:
                draft.data, draft.built_at, draft.built_by, draft.term_id = item["data"], now, by, item["term_id"]
                to_update.append(draft)
                continue
            report = Report(
                week=week, week_start=week_start, kind=item["kind"], school_id=item["school_id"],
                district_id=item["district_id"], scope_key=item["key"], term_id=item["term_id"],
                version=versions.get(item["key"], 0) + 1, supersedes=published.get(item["key"]),
                status=Report.Status.DRAFT, data=item["data"], built_at=now, built_by=by,
            )
            to_create.append(report)
        Report.objects.bulk_create(to_create, batch_size=500)
        _update_drafts(to_update)
        fragments.changed(selectors.REPORTS_SUBJECT)  # the rendered report pages (bulk writes send no signal)
    return to_create + to_update


#: Whether this PostgreSQL compresses with lz4 (asked once per process; None: not asked yet).
_LZ4: bool | None = None


def _compress_with_lz4() -> None:
    """PostgreSQL: the reports written in this transaction are compressed with lz4 rather than the
    default pglz (`default_toast_compression`, for columns that set none). A report's JSON is a few
    kilobytes and is always compressed: with pglz the write of the week's reports took about twice
    as long (the 50 reports of scale 0.2: 14-30 ms against 11.5-14 ms), and lz4 is also faster to read.
    A server built without lz4 keeps pglz."""
    global _LZ4
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        if _LZ4 is None:
            cur.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cur.fetchone()
            _LZ4 = bool(row and row[0])
        if _LZ4:
            cur.execute("SET LOCAL default_toast_compression = 'lz4'")


def _update_drafts(drafts: list[Report]) -> None:
    """Write the rebuilt drafts in one statement. On PostgreSQL an `UPDATE ... FROM (VALUES ...)`:
    `bulk_update` builds a CASE of one WHEN per report and field, whose expressions cost Django
    about as much time as the SQL of every section together (measured at scale 1.0, 170 reports)."""
    if not drafts:
        return
    if connection.vendor != "postgresql":
        Report.objects.bulk_update(drafts, ["data", "built_at", "built_by", "term"], batch_size=500)
        return
    table = connection.ops.quote_name(Report._meta.db_table)
    params = []
    for d in drafts:
        params += [d.pk, json.dumps(d.data, cls=DjangoJSONEncoder), d.built_at, d.built_by_id, d.term_id]
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(drafts))
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} AS t SET data = v.data::jsonb, built_at = v.built_at::timestamptz, "
            "built_by_id = v.built_by_id::bigint, term_id = v.term_id::bigint "
            f"FROM (VALUES {values}) AS v(id, data, built_at, built_by_id, term_id) WHERE t.id = v.id", params)


def reports_publish(*, week: str, by) -> int:
    """Publish the drafts of a week; a published correction supersedes the version it corrects."""
    with transaction.atomic():
        drafts = list(Report.objects.select_for_update().filter(week=week, status=Report.Status.DRAFT))
        if not drafts:
            raise DomainError(_("There is no draft of %(week)s to publish.") % {"week": week_label(week)})
        replaced = [d.supersedes_id for d in drafts if d.supersedes_id]
        Report.objects.filter(pk__in=replaced).update(status=Report.Status.SUPERSEDED)
        now = timezone.now()
        fragments.changed(selectors.REPORTS_SUBJECT)
        return Report.objects.filter(pk__in=[d.pk for d in drafts]).update(
            status=Report.Status.PUBLISHED, published_at=now, published_by=by)


def reports_check_buildable(*, week_start: datetime.date, correction: bool = False) -> None:
    """The refusals of `reports_build`, checked before a build is queued (so the page can say why)."""
    week = iso_week(week_start)
    published = Report.objects.filter(week=week, status=Report.Status.PUBLISHED).exists()
    _refuse(week, published=published, correction=correction)


def _refuse(week: str, *, published: bool, correction: bool) -> None:
    if published and not correction:
        raise ConflictError(_("The reports of %(week)s are already published and cannot be rebuilt. "
                              "Build a correction instead: it becomes a new version and keeps the published "
                              "one.") % {"week": week_label(week)})
    if correction and not published:
        raise DomainError(_("Nothing of %(week)s is published yet: build the week instead of a "
                            "correction.") % {"week": week_label(week)})
