"""The one clash checker: teachers, venues, groups and students; touching intervals do not clash."""
import datetime

import pytest

from clubs.timetable import (
    BOOKING_PROVIDERS,
    Booking,
    clashes_with,
    collect_bookings,
    find_clashes,
    register_booking_provider,
)

T = datetime.time


def booking(source, start, end, *resources, weekday=1):
    return Booking(source=source, label=source, school_id=1, weekday=weekday, start=T(*start), end=T(*end),
                   resources=frozenset(resources))


@pytest.mark.parametrize("resource", [("teacher", 7), ("venue", 3), ("group", "g1"), ("student", 42)])
def test_each_kind_of_resource_clashes_when_overlapping(resource):
    a = booking("club:1", (16, 0), (17, 0), resource)
    b = booking("club:2", (16, 30), (17, 30), resource)
    clashes = find_clashes([a, b])
    assert [(c.resource, c.first.source, c.second.source) for c in clashes] == [(resource, "club:1", "club:2")]


@pytest.mark.parametrize("resource", [("teacher", 7), ("venue", 3), ("group", "g1"), ("student", 42)])
def test_touching_intervals_do_not_clash(resource):
    a = booking("club:1", (16, 0), (17, 0), resource)
    b = booking("club:2", (17, 0), (18, 0), resource)
    assert find_clashes([a, b]) == []
    assert clashes_with([b], [a]) == []


def test_different_weekdays_and_different_resources_do_not_clash():
    a = booking("club:1", (16, 0), (17, 0), ("teacher", 1), weekday=1)
    b = booking("club:2", (16, 0), (17, 0), ("teacher", 1), weekday=2)
    c = booking("club:3", (16, 0), (17, 0), ("teacher", 2), weekday=1)
    assert find_clashes([a, b, c]) == []


def test_a_contained_interval_clashes_and_three_way_overlap_gives_each_pair():
    a = booking("a", (15, 0), (18, 0), ("venue", 1))
    b = booking("b", (16, 0), (16, 30), ("venue", 1))
    c = booking("c", (16, 15), (17, 0), ("venue", 1))
    pairs = {(x.first.source, x.second.source) for x in find_clashes([a, b, c])}
    assert pairs == {("a", "b"), ("a", "c"), ("b", "c")}


def test_clashes_with_checks_a_candidate_against_the_timetable_only():
    existing = [booking("a", (16, 0), (17, 0), ("teacher", 1)), booking("b", (16, 0), (17, 0), ("teacher", 1))]
    candidate = [booking("c", (16, 59), (17, 30), ("teacher", 1))]
    assert {c.first.source for c in clashes_with(candidate, existing)} == {"a", "b"}


def test_a_registered_provider_plugs_in_service_groups(db):
    """Enrollment's ServiceGroups will register a provider like this one."""
    def groups(*, term, school_ids):
        return [booking("group:9", (16, 0), (17, 30), ("group", "group:9"), ("teacher", 5))]

    register_booking_provider(groups)
    try:
        found = collect_bookings(term=None, school_ids=[1])
        assert any(b.source == "group:9" for b in found)
        club = booking("club:1", (17, 0), (18, 0), ("teacher", 5))
        assert [c.resource for c in clashes_with([club], found)] == [("teacher", 5)]
    finally:
        BOOKING_PROVIDERS.remove(groups)
