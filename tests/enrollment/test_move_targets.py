"""Issue 21: the group page's "调至" list offered 一二年级课后服务组 for third-graders. It now offers
the groups the child fits (grade, days, a free seat) first and shows the others disabled with why."""
import re

import pytest

from enrollment import services
from enrollment.models import Placement

from .factories import ServiceGroupFactory


@pytest.mark.django_db
def test_the_move_list_offers_the_groups_the_child_fits_and_disables_the_others(enr, login_as):
    w = enr.world  # class_a is a third-grade class (the factories' grade 3)
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    assert Placement.objects.get(application=app, active=True).group == enr.group
    lower = ServiceGroupFactory(school=w.school_a, term=w.term, name="一二年级课后服务组", grade_from=1, grade_to=2)
    fits = ServiceGroupFactory(school=w.school_a, term=w.term, name="三四年级课后服务组", grade_from=3, grade_to=4,
                               capacity=5)
    two_days = ServiceGroupFactory(school=w.school_a, term=w.term, name="周一周二组", weekdays=[1, 2])
    full = ServiceGroupFactory(school=w.school_a, term=w.term, name="满员组", grade_from=3, grade_to=3, capacity=1)
    other_app = enr.apply(w.child_a2, w.other_parent)
    enr.approve(other_app)
    Placement.objects.create(application=other_app, group=full, reason="allocation")

    page = login_as(enr.moral).get(f"/enrollment/groups/{enr.group.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    select = re.search(r'<select[^>]*data-testid="move-target".*?</select>', html, re.S).group(0)
    fitting, others = select.split("<optgroup")[1:3]
    assert "适合该生" in fitting and f'value="{fits.pk}"' in fitting and "余 5 个名额" in fitting
    for group, why in ((lower, "年级不符"), (two_days, "服务日不符"), (full, "已满")):
        assert f'value="{group.pk}"' not in fitting
        assert re.search(rf'value="{group.pk}" disabled>{group.name} · {why}<', others)
    assert select.index(f'value="{fits.pk}"') < select.index(f'value="{lower.pk}"')


@pytest.mark.django_db
def test_no_fitting_group_says_so_instead_of_a_list(enr, login_as):
    w = enr.world
    app = enr.apply(w.child_a, w.parent_a)
    enr.approve(app)
    services.allocation_run(school=w.school_a, term=w.term, by=enr.moral)
    ServiceGroupFactory(school=w.school_a, term=w.term, name="一二年级课后服务组", grade_from=1, grade_to=2)
    html = login_as(enr.moral).get(f"/enrollment/groups/{enr.group.pk}/").content.decode()
    assert 'data-testid="no-move-target"' in html and 'data-testid="move-target"' not in html
