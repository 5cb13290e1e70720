from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import LoginForm
from .home import home_url_for
from .scoping import scope_of


class LoginView(auth_views.LoginView):
    """Sign-in. Django rotates the session id on login (cycle_key), so a fixed session is useless."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    url = home_url_for(scope_of(request.user))
    if url:
        return redirect(url)
    return render(request, "accounts/no_role.html")


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

