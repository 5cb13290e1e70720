from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.scoping import scope_of
from shahe_afterschool.ids import parse_id

from . import selectors
from .models import District


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:64]
    district_id = parse_id(request.GET.get("district"))
    schools = selectors.school_list(user=request.user, district_id=district_id, search=search)
    page = Paginator(schools, 50).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    districts = District.objects.all() if scope.sees_city else District.objects.filter(pk__in=scope.district_ids)
    template = "schools/_school_rows.html" if request.htmx else "schools/school_list.html"
    return render(request, template, {"page": page, "search": search, "districts": districts,
                                      "district_id": district_id})


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
