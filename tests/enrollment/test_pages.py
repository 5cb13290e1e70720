"""The pages: the parent's (letter, apply, status, withdraw, pickup persons), the homeroom queue and
the offices' groups; scoped for every role, with constant query counts."""
import re

import pytest

from accounts.models import AuditEvent
from enrollment import services
from enrollment.models import (
    Application,
    AuthorisedPickupPerson,
    LetterAcknowledgement,
    Placement,
    ServiceGroup,
)
from tests.conftest import ALL_MATRIX_ROLES, OFFICE_ROLES, matrix_user
from tests.factories import IN_TERM

from .factories import ServiceGroupFactory, child_with_parent

pytestmark = pytest.mark.django_db


def test_parent_landing_page_is_the_enrollment_page(enr, login):
    client = login(enr.world.parent_a)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/enrollment/"
    assert enr.world.child_a.name in response.content.decode()


def test_parent_reads_the_letter_acknowledges_and_applies(enr, login_as):
    w = enr.world
    client = login_as(w.parent_a)
    page = client.get("/enrollment/").content.decode()
    assert f"/enrollment/letter/{enr.letter_a.pk}/?student={w.child_a.pk}" in page
    # applying before acknowledging sends the parent to the letter
    response = client.get(f"/enrollment/apply/{w.child_a.pk}/")
    assert response.status_code == 302 and f"/enrollment/letter/{enr.letter_a.pk}/" in response["Location"]
    assert enr.letter_a.safety_measures in client.get(f"/enrollment/letter/{enr.letter_a.pk}/").content.decode()
    response = client.post(f"/enrollment/letter/{enr.letter_a.pk}/", {"student": w.child_a.pk})
    assert response["Location"] == f"/enrollment/apply/{w.child_a.pk}/"
    assert LetterAcknowledgement.objects.filter(letter=enr.letter_a, guardian=w.parent_a).exists()
    assert client.get(f"/enrollment/apply/{w.child_a.pk}/").status_code == 200
    response = client.post(f"/enrollment/apply/{w.child_a.pk}/", {
        "sessions": ["after_school"], "weekdays": ["1", "3", "5"], "pickup_plan": "flexible",
        "departure_time": "17:00", "priority_groups": ["dual_working"], "priority_note": "双职工"})
    assert response.status_code == 302
    app = Application.objects.get(student=w.child_a)
    assert app.weekdays == [1, 3, 5] and str(app.departure_time) == "17:00:00"
    assert app.claims.get().note == "双职工"
    page = client.get("/enrollment/").content.decode()
    # withdrawing goes through a page that says what follows (撤回报名 before a seat)
    assert f"/enrollment/applications/{app.pk}/withdraw/" in page and "撤回报名" in page
    assert app.get_status_display() in page
    assert client.get(f"/enrollment/apply/{w.child_a.pk}/")["Location"] == "/enrollment/"  # one per term


def test_bad_apply_input_shows_a_message_and_changes_nothing(enr, login_as):
    w = enr.world
    services.letter_acknowledge(letter=enr.letter_a, guardian=w.parent_a)
    client = login_as(w.parent_a)
    for data in ({"sessions": [], "weekdays": ["1"], "pickup_plan": "guardian"},
                 {"sessions": ["noon"], "weekdays": ["9"], "pickup_plan": "guardian"},
                 {"sessions": ["noon"], "weekdays": ["1"], "pickup_plan": "flexible"},
                 {"sessions": ["noon"], "weekdays": ["1"], "pickup_plan": "guardian", "departure_time": "3am"}):
        response = client.post(f"/enrollment/apply/{w.child_a.pk}/", data)
        assert response.status_code == 200
        assert "invalid-feedback" in response.content.decode() or "alert-danger" in response.content.decode()
    assert not Application.objects.exists()


def test_parent_cannot_open_another_childs_apply_page(enr, login_as):
    client = login_as(enr.world.parent_a)
    assert client.get(f"/enrollment/apply/{enr.world.child_a2.pk}/").status_code == 404
    assert client.get(f"/enrollment/children/{enr.world.child_a2.pk}/pickup/").status_code == 404


