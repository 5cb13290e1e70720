from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.scoping import get_for_user

from . import services
from .models import Notification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notices = Notification.objects.visible_to(request.user)
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "notices/inbox.html", {"page": page})


@login_required
@require_POST
def open_notice(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_for_user(Notification.objects, request.user, pk)
    services.notification_mark_read(notification=notice)
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts={request.get_host()}):
        return redirect(notice.link)
    return redirect("notices:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    return redirect("notices:inbox")


@login_required
def short_link(request: HttpRequest, pk: int) -> HttpResponse:
    """The address a text message or WeChat message carries: the notice's own page (its link), for its
    recipient only (anyone else: 404). Reading it does not mark it read: that is the inbox's button."""
    notice = get_for_user(Notification.objects, request.user, pk)
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts={request.get_host()}):
        return redirect(notice.link)
    return redirect("notices:inbox")


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """The messages that no provider sent (development and demo): the system administrator only."""
    from django.http import Http404

    from accounts.scoping import scope_of

    from .selectors import outbox_messages

    if not scope_of(request.user).is_admin:
        raise Http404
    to = (request.GET.get("to") or "").strip()[:64]
    page = Paginator(outbox_messages(to=to), 50).get_page(request.GET.get("page"))
    return render(request, "notices/outbox.html", {"page": page, "to": to})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """How notices reach me: urgent ones always by text message (and WeChat when bound); ordinary ones
    by WeChat, by text message only when asked; quiet hours 21:00-07:00 hold ordinary ones."""
    from django.contrib import messages
    from django.utils.translation import gettext as _

    from .forms import PreferencesForm

    user = request.user
    form = PreferencesForm(request.POST or None, initial={"ordinary_wechat": user.notify_ordinary_wechat,
                                                          "ordinary_sms": user.notify_ordinary_sms})
    if request.method == "POST" and form.is_valid():
        services.preferences_update(user=user, ordinary_wechat=form.cleaned_data["ordinary_wechat"],
                                    ordinary_sms=form.cleaned_data["ordinary_sms"])
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notices:preferences")
    return render(request, "notices/preferences.html", {"form": form})
