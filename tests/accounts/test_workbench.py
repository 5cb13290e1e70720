"""The workbench (issue 21, item 1): each member of staff lands on what waits for them, a section per
role with counts and a link each. The counts match the database, never count another school's (or
district's) items, and cost the same number of queries however many items there are; the navigation
(item 2) groups a role's entries in at most seven and carries the same counts as badges."""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import Role
from accounts.workbench import figures_for, nav_badges
from attendance.models import DayClose, DutyRota, Mark, Roll
from clubs.models import ChoiceWindow, ClubChoice, ReviewStatus
from enrollment.models import Application, PriorityClaim, ServiceGroup
from notices.services import notify
from safety import services as safety_services
from safety.models import IncidentType, Severity
from tests.clubs.factories import ClubFactory, ServicePlanFactory
from tests.conftest import add_offices
from tests.enrollment.factories import ParentLetterFactory, ServiceGroupFactory
from tests.factories import IN_TERM, StudentFactory, UserFactory, give_role
from tests.safety.factories import add_item, inspect, report

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(IN_TERM)]


def application(child, term, status=Application.Status.SUBMITTED, claim=None):
    letter = (ParentLetterFactory._meta.model.objects.filter(school=child.school, term=term).first()
              or ParentLetterFactory(school=child.school, term=term))
    now = timezone.now()
    app = Application.objects.create(
        student=child, term=term, school=child.school, sessions=["after_school"], weekdays=[1, 2, 3, 4, 5],
        letter=letter, letter_version=letter.version, letter_acknowledged_at=now, status=status,
        submitted_by=UserFactory(), submitted_at=now)
    if claim:
        PriorityClaim.objects.create(application=app, group="migrant", status=claim)
    return app


def populate(w, n: int):
    """n of everything at school_a (the counted school), and one of each at school_b (never counted by
    school_a's people, the bureau excepted for what is city-wide)."""
    term = w.term
    today = timezone.localdate()
    for school, klass, k in ((w.school_a, w.class_a, n), (w.school_b, w.class_b, 1)):
        for _ in range(k):
            app = application(StudentFactory(homeroom_class=klass), term, claim=PriorityClaim.Status.CLAIMED)
            assert app.pk
            application(StudentFactory(homeroom_class=klass), term, status=Application.Status.WAITLISTED)
            ServiceGroupFactory(school=school, term=term)  # no teacher
            ClubFactory(school=school, term=term, status=ReviewStatus.SUBMITTED)
        # things that are not waiting: a reviewed application, a verified claim, a group with a teacher
        application(StudentFactory(homeroom_class=klass), term, status=Application.Status.CLASS_REVIEWED,
                    claim=PriorityClaim.Status.VERIFIED)
        ServiceGroupFactory(school=school, term=term, teacher=UserFactory())
        ServicePlanFactory(school=school, term=term, status=ReviewStatus.SUBMITTED,
                           revision=school.service_plans.count() + 1)
    # incidents: n escalated (missing child) and n others at school_a, one escalated at school_b
    for i in range(n):
        report(w, type=IncidentType.MISSING_CHILD, severity=Severity.SERIOUS, minutes_ago=10 + i)
        report(w, minutes_ago=20 + i)
    other = report(w, school=w.school_b, user=w.teacher_b, children=[w.child_b], type=IncidentType.MISSING_CHILD,
                   severity=Severity.SERIOUS)
    first_a = w.school_a.incidents.filter(escalated_at__isnull=False).first()
    for incident in (first_a, other):
        safety_services.follow_up_request_open(user=w.bureau, incident=incident, text="请报告学生下落",
                                               due_in_minutes=30)
    # rectification: n items at school_a (one overdue), one at school_b
    inspection = inspect(w, days_ago=20)
    for i in range(n):
        add_item(w, inspection, deadline_days=-1 if i == 0 else 10 + i)
    add_item(w, inspect(w, school=w.school_b, days_ago=20), deadline_days=-2)
    # today's rolls: the homeroom teacher's class; child_a absent, n more absent
    group = ServiceGroupFactory(school=w.school_a, term=term, teacher=w.homeroom)
    roll = Roll.objects.create(school=w.school_a, date=today, kind="group", session="after_school", group=group,
                               name=group.name, teacher=w.homeroom)
    Roll.objects.create(school=w.school_a, date=today, kind="group", session="after_school",
                        group=ServiceGroupFactory(school=w.school_a, term=term, teacher=w.homeroom), name="二组",
                        teacher=w.homeroom, status=Roll.Status.SUBMITTED)
    absent = [StudentFactory(homeroom_class=w.class_a) for _ in range(n)]
    now = timezone.now()
    for child in absent:
        Mark.objects.create(roll=roll, student=child, status=Mark.Status.ABSENT, client_id=f"c{child.pk}",
                            marked_at=now, marked_by=w.homeroom)
    Mark.objects.create(roll=roll, student=StudentFactory(homeroom_class=w.class_a), status=Mark.Status.PRESENT,
                        client_id="p", marked_at=now, marked_by=w.homeroom)
    # must-read notices for the principal
    notify(recipients=[w.principal] * 1, kind="t", title="必读", must_read=True)
    notify(recipients=[w.principal], kind="t", title="普通")
    return absent


