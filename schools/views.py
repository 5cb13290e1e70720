from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from accounts.roles import Role
from accounts.scoping import scope_of
from shahe_afterschool import fragments
from shahe_afterschool.ids import parse_id

from . import selectors
from .models import District


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:64]
    district_id = parse_id(request.GET.get("district"))
    scope = scope_of(request.user)
    rows_html = _school_rows(request, scope=scope, search=search, district_id=district_id)
    if request.htmx:
        return HttpResponse(rows_html)
    districts = District.objects.all() if scope.sees_city else District.objects.filter(pk__in=scope.district_ids)
    return render(request, "schools/school_list.html", {"rows_html": rows_html, "search": search,
                                                        "districts": districts, "district_id": district_id})


#: How long a rendered page of the school list is kept (its key names the list's version, so a write
#: it shows is on the next read; the time only bounds what an unannounced change could leave).
ROWS_SECONDS = 600


def _school_rows(request: HttpRequest, *, scope, search: str, district_id) -> str:
    """The table of schools (a page of 50 with their counts of classes and enrolled students).

    The bureau's and a district's readers share it: it is rendered once per scope, filter, page and
    language and kept until a school, class or child changes (`selectors.LIST_SUBJECT`). A reader
    whose list depends on their own children (a parent) gets it computed."""
    page_number = request.GET.get("page")

    def render_rows() -> str:
        schools = selectors.school_list(user=request.user, district_id=district_id, search=search)
        page = Paginator(schools, 50).get_page(page_number)
        return render_to_string("schools/_school_rows.html", {"page": page, "search": search}, request=request)

    if scope.has_role(Role.PARENT) or scope.user_id is None:
        return render_rows()
    reader = ("city",) if scope.sees_city else (sorted(scope.district_ids), sorted(scope.staff_school_ids))
    key = fragments.key("school-rows", selectors.LIST_SUBJECT, reader, search, district_id, page_number)
    html = cache.get(key)
    if html is None:
        html = render_rows()
        cache.set(key, html, ROWS_SECONDS)
    return mark_safe(html)  # noqa: S308 (the template's own output, rendered above or by an earlier read)


@login_required
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = selectors.school_get_for_user(user=request.user, pk=pk)
    scope = scope_of(request.user)
    is_staff_view = (
        scope.sees_city or school.pk in scope.staff_school_ids or school.district_id in scope.district_ids
    )
    context = {"school": school, "is_staff_view": is_staff_view}
    if is_staff_view:
        context.update(selectors.school_overview(user=request.user, school=school))
    return render(request, "schools/school_detail.html", context)


@login_required
def my_children(request: HttpRequest) -> HttpResponse:
    children = selectors.children_of(user=request.user)
    return render(request, "schools/my_children.html", {"children": children})
