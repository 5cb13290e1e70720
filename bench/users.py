"""Who the benchmark acts as, picked the same way in the demo city and the generated city, and
signed-in sessions for them made directly in the session store (no password hashing per user)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db.models import Exists, OuterRef
from django.utils.module_loading import import_string

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from enrollment.models import Application, LetterAcknowledgement, ParentLetter
from schools.models import Guardianship, HomeroomClass, Student, Term


def current_term() -> Term:
    return Term.current()


def rush_school_ids() -> set[int]:
    """Schools an earlier enrollment rush (bench.rush, terms named "Rush ...") wrote to: nobody is
    picked there, so that a rerun measures the same pages as the first run."""
    return set(Application.objects.filter(term__name__startswith="Rush ").values_list("school_id", flat=True)
               .distinct())


def pick_parents(n: int) -> list[tuple[User, Student]]:
    """Guardians of enrolled children with no open application this term, at schools with a letter:
    their home page and the apply page show the letter and the form."""
    term = current_term()
    open_app = Application.objects.filter(student=OuterRef("student"), term=term,
                                          status__in=Application.OPEN_STATUSES)
    letter = ParentLetter.objects.filter(school=OuterRef("student__school"), term=term)
    links = (Guardianship.objects.filter(active=True, student__status=Student.Status.ENROLLED)
             .exclude(student__school_id__in=rush_school_ids())
             .filter(~Exists(open_app), Exists(letter))
             .select_related("guardian", "student__school").order_by("student__school__code", "student_id", "pk"))
    out, seen = [], set()
    for g in links[: n * 3]:
        if g.guardian_id in seen:
            continue
        seen.add(g.guardian_id)
        # The apply form shows once the current letter is acknowledged (else it redirects to it).
        letter = ParentLetter.objects.current_for(school=g.student.school, term=term)
        LetterAcknowledgement.objects.get_or_create(letter=letter, guardian=g.guardian)
        out.append((g.guardian, g.student))
        if len(out) == n:
            break
    return out


def pick_homerooms(n: int) -> list[User]:
    """Homeroom teachers of classes with applications waiting for review, busiest classes first."""
    term = current_term()
    classes = (HomeroomClass.objects.filter(homeroom_teacher__isnull=False, active=True)
               .exclude(school_id__in=rush_school_ids())
               .filter(Exists(Application.objects.filter(student__homeroom_class=OuterRef("pk"), term=term,
                                                         status=Application.Status.SUBMITTED)))
               .select_related("homeroom_teacher").order_by("school__code", "pk"))
    out = []
    for c in classes[:n]:
        if c.homeroom_teacher not in out:
            out.append(c.homeroom_teacher)
    return out


def pick_role(role: str, n: int) -> list[User]:
    ids = (RoleAssignment.objects.filter(role=role, active=True, user__is_active=True)
           .exclude(school_id__in=rush_school_ids())
           .order_by("pk").values_list("user_id", flat=True))
    users = list(User.objects.filter(pk__in=list(ids[: n * 2])).order_by("pk")[:n])
    return users


def session_cookie(user: User) -> str:
    """A session key for `user`, as `django.contrib.auth.login` would have stored it."""
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def session_cookies(user_ids) -> dict[int, str]:
    """{user id: session key} for many users at once (bulk insert into the session table), as
    `session_cookie` would store them one by one."""
    from django.contrib.sessions.backends.db import SessionStore as DbStore

    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    users = User.objects.in_bulk(list(user_ids))
    if not issubclass(engine, DbStore):
        return {pk: session_cookie(u) for pk, u in users.items()}
    from django.utils import timezone

    model = engine.get_model_class()
    expire = timezone.now() + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    out, rows = {}, []
    for pk, user in users.items():
        store = engine()
        key = store._get_new_session_key()
        data = {SESSION_KEY: str(pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash()}
        rows.append(model(session_key=key, session_data=store.encode(data), expire_date=expire))
        out[pk] = key
    model.objects.bulk_create(rows, batch_size=2000)
    return out


def new_csrf() -> str:
    """A CSRF secret, as the csrftoken cookie holds it; sent back in X-CSRFToken or the form field."""
    from django.middleware.csrf import _get_new_csrf_string

    return _get_new_csrf_string()


def actors(n: int) -> dict:
    """{"parent": [(user, student)], "homeroom": [...], "bureau": [...], "principal": [...],
    "roll_teacher": [(teacher, roll)], "duty_leader": [(leader, school id, date)]}: the last two
    are one person, given `n` times so that each concurrent client has its own session."""
    from .fixtures import big_roll, console_day

    roll = big_roll()
    day = console_day()
    return {
        "parent": pick_parents(n),
        "homeroom": pick_homerooms(n),
        "bureau": pick_role(Role.BUREAU, n),
        "principal": pick_role(Role.PRINCIPAL, n),
        "roll_teacher": [roll] * n if roll else [],
        "duty_leader": [day] * n if day else [],
    }