def counts(user) -> dict:
    return {s.key: s.count for section in figures_for(user) for s in section.items} | {
        f"{section.role}:{s.key}": s for section in figures_for(user) for s in section.items}


def fresh(user):
    return type(user).objects.get(pk=user.pk)  # no cached scope or figures


@pytest.fixture
def w(world):
    add_offices(world)
    world.principal_b = UserFactory(username="principal_b", name="吴校长")
    give_role(world.principal_b, Role.PRINCIPAL, school=world.school_b)
    return world


def test_each_role_counts_its_own_items_only(w):
    populate(w, 3)
    home = counts(fresh(w.homeroom))
    assert home["enrollment.applications_to_review"] == 3
    assert home["enrollment.claims_to_verify"] == 3
    assert home["attendance.class_absences"] == 3
    absent = Mark.objects.filter(status=Mark.Status.ABSENT).select_related("student").first().student
    assert absent.name in home["homeroom:attendance.class_absences"].text
    assert home["attendance.todays_rolls"] == 1  # one open of two (the homeroom teacher also teaches)
    assert "1" in home["teacher:attendance.todays_rolls"].text

    principal = counts(fresh(w.principal))
    assert principal["clubs.plans_to_approve"] == 1
    assert principal["clubs.clubs_to_approve"] == 3
    assert principal["safety.escalated_open"] == 3
    assert principal["principal:safety.escalated_open"].tone == "danger"
    assert principal["safety.other_open"] == 3
    assert principal["safety.rectification_due"] == 3
    assert principal["principal:safety.rectification_due"].tone == "danger"  # one is overdue
    assert principal["safety.follow_up_requests"] == 1  # school_b's request is not counted
    assert principal["notices.unread_must_read"] == 1
    day = principal["principal:attendance.day_close"]
    assert day.count is None and day.tone == "warning" and f"/attendance/console/{w.school_a.pk}/" == day.url

    for office in (w.moral_a, w.academic_a):
        c = counts(fresh(office))
        assert c["enrollment.groups_without_teacher"] == 3
        assert c["enrollment.waitlist"] == 3
        assert "clubs.choice_window" in c

    district = counts(fresh(w.district))
    assert district["safety.escalated_open"] == 3  # district_a's escalated, not district_b's
    assert district["safety.follow_up_requests"] == 1

    bureau = counts(fresh(w.bureau))
    assert bureau["safety.escalated_open"] == 4  # the city's escalated incidents
    assert bureau["safety.rectification_overdue"] == 2
    assert bureau["safety.follow_up_requests"] == 2
    assert bureau["reports.flagged_schools"] == 0
    assert bureau["bureau:reports.last_week"].count is None


