from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services, throttle
from .forms import LoginForm
from .home import home_url_for
from .scoping import scope_of


class LoginView(auth_views.LoginView):
    """Sign-in. Django rotates the session id on login (cycle_key), so a fixed session is useless.
    Failed sign-ins lock through django-axes (settings: AXES_*); on top of that one address may send
    at most LOGIN_RATE_LIMIT attempts, right or wrong, a minute (accounts.throttle)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not throttle.attempt("login", request, limit=settings.LOGIN_RATE_LIMIT, window=settings.LOGIN_RATE_WINDOW):
            # The form is not checked (no password is tried): a fresh one, with the username kept.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")[:150]})
            refused = _("Too many sign-in attempts from this network. Wait a minute and try again.")
            return self.render_to_response(self.get_context_data(form=form, refused=refused), status=429)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """Sign-out; with `revoke_tokens` also deletes the account's API tokens (every tablet and app that
    signed in with them must sign in again)."""

    def post(self, request, *args, **kwargs):
        count = None
        if request.POST.get("revoke_tokens") and request.user.is_authenticated:
            count = services.token_revoke(user=request.user)
        response = super().post(request, *args, **kwargs)
        if count is not None:
            messages.success(request, _("Signed out. API tokens revoked: %(count)d.") % {"count": count})
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    url = home_url_for(scope_of(request.user))
    if url:
        return redirect(url)
    return render(request, "accounts/no_role.html")


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The landing page of staff: a section per role, each item a count and one link (accounts.workbench).
    Anyone without a staff role of the workbench is sent to their own home page."""
    from .workbench import figures_for, has_workbench, nav_badges

    scope = scope_of(request.user)
    if not has_workbench(scope):
        return redirect("home")
    sections = figures_for(request.user)
    request.nav_badges = nav_badges(request.user)  # the header's badges, from the same figures
    return render(request, "accounts/workbench.html", {"sections": sections})


@login_required
def workbench_counts(request: HttpRequest) -> HttpResponse:
    """The navigation badges as JSON, fetched once per page by static/js/app.js: the pages themselves
    run no query for them. `{"badges": {url name: {"count": n, "tone": "danger"|...}}}`."""
    from django.http import JsonResponse

    from .workbench import nav_badges

    response = JsonResponse({"badges": nav_badges(request.user)})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def revoke_tokens(request: HttpRequest) -> HttpResponse:
    count = services.token_revoke(user=request.user)
    messages.success(request, _("API tokens revoked: %(count)d.") % {"count": count})
    return redirect("accounts:profile")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    assignments = request.user.role_assignments.active().select_related("school", "district")
    return render(request, "accounts/profile.html", {"assignments": assignments})


def join(request: HttpRequest) -> HttpResponse:
    """A guardian (or new member of staff) sets a password with the one-time code from their letter.
    Wrong codes are counted per address and per signed-in user; after too many, the form refuses
    every attempt for a while, so codes cannot be guessed."""
    from django.contrib.auth import login as auth_login
    from django.core.exceptions import ValidationError

    from shahe_afterschool.errors import DomainError

    from .forms import JoinForm
    from .models import AuditEvent

    form = JoinForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if throttle.is_blocked("invitation", request):
            services.audit_record(request=request, action=AuditEvent.Action.LOCKED_OUT, object_type="invitation")
            form.add_error(None, _("Too many wrong codes. Wait 15 minutes and try again, or ask the school."))
            return render(request, "accounts/join.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                user = services.invitation_redeem(code=form.cleaned_data["code"],
                                                  password=form.cleaned_data["password1"])
            except DomainError as exc:
                if exc.field == "code":
                    throttle.record_failure("invitation", request)
                    services.audit_record(request=request, action=AuditEvent.Action.LOGIN_FAILED,
                                          object_type="invitation", detail="wrong or spent invitation code")
                form.add_error("code" if exc.field == "code" else None, str(exc.message))
            except ValidationError as exc:
                form.add_error("password1", exc)
            else:
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Welcome! Your username is %(username)s; sign in with it next time.")
                                 % {"username": user.username})
                return redirect("home")
        status = 400
    return render(request, "accounts/join.html", {"form": form}, status=status)


@login_required
def link_child(request: HttpRequest) -> HttpResponse:
    """A guardian whose account belongs to one school links a child at another school with the link
    code from that school's letter. Only the account the code was made for can use it; wrong codes
    are counted like invitation codes."""
    from shahe_afterschool.errors import DomainError

    from . import throttle
    from .forms import LinkChildForm
    from .models import AuditEvent

    form = LinkChildForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if throttle.is_blocked("invitation", request):
            services.audit_record(request=request, action=AuditEvent.Action.LOCKED_OUT, object_type="invitation")
            form.add_error(None, _("Too many wrong codes. Wait 15 minutes and try again, or ask the school."))
            return render(request, "accounts/link_child.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                link = services.link_code_redeem(user=request.user, code=form.cleaned_data["code"])
            except DomainError as exc:
                throttle.record_failure("invitation", request)
                services.audit_record(request=request, action=AuditEvent.Action.LOGIN_FAILED,
                                      object_type="invitation", detail="wrong or spent link code")
                form.add_error("code", str(exc.message))
            else:
                messages.success(request, _("%(student)s is now linked to your account.")
                                 % {"student": link.student.name})
                return redirect("home")
        status = 400
    return render(request, "accounts/link_child.html", {"form": form}, status=status)
