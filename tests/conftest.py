"""Fixtures every test may use. Start with `world`: the role matrix of STYLE.md."""
import os
import shutil
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.roles import Role

from .factories import (
    PASSWORD,
    DistrictFactory,
    GuardianshipFactory,
    HomeroomClassFactory,
    SchoolFactory,
    StudentFactory,
    TermFactory,
    UserFactory,
    give_role,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: ids are reused from one test database to the next, and a
    child's cached day (attendance/today.py) must not be another test's child of the same id."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def _world_copy(request, django_db_blocker):
    """Under a run clock on SQLite (the date matrix), a test asking for `world` gets a copy of the
    world built once per worker and minute, restored before its transaction starts; the other tests
    get the database as built (tests/worldcopy.py). Nothing happens otherwise."""
    from . import worldcopy

    yield from worldcopy.around_test(request, django_db_blocker, build_world)


def _patch_flush():
    """A transactional test's flush, on SQLite with a run clock: the database as built restored
    instead (tests/worldcopy.py, `flush_or_restore`)."""
    from django.test import TransactionTestCase

    from . import worldcopy

    flush = TransactionTestCase._fixture_teardown
    TransactionTestCase._fixture_teardown = lambda self: worldcopy.flush_or_restore(self, flush)


_patch_flush()


@pytest.fixture(scope="module", autouse=True)
def _world_released(django_db_blocker):
    """On PostgreSQL the world is kept in a transaction between the tests of a module
    (tests/worldcopy.py): rolled back when the module ends, before the next module's own fixtures."""
    from . import worldcopy

    yield
    with django_db_blocker.unblock():
        worldcopy.release()


@pytest.fixture(autouse=True)
def _django_db_marker(_world_copy, _django_db_marker):
    """pytest-django's own (it starts the test's transaction for a test marked `django_db`), after
    `_world_copy`: a copy is restored before any transaction starts. Autouse, so it is set up before
    the fixtures a test names (`db`, `world`)."""


@pytest.fixture
def world(db):
    """The role matrix: two schools in two districts and one person per role.

    - school_a (district_a): class_a with child_a (guardian parent_a) and child_a2 (guardian other_parent)
    - school_b (district_b): class_b with child_b (guardian parent_b)
    - homeroom: homeroom teacher of class_a; teacher_b: a teacher of school_b
    - principal: principal of school_a; district: staff of district_a; bureau: the city

    Built with the factories; under the date matrix, a copy of the world the factories built at this
    minute (tests/worldcopy.py)."""
    from . import worldcopy

    return worldcopy.current() or build_world()


def build_world() -> SimpleNamespace:
    """The role matrix `world`, made with the factories."""
    term = TermFactory()
    district_a, district_b = DistrictFactory(name="桥东学区"), DistrictFactory(name="桥西学区")
    school_a = SchoolFactory(name="沙河市实验小学", district=district_a)
    school_b = SchoolFactory(name="桥西中心小学", district=district_b)
    homeroom = UserFactory(username="homeroom", name="王老师")
    class_a = HomeroomClassFactory(school=school_a, homeroom_teacher=homeroom)
    class_b = HomeroomClassFactory(school=school_b)
    child_a = StudentFactory(homeroom_class=class_a, name="张小明")
    child_a2 = StudentFactory(homeroom_class=class_a, name="李小红")
    child_b = StudentFactory(homeroom_class=class_b, name="赵小刚")
    parent_a = UserFactory(username="parent_a", name="张家长", phone="13800000001")
    other_parent = UserFactory(username="other_parent", name="李家长", phone="13800000002")
    parent_b = UserFactory(username="parent_b", name="赵家长", phone="13800000003")
    for parent, child in ((parent_a, child_a), (other_parent, child_a2), (parent_b, child_b)):
        GuardianshipFactory(guardian=parent, student=child)
        give_role(parent, Role.PARENT)
    give_role(homeroom, Role.HOMEROOM, school=school_a)
    give_role(homeroom, Role.TEACHER, school=school_a)
    teacher_b = UserFactory(username="teacher_b", name="孙老师")
    give_role(teacher_b, Role.TEACHER, school=school_b)
    principal = UserFactory(username="principal", name="周校长")
    give_role(principal, Role.PRINCIPAL, school=school_a)
    district = UserFactory(username="district", name="马主任")
    give_role(district, Role.DISTRICT, district=district_a)
    bureau = UserFactory(username="bureau", name="刘科长")
    give_role(bureau, Role.BUREAU)
    return SimpleNamespace(
        term=term, district_a=district_a, district_b=district_b, school_a=school_a, school_b=school_b,
        class_a=class_a, class_b=class_b, child_a=child_a, child_a2=child_a2, child_b=child_b,
        parent_a=parent_a, other_parent=other_parent, parent_b=parent_b, homeroom=homeroom,
        teacher_b=teacher_b, principal=principal, district=district, bureau=bureau,
    )


#: The role names of the matrix, for parametrised tests.
MATRIX_ROLES = ["parent_a", "other_parent", "homeroom", "teacher_b", "principal", "district", "bureau"]
#: The school-wide offices of school_a that `add_offices` adds to the world: the moral-education office,
#: the teaching-affairs office, the duty leader rostered today and a duty leader not on today's rota.
OFFICE_ROLES = ["moral_a", "academic_a", "duty_a", "duty_off_a"]


def add_offices(world):
    """Extends the role matrix `world` with school_a's offices (OFFICE_ROLES): moral_a (德育处),
    academic_a (教务处), duty_a (带班领导, on today's rota) and duty_off_a (带班领导 rostered
    tomorrow, not today). Safe to call twice. Usernames are `office_*` so that an app's own
    fixtures (which name theirs `moral_a`, `academic`, `duty`...) never collide."""
    if hasattr(world, "moral_a"):
        return world
    import datetime

    from django.utils import timezone

    from attendance.models import DutyRota

    people = {
        "moral_a": ("office_moral_a", "德育处 郑主任", Role.MORAL_ED),
        "academic_a": ("office_academic_a", "教务处 冯主任", Role.ACADEMIC),
        "duty_a": ("office_duty_a", "带班 韩校长", Role.DUTY_LEADER),
        "duty_off_a": ("office_duty_off_a", "带班 曹主任", Role.DUTY_LEADER),
    }
    for attr, (username, name, role) in people.items():
        user = UserFactory(username=username, name=name)
        give_role(user, role, school=world.school_a)
        setattr(world, attr, user)
    today = timezone.localdate()
    DutyRota.objects.get_or_create(school=world.school_a, date=today, defaults={"leader": world.duty_a})
    DutyRota.objects.get_or_create(school=world.school_a, date=today + datetime.timedelta(days=1),
                                   defaults={"leader": world.duty_off_a})
    return world


#: Every role of the matrix: MATRIX_ROLES and school_a's offices, for parametrised tests.
ALL_MATRIX_ROLES = [*MATRIX_ROLES, *OFFICE_ROLES]


def matrix_user(world, role: str):
    """The world's user of a matrix role; school_a's offices are added on first use (`add_offices`)."""
    if role in OFFICE_ROLES:
        add_offices(world)
    return getattr(world, role)


@pytest.fixture
def world_offices(world):
    """The role matrix with school_a's offices added (`add_offices`)."""
    return add_offices(world)


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` signs it in with a token, as a tablet would."""
    client = APIClient()

    def as_user(user):
        from rest_framework.authtoken.models import Token

        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    client.as_user = as_user
    return client


@pytest.fixture
def login(client):
    """`login(user)` signs the Django test client in through the real login page."""

    def do(user):
        response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content[:500]
        return client

    return do


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        if REQUIRE_SERVICES:
            pytest.fail("this test needs PostgreSQL (DATABASE_URL) and REQUIRE_SERVICES=1 is set")
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    if item.get_closest_marker("browser") and not shutil.which("chromium"):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("browser tests need Debian's chromium and REQUIRE_BROWSER=1 is set")
        pytest.skip("needs Debian's chromium (apt-get install chromium fonts-noto-cjk)")
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        if REQUIRE_SERVICES:
            pytest.fail("this test needs Redis (REDIS_URL) and REQUIRE_SERVICES=1 is set")
        pytest.skip("needs Redis: set REDIS_URL=redis://...")


def pytest_sessionfinish(session, exitstatus):
    """In CI (REQUIRE_SERVICES=1) a skipped test is a failure: nothing may quietly not run."""
    if not REQUIRE_SERVICES:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"REQUIRE_SERVICES=1 but {len(skipped)} tests were skipped", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the portal's default language (Chinese) and leaves none behind: the test
    client's requests activate the language of their cookie or header in this thread and nothing
    deactivates it, so a test could otherwise read the language an earlier test left."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def load_clubs_catalogue():
    """What clubs/migrations/0002_catalogue.py loads (idempotent): for a database built from the
    models, and again after a transactional test's flush emptied it."""
    import importlib

    from django.apps import apps

    importlib.import_module("clubs.migrations.0002_catalogue").load(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with what the data migrations load (the clubs catalogue,
    clubs/migrations/0002_catalogue.py) also when it is built from the models (`--nomigrations`, as
    .ci/run's PostgreSQL runs do: 20 s and more less per database than applying the 63
    migrations). On SQLite a copy of it is kept, into which `demo_seeded` seeds the demo
    (tests/demodb.py)."""
    from django.db import connection

    from . import demodb

    with django_db_blocker.unblock():
        load_clubs_catalogue()
        if connection.vendor == "sqlite":
            demodb.keep_migrated(connection)


@pytest.fixture(scope="module")
def demo_seeded(request, django_db_setup, django_db_blocker, _shahe_run_clock):
    """The demo (`manage.py seed_demo`) seeded once for all the tests of a module that ask for it.

    Seeding takes seconds, and the date matrix runs each test under nine clocks: a module whose tests
    all read the demo gets it seeded once, and the database it started with back after its last
    test. Each test runs inside it in a savepoint (pytest-django's `db`), so what one test changes the
    next does not see. Use it only in a module where every test asks for it (another test of the
    module would see the demo's rows). Under the date matrix it is seeded at each instant
    (`_shahe_run_clock`, tests/clockplugin.py), at that instant.

    On SQLite with a run clock a worker seeds the demo once per instant, into the database as
    migrated, and restores a copy of it for the next module at that instant (tests/demodb.py);
    otherwise it is seeded in a transaction of its own, rolled back after the module."""
    from django.db import connection

    from . import demodb, worldcopy

    instant = _shahe_run_clock or getattr(request.config, "_shahe_clock", None)
    with django_db_blocker.unblock():
        if connection.vendor == "sqlite" and instant is not None:
            shared = None
            if hasattr(request.config, "workerinput"):  # a pytest-xdist worker: the workers share the demo
                shared = request.getfixturevalue("tmp_path_factory").getbasetemp().parent
            yield from demodb.seeded_from_copy(str(instant), shared)
        else:
            worldcopy.release()  # never seeded inside a kept world (PostgreSQL)
            yield from demodb.seeded_in_transaction()