def test_withdraw_from_the_page(enr, login_as):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    assert login_as(w.other_parent).post(f"/enrollment/applications/{app.pk}/withdraw/").status_code == 404
    assert login_as(w.other_parent).get(f"/enrollment/applications/{app.pk}/withdraw/").status_code == 404
    assert login_as(w.homeroom).get(f"/enrollment/applications/{app.pk}/withdraw/").status_code == 403
    client = login_as(w.parent_a)
    confirm = client.get(f"/enrollment/applications/{app.pk}/withdraw/").content.decode()
    assert "撤回报名" in confirm and "学校不会再为其安排名额" in confirm  # the consequence, before acting
    assert app.__class__.objects.get(pk=app.pk).status == "submitted"  # the page itself changes nothing
    client.post(f"/enrollment/applications/{app.pk}/withdraw/", {"reason": "家里有人接"})
    app.refresh_from_db()
    assert app.status == "withdrawn"
    response = client.post(f"/enrollment/applications/{app.pk}/withdraw/", follow=True)
    assert "alert-danger" in response.content.decode()


def test_pickup_persons_page_masks_phones(enr, login_as):
    w = enr.world
    client = login_as(w.parent_a)
    response = client.post(f"/enrollment/children/{w.child_a.pk}/pickup/",
                           {"name": "张爷爷", "relation": "祖父", "phone": "139-1234-5678"})
    assert response.status_code == 302
    page = client.get(f"/enrollment/children/{w.child_a.pk}/pickup/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    assert "139****5678" in client.get("/enrollment/").content.decode()
    response = client.post(f"/enrollment/children/{w.child_a.pk}/pickup/", {"name": "x", "relation": "y",
                                                                            "phone": "123"})
    assert response.status_code == 200 and AuthorisedPickupPerson.objects.count() == 1
    person = AuthorisedPickupPerson.objects.get()
    assert login_as(w.other_parent).post(f"/enrollment/pickup/{person.pk}/end/").status_code == 404
    login_as(w.parent_a).post(f"/enrollment/pickup/{person.pk}/end/")
    person.refresh_from_db()
    assert person.active is False


# --- homeroom ---------------------------------------------------------------------------------
def test_homeroom_queue_approve_reject_and_claims(enr, login_as):
    w = enr.world
    a = enr.apply(w.child_a, w.parent_a, claims=[("migrant", "在本市务工")])
    b = enr.apply(w.child_a2, w.other_parent)
    client = login_as(w.homeroom)
    page = client.get("/enrollment/queue/").content.decode()
    assert "在本市务工" in page and w.child_a2.name in page
    assert AuditEvent.objects.filter(user=w.homeroom, object_type="enrollment.priorityclaim").exists()
    claim = a.claims.get()
    client.post(f"/enrollment/claims/{claim.pk}/decide/", {"verified": "1"})
    client.post(f"/enrollment/applications/{a.pk}/review/", {"decision": "approve"})
    client.post(f"/enrollment/applications/{b.pk}/review/", {"decision": "reject", "reason": ""})
    b.refresh_from_db()
    assert b.status == "submitted"  # no reason: refused
    client.post(f"/enrollment/applications/{b.pk}/review/", {"decision": "reject", "reason": "已报名校外托管"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.has_verified_priority, b.status, b.reject_reason) == (
        "class_reviewed", True, "rejected", "已报名校外托管")
    assert "已报名校外托管" in login_as(w.other_parent).get("/enrollment/").content.decode()


@pytest.mark.parametrize("role", ALL_MATRIX_ROLES)
def test_homeroom_queue_is_the_homeroom_teachers_only(enr, login_as, role):
    status = login_as(matrix_user(enr.world, role)).get("/enrollment/queue/").status_code
    assert status == (200 if role == "homeroom" else 403)


@pytest.mark.parametrize("role", [*ALL_MATRIX_ROLES, "moral", "academic"])
def test_application_page_scoping_and_claims(enr, login_as, role):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a, claims=[("disabled", "听力障碍")])
    user = getattr(enr, role) if role in ("moral", "academic") else matrix_user(w, role)
    response = login_as(user).get(f"/enrollment/applications/{app.pk}/")
    if role in ("parent_a", "homeroom", "principal"):
        assert response.status_code == 200 and "听力障碍" in response.content.decode()
    elif role in ("moral", "academic", *OFFICE_ROLES):  # the duty leader too (school-wide staff)
        assert response.status_code == 200
        assert "听力障碍" not in response.content.decode() and "1" in response.content.decode()
    else:
        assert response.status_code == 404


# --- offices ----------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [*ALL_MATRIX_ROLES, "moral", "academic"])
def test_groups_page_is_for_the_offices_and_principal(enr, login_as, role):
    user = getattr(enr, role) if role in ("moral", "academic") else matrix_user(enr.world, role)
    response = login_as(user).get("/enrollment/groups/")
    offices = ("moral", "academic", "moral_a", "academic_a", "principal")  # not the duty leader
    assert response.status_code == (200 if role in offices else 403)
    if response.status_code == 200:
        assert enr.group.name in response.content.decode()


def test_moral_office_forms_a_group_runs_allocation_and_moves_a_child(enr, login_as):
    w = enr.world
    client = login_as(enr.moral)
    response = client.post("/enrollment/groups/new/", {
        "name": "三年级阅读组", "session": "after_school", "grade_from": 3, "grade_to": 3, "weekdays": ["1", "2"],
        "capacity": 50, "venue": enr.venue_a.pk})
    assert response.status_code == 200 and not ServiceGroup.objects.filter(name="三年级阅读组").exists()  # venue too small
    response = client.post("/enrollment/groups/new/", {
        "name": "三年级阅读组", "session": "after_school", "grade_from": 3, "grade_to": 3,
        "weekdays": ["1", "2", "3", "4", "5"], "capacity": 5, "venue": enr.venue_a.pk})
    reading = ServiceGroup.objects.get(name="三年级阅读组")
    assert response["Location"] == f"/enrollment/groups/{reading.pk}/"
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    client.post("/enrollment/allocate/")
    app.refresh_from_db()
    assert app.status == "placed"
    placement = Placement.objects.get(application=app, active=True)
    target = reading if placement.group_id != reading.pk else enr.group
    page = client.get(f"/enrollment/groups/{placement.group_id}/").content.decode()
    assert w.child_a.name in page
    client.post(f"/enrollment/placements/{placement.pk}/move/", {"to_group": target.pk, "reason": "与同伴同组"})
    assert Placement.objects.get(application=app, active=True).group == target
    assert login_as(w.homeroom).post("/enrollment/allocate/").status_code == 403


def test_academic_office_assigns_a_teacher_and_sees_the_clash(enr, login_as):
    w = enr.world
    other = ServiceGroupFactory(school=w.school_a, term=w.term, name="五六年级组", weekdays=[2, 4])
    client = login_as(enr.academic)
    client.post(f"/enrollment/groups/{other.pk}/teacher/", {"teacher": enr.teacher_a.pk})
    response = client.post(f"/enrollment/groups/{enr.group.pk}/teacher/", {"teacher": enr.teacher_a.pk}, follow=True)
    assert "五六年级组" in response.content.decode()
    enr.group.refresh_from_db()
    assert enr.group.teacher is None
    assert login_as(enr.moral).post(f"/enrollment/groups/{enr.group.pk}/teacher/",
                                 {"teacher": enr.teacher_a.pk}).status_code == 403


def test_group_page_out_of_scope_is_404(enr, login_as):
    assert login_as(enr.world.teacher_b).get(f"/enrollment/groups/{enr.group.pk}/").status_code == 404
    assert login_as(enr.world.parent_a).get(f"/enrollment/groups/{enr.group.pk}/").status_code == 404


def test_groups_page_shows_claim_counts_not_details(enr, login_as):
    w = enr.world
    enr.apply(w.child_a, w.parent_a, claims=[("hardship", "低保户证明")])
    page = login_as(enr.moral).get("/enrollment/groups/").content.decode()
    assert "低保户证明" not in page and w.child_a.name not in page


# --- query counts -----------------------------------------------------------------------------
@pytest.mark.time_machine(IN_TERM)  # the page shows the term that contains today
@pytest.mark.parametrize("n", [5, 50])
def test_parent_page_query_count_is_constant(enr, login_as, django_assert_num_queries, n):
    w = enr.world
    for _ in range(n):
        child, _parent = child_with_parent(w.class_a, parent=w.parent_a)
        enr.apply(child, w.parent_a, claims=[("migrant", "")])
        services.pickup_person_add(student=child, by=w.parent_a, name="王阿姨", relation="邻居", phone="13912345678")
    client = login_as(w.parent_a)
    client.get("/enrollment/")
    with django_assert_num_queries(11):  # the today cards and the menu's unread count: from the cache; letters and acknowledgements in one
        response = client.get("/enrollment/")
    assert response.content.decode().count('data-testid="child-card"') == n + 1


@pytest.mark.parametrize("n", [5, 50])
def test_homeroom_queue_query_count_is_constant(enr, login_as, django_assert_num_queries, n):
    w = enr.world
    for i in range(n):
        child, parent = child_with_parent(w.class_a)
        app = enr.apply(child, parent, claims=[("migrant", "")])
        if i % 2:
            enr.approve(app)
    client = login_as(w.homeroom)
    client.get("/enrollment/queue/")
    with django_assert_num_queries(7):  # the page's rows with their total (one query), their claims, the audit
        response = client.get("/enrollment/queue/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="pending"') + page.count('data-testid="reviewed"') == min(n, 25)


def test_homeroom_queue_is_paged_waiting_applications_first(enr, login_as):
    w = enr.world
    apps = []
    for i in range(30):
        child, parent = child_with_parent(w.class_a, name=f"排队{i:02d}")
        apps.append(enr.apply(child, parent))
    for app in apps[:20]:  # the first twenty applied are reviewed, the last ten still wait
        enr.approve(app)
    client = login_as(w.homeroom)
    first = client.get("/enrollment/queue/").content.decode()
    second = client.get("/enrollment/queue/?page=2").content.decode()
    assert first.count('data-testid="pending"') == 10 and first.count('data-testid="reviewed"') == 15
    assert second.count('data-testid="pending"') == 0 and second.count('data-testid="reviewed"') == 5
    assert "1 / 2" in first and "?page=2" in first
    assert "排队29" in first and "排队00" in first and "排队19" in second


def _main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_homeroom_queue_kept_rendered_shows_every_change(enr, login_as):
    """The cards are kept rendered under a digest of what they show: a status, a claim's decision, a
    child's name or a new application changes the page at once, with nothing to announce it."""
    w = enr.world
    a = enr.apply(w.child_a, w.parent_a, claims=[("migrant", "在本市务工")])
    client = login_as(w.homeroom)
    first = client.get("/enrollment/queue/").content.decode()
    # read again: the same cards, down to their forms' masked tokens (rendered anew, each would differ)
    assert _main(client.get("/enrollment/queue/").content.decode()) == _main(first)
    assert first.count('data-testid="pending"') == 1 and "已核实" not in first
    services.claim_decide(claim=a.claims.get(), by=w.homeroom, verified=True)
    page = client.get("/enrollment/queue/").content.decode()
    assert page != first and "已核实" in page
    w.child_a.name = "改名的孩子"
    w.child_a.save()
    assert "改名的孩子" in client.get("/enrollment/queue/").content.decode()
    enr.approve(a)
    page = client.get("/enrollment/queue/").content.decode()
    assert 'data-testid="pending"' not in page and page.count('data-testid="reviewed"') == 1
    enr.apply(w.child_a2, w.other_parent)
    assert client.get("/enrollment/queue/").content.decode().count('data-testid="pending"') == 1


def test_homeroom_queue_kept_rendered_forms_carry_each_readers_token(enr):
    """The kept cards hold forms: each reader's tokens are their own (the key names the reader's CSRF
    secret), so a post from a page read from the cache is accepted, in either reader's browser."""
    from django.test import Client

    w = enr.world
    a = enr.apply(w.child_a, w.parent_a)
    b = enr.apply(w.child_a2, w.other_parent)
    tablet, desk = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (tablet, desk):
        client.force_login(w.homeroom)
        client.get("/enrollment/queue/")
    kept = tablet.get("/enrollment/queue/").content.decode()
    other = desk.get("/enrollment/queue/").content.decode()
    assert _csrf_token(kept) != _csrf_token(other)
    response = tablet.post(f"/enrollment/applications/{a.pk}/review/",
                           {"decision": "approve", "csrfmiddlewaretoken": _csrf_token(kept)})
    assert response.status_code == 302
    response = desk.post(f"/enrollment/applications/{b.pk}/review/",
                         {"decision": "approve", "csrfmiddlewaretoken": _csrf_token(other)})
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("class_reviewed", "class_reviewed")


def test_homeroom_queue_kept_rendered_per_language(enr, login_as):
    w = enr.world
    enr.apply(w.child_a, w.parent_a)
    client = login_as(w.homeroom)
    chinese = client.get("/enrollment/queue/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get("/enrollment/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">通过</button>" in chinese and ">Approve</button>" not in chinese
    assert ">Approve</button>" in english and ">通过</button>" not in english


@pytest.mark.time_machine(IN_TERM)  # the page shows the term that contains today
@pytest.mark.parametrize("n", [5, 50])
def test_groups_page_query_count_is_constant(enr, login_as, django_assert_num_queries, n):
    w = enr.world
    for _ in range(n):
        ServiceGroupFactory(school=w.school_a, term=w.term)
    client = login_as(enr.moral)
    client.get("/enrollment/groups/")
    with django_assert_num_queries(8):
        response = client.get("/enrollment/groups/")
    assert response.content.decode().count('data-testid="group-row"') == n + 1


def test_moral_office_publishes_a_new_letter_version_parents_acknowledge_again(enr, login_as):
    w = enr.world
    services.letter_acknowledge(letter=enr.letter_a, guardian=w.parent_a)
    client = login_as(enr.moral)
    page = client.get("/enrollment/letters/new/").content.decode()
    assert enr.letter_a.safety_measures in page  # the form starts from the current version
    response = client.post("/enrollment/letters/new/", {
        "title": "致家长的一封信（修订）", "service_scope": "全体学生", "times": "16:00-18:00", "content": "作业辅导",
        "safety_measures": ""})
    assert response.status_code == 200  # a required field is empty: nothing published
    response = client.post("/enrollment/letters/new/", {
        "title": "致家长的一封信（修订）", "service_scope": "全体学生", "times": "16:00-18:00", "content": "作业辅导",
        "safety_measures": "教师全程看护"})
    assert response.status_code == 302
    from enrollment.models import ParentLetter

    current = ParentLetter.objects.current_for(school=w.school_a, term=w.term)
    assert current.version == 2
    parent = login_as(w.parent_a)
    assert f"/enrollment/letter/{current.pk}/?student={w.child_a.pk}" in parent.get("/enrollment/").content.decode()
    assert login_as(enr.academic).get("/enrollment/letters/new/").status_code == 403
    assert login_as(w.homeroom).get("/enrollment/letters/new/").status_code == 403


def test_parent_page_speaks_chinese_by_default(enr, login_as):
    w = enr.world
    enr.apply(w.child_a, w.parent_a)
    page = login_as(w.parent_a).get("/enrollment/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "课后服务" in page and "已提交" in page and "等待班主任审核" in page


def test_system_reasons_are_shown_in_the_readers_language(enr, login_as):
    """Why a seat was given or ended is written by the allocation; each reader sees it in their own
    language, whatever language the office worked in. Rows written before the reasons were stored
    untranslated hold the office's language: they are shown in the reader's too."""
    from django.utils import translation

    w = enr.world
    app = enr.approve(enr.apply(w.child_a, w.parent_a))
    with translation.override("zh-hans"):  # the office works in Chinese
        services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    placement = Placement.objects.get(application=app)
    parent, office = login_as(w.parent_a), login_as(enr.moral)

    history = parent.get(f"/enrollment/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert " · allocation</li>" in history and "名额分配" not in history
    group_page = office.get(f"/enrollment/groups/{enr.group.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<small class="text-muted">allocation</small>' in group_page
    group_page = office.get(f"/enrollment/groups/{enr.group.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<small class="text-muted">名额分配</small>' in group_page

    Placement.objects.filter(pk=placement.pk).update(reason="名额分配")  # written by an earlier version
    group_page = office.get(f"/enrollment/groups/{enr.group.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<small class="text-muted">allocation</small>' in group_page and "名额分配" not in group_page

    # A person's own words are shown as written, in any language.
    with translation.override("en"):
        services.application_withdraw(application=app, by=w.parent_a, reason="搬家了")
    history = parent.get(f"/enrollment/applications/{app.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert " · 搬家了</li>" in history
    placement.refresh_from_db()
    with translation.override("zh-hans"):
        assert placement.end_reason == "withdrawn" and placement.end_reason_text == "已退出"


def test_the_apply_form_is_rendered_once_per_language_and_shows_errors_each_time(enr, login_as):
    """The unbound form is the same for everyone: its HTML is kept per language; a form sent back
    with errors is rendered with the parent's choices and the errors."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
    from django.utils import translation

    from enrollment.forms import ApplicationForm

    w = enr.world
    services.letter_acknowledge(letter=enr.letter_a, guardian=w.parent_a)
    client = login_as(w.parent_a)
    url = f"/enrollment/apply/{w.child_a.pk}/"
    for language, label in (("zh-hans", "离校方式"), ("en", "Going home"), ("zh-hans", "离校方式")):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        with translation.override(language):
            assert str(as_crispy_form(ApplicationForm())) in page
        assert label in page
    page = client.post(url, {"sessions": ["after_school"], "weekdays": ["9"], "pickup_plan": "guardian"},
                       HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<input[^>]*value="after_school"[^>]*checked', page)  # the parent's choice kept
    assert "is-invalid" in page  # the weekday error, on the form the parent sent
    assert not Application.objects.exists()