def test_the_workbench_page_shows_each_section_with_links(w, login):
    populate(w, 2)
    page = login(w.principal).get("/accounts/workbench/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="section-principal"' in html
    card = re.search(r'<a class="card work-item work-danger[^"]*" href="([^"]+)" data-testid="work-safety.escalated_open"',
                     html)
    assert card and card.group(1).startswith("/safety/")
    assert re.search(r'data-testid="work-clubs.clubs_to_approve".*?data-testid="count">2<', html, re.S)
    # the navigation's badges are rendered from the same figures (no fetch on this page)
    assert "data-badges-url" not in html
    assert re.search(r'data-badge-for="clubs:list"><span data-count>2<', html)


def test_someone_with_several_roles_sees_a_section_per_role(w, login):
    give_role(w.principal, Role.MORAL_ED, school=w.school_a)
    html = login(w.principal).get("/accounts/workbench/").content.decode()
    assert 'data-testid="section-principal"' in html and 'data-testid="section-moral_ed"' in html
    # a personal item (unread notices) appears once
    assert html.count('data-testid="work-notices.unread_must_read"') == 1


def test_the_duty_leader_on_duty_gets_the_console_and_another_day_the_next_duty(w):
    on = counts(fresh(w.duty_a))["duty_leader:attendance.duty_console"]
    assert on.url == f"/attendance/console/{w.school_a.pk}/"
    off = counts(fresh(w.duty_off_a))["duty_leader:attendance.duty_console"]
    assert off.url is None and off.text
    DayClose.objects.create(school=w.school_a, date=timezone.localdate(), closed_by=w.duty_a)
    Roll.objects.create(school=w.school_a, date=timezone.localdate(), kind="group", session="after_school",
                        group=ServiceGroupFactory(school=w.school_a, term=w.term), name="组")
    assert counts(fresh(w.principal))["principal:attendance.day_close"].tone == "success"


def test_the_choice_window_states(w):
    now = timezone.now()
    window = ChoiceWindow.objects.create(school=w.school_a, term=w.term, opens_at=now - datetime.timedelta(days=3),
                                         closes_at=now - datetime.timedelta(days=1))
    item = counts(fresh(w.academic_a))["academic:clubs.choice_window"]
    assert item.count == 1 and item.tone == "warning" and item.url.startswith("/clubs/window/")
    window.allocated_at = now
    window.save()
    item = counts(fresh(w.moral_a))["moral_ed:clubs.choice_window"]
    assert item.count is None and item.tone == "success" and item.url.startswith("/clubs/")
    club = ClubFactory(school=w.school_a, term=w.term)
    ClubChoice.objects.create(club=club, student=w.child_a, term=w.term, status=ClubChoice.Status.WAITLISTED,
                              chosen_at=now)
    assert counts(fresh(w.moral_a))["clubs.waitlist"] == 1


@pytest.mark.parametrize("who", ["homeroom", "principal", "moral_a", "academic_a", "duty_a", "teacher_b",
                                 "district", "bureau"])
def test_query_counts_do_not_grow_with_the_items(w, who):
    def measure():
        with CaptureQueriesContext(connection) as ctx:
            figures_for(fresh(getattr(w, who)))
        return len(ctx.captured_queries) - 1  # the fresh user's own row

    populate(w, 1)
    small = measure()
    populate(w, 6)
    assert measure() == small


def test_the_page_and_the_badges_cost_a_fixed_number_of_queries(w, login, django_assert_max_num_queries):
    client = login(w.principal)
    populate(w, 1)
    with CaptureQueriesContext(connection) as first:
        client.get("/accounts/workbench/")
    populate(w, 5)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/accounts/workbench/")
    with CaptureQueriesContext(connection) as badges:
        r = client.get("/accounts/workbench/counts/")
    assert r.json()["badges"]["safety:incidents"]["count"] == 12  # 6 escalated + 6 others
    assert r.json()["badges"]["safety:incidents"]["tone"] == "danger"
    # another page: the badges are fetched by the browser, the page runs no query for them
    with CaptureQueriesContext(connection) as inbox:
        html = client.get("/notices/").content.decode()
    assert 'data-badges-url="/accounts/workbench/counts/"' in html
    assert not any("safety_incident" in q["sql"] for q in inbox.captured_queries)
    assert len(badges.captured_queries) <= len(first.captured_queries)


def test_badges_take_the_larger_count_of_two_roles_never_the_sum(w):
    populate(w, 2)
    give_role(w.principal, Role.ACADEMIC, school=w.school_a)
    give_role(w.principal, Role.MORAL_ED, school=w.school_a)
    badges = nav_badges(fresh(w.principal))
    assert badges["enrollment:groups"]["count"] == 2  # both offices count the same two groups


@pytest.mark.parametrize("who", ["homeroom", "principal", "moral_a", "academic_a", "duty_a", "teacher_b",
                                 "district", "bureau"])
def test_navigation_has_at_most_seven_groups(w, login, who):
    html = login(getattr(w, who)).get("/accounts/workbench/").content.decode()
    nav = html[html.index('<ul class="navbar-nav'):html.index("</ul>\n      <div")]
    top = re.findall(r'^<li class="nav-item', nav, re.M)
    assert 1 <= len(top) <= 7, who


def test_staff_outside_the_workbench_roles_and_parents_are_sent_home(w, login):
    assert login(w.parent_a).get("/accounts/workbench/").url == "/"
    assert login(w.parent_a).get("/accounts/workbench/counts/").json() == {"badges": {}}


def test_a_bad_figure_is_a_programming_error_not_a_silent_zero(w):
    from accounts.workbench import WORK_ITEMS, WorkItem, register_work

    register_work(WorkItem(key="test.bad", label="bad", roles=frozenset({Role.BUREAU}), figure=lambda ctx: "7"))
    try:
        with pytest.raises(TypeError):
            figures_for(fresh(w.bureau))
    finally:
        WORK_ITEMS[:] = [i for i in WORK_ITEMS if i.key != "test.bad"]


def test_a_school_without_groups_has_nothing_waiting(w):
    ServiceGroup.objects.all().delete()
    DutyRota.objects.all().delete()
    c = counts(fresh(w.academic_a))
    assert c["enrollment.groups_without_teacher"] == 0 and c["enrollment.waitlist"] == 0


def test_a_teacher_sees_their_own_hours_of_the_month(w):
    """Issue 22 item 6: the teacher's held hours of the month (beside planned) on the workbench,
    linked to the month-by-month page."""
    figure = counts(fresh(w.homeroom))["teacher:attendance.my_hours"]
    assert figure.count is None and "小时" in figure.text and figure.text.startswith("本月已服务 0 小时")
