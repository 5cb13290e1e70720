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
    from rest_framework.authtoken.models import Token

    from schools.models import Student

    assignments = request.user.role_assignments.active().select_related("school", "district")
    scope = scope_of(request.user)
    # Developer features (API tokens) only for staff who use the API; a guardian's own children's
    # data download instead.
    uses_api = scope.is_staff_member and Token.objects.filter(user=request.user).exists()
    children = list(Student.objects.filter(guardianships__guardian=request.user, guardianships__active=True)
                    .order_by("name_pinyin", "pk"))
    return render(request, "accounts/profile.html", {"assignments": assignments, "uses_api": uses_api,
                                                     "children": children})


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


def phone_sign_in(request: HttpRequest) -> HttpResponse:
    """手机验证码登录: "send" asks for a code (the same answer whether or not the number has an
    account), "sign_in" checks it. The limits and the budget are accounts.services.phone_code_*'s."""
    from django.contrib.auth import login as auth_login
    from django.utils.http import url_has_allowed_host_and_scheme

    from shahe_afterschool.errors import DomainError

    from .forms import PhoneSignInForm

    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = PhoneSignInForm(request.POST or None)
    status, sent = 200, False
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            if request.POST.get("action") == "sign_in":
                user = services.phone_code_check(request=request, phone=phone, code=form.cleaned_data["code"])
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect(next_url or "home")
            services.phone_code_request(request=request, phone=phone)
            sent = True
        except DomainError as exc:
            sent = request.POST.get("action") == "sign_in" and exc.field == "code"
            form.add_error(exc.field if exc.field in {"phone", "code"} else None, str(exc.message))
            status = exc.status_code
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/login_phone.html", {"form": form, "sent": sent, "next": next_url},
                  status=status)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; signed in, it also keeps the choice as the user's language, in which
    their notices are written."""
    from django.views.i18n import set_language as django_set_language

    response = django_set_language(request)
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response


@login_required
def contact(request: HttpRequest) -> HttpResponse:
    """My phone number (changed with a code sent to the new number) and e-mail address."""
    from shahe_afterschool.errors import DomainError

    from .forms import ContactForm
    from .models import PhoneCode

    user = request.user
    form = ContactForm(request.POST or None, initial={"email": user.email})
    status, sent = 200, False
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action")
        data = form.cleaned_data
        try:
            if action == "send_code":
                services.phone_code_request(request=request, phone=data["phone"], purpose=PhoneCode.Purpose.VERIFY,
                                            user=user)
                sent = True
            elif action == "confirm_phone":
                sent = True
                services.user_phone_change(request=request, user=user, phone=data["phone"], code=data["code"])
                messages.success(request, _("Your phone number is changed."))
                return redirect("accounts:profile")
            else:
                services.user_email_set(request=request, user=user, email=data["email"])
                messages.success(request, _("Your e-mail address is saved."))
                return redirect("accounts:profile")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status_code
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/contact.html", {"form": form, "sent": sent}, status=status)


WECHAT_STATE = "wechat_bind_state"


@login_required
def wechat_bind(request: HttpRequest) -> HttpResponse:
    """Bind my WeChat (opened inside WeChat): off to WeChat's OAuth page, which comes back to the
    callback with a code. Without a configured official account the page says so."""
    from django.urls import reverse
    from django.utils.crypto import get_random_string

    from notices import wechat

    if not wechat.configured():
        return render(request, "accounts/wechat_bind.html", {"unavailable": True})
    state = get_random_string(24)
    request.session[WECHAT_STATE] = state
    callback = f"{settings.SITE_URL.rstrip('/')}{reverse('accounts:wechat_callback')}"
    return redirect(wechat.provider().authorize_url(redirect_uri=callback, state=state))


@login_required
def wechat_callback(request: HttpRequest) -> HttpResponse:
    """WeChat's answer: `code` (exchanged for the openid) and our `state`."""
    from django.utils.crypto import constant_time_compare

    from notices import wechat
    from notices.providers import ProviderError
    from shahe_afterschool.errors import DomainError

    expected = request.session.pop(WECHAT_STATE, "")
    state, code = request.GET.get("state", ""), request.GET.get("code", "")
    if not wechat.configured() or not expected or not constant_time_compare(state, expected) or not code:
        return render(request, "accounts/wechat_bind.html",
                      {"error": _("The WeChat sign-in did not come back as expected. Start again from your "
                                  "profile.")}, status=400)
    try:
        openid = wechat.provider().openid_for_code(code[:128])
        services.user_wechat_bind(request=request, user=request.user, openid=openid)
    except (ProviderError, DomainError) as exc:
        message = getattr(exc, "message", None) or _("WeChat refused the request (%(code)s). Start again from "
                                                     "your profile.") % {"code": getattr(exc, "code", "")}
        return render(request, "accounts/wechat_bind.html", {"error": message}, status=400)
    messages.success(request, _("Your WeChat is bound: urgent notices now reach you there too."))
    return redirect("accounts:profile")


@login_required
@require_POST
def wechat_unbind(request: HttpRequest) -> HttpResponse:
    services.user_wechat_unbind(request=request, user=request.user)
    messages.success(request, _("Your WeChat is unbound."))
    return redirect("accounts:profile")
