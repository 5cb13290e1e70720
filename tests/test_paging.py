"""shahe_afterschool.paging.page_of: Django's get_page, with the total counted in the page's query."""
import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schools.models import District
from shahe_afterschool.paging import page_of

from .factories import DistrictFactory


@pytest.fixture
def districts(db):
    for i in range(7):
        DistrictFactory(code=f"P{i:02d}", name=f"第{i}片区")
    return District.objects.filter(code__startswith="P").order_by("code")


@pytest.mark.parametrize("number", [None, "", "1", "2", "3", 2, "4", "99", "0", "-1", "abc", "1.5"])
def test_the_same_page_as_get_page(districts, number):
    expected = Paginator(districts, 3).get_page(number)
    page = page_of(districts, 3, number)
    assert page.number == expected.number
    assert [d.code for d in page] == [d.code for d in expected]
    assert page.paginator.count == 7 and page.paginator.num_pages == 3
    assert page.has_next() == expected.has_next() and page.has_previous() == expected.has_previous()


def test_a_page_with_rows_is_one_query(districts):
    with CaptureQueriesContext(connection) as ctx:
        page = page_of(districts, 3, "2")
        assert [d.code for d in page] == ["P03", "P04", "P05"] and page.paginator.count == 7
    assert len(ctx.captured_queries) == 1


def test_an_empty_list_is_its_first_page(db):
    page = page_of(District.objects.filter(code="none").order_by("pk"), 3, "1")
    assert page.number == 1 and list(page) == [] and page.paginator.count == 0
