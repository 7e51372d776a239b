"""The notification inbox in the account, its e-mail preferences, and the unread count for every page."""

from functools import cache

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import login_notices, notifications
from .models import Notification, NotificationPreference

PAGE_SIZE = 25


def unread_notifications(request):
    """Context processor: `unread_notifications`, the requester's unread count, queried once and only if used."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count():
        return Notification.objects.visible_to(user).unread().count()

    return {"unread_notifications": count}


def _is_local_path(url):
    # Only paths on this site: "/account/cases/…", never "//host" or "https://elsewhere".
    return (
        bool(url)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


@login_required
def inbox(request):
    queryset = Notification.objects.visible_to(request.user)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    unread = queryset.unread().count()
    return render(request, "account/notifications.html", {"page": page, "unread_count": unread})


@login_required
def open_notification(request, pk):
    """Mark one notification read and follow its link (if it points into this site)."""
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notifications.mark_read(request.user, [notification.pk])
    if _is_local_path(notification.url):
        return redirect(notification.url)
    return redirect("useraccount:notifications")


@login_required
@require_POST
def mark_all_read(request):
    count = notifications.mark_read(request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("useraccount:notifications")


class NotificationSettingsForm(forms.Form):
    """Which kinds of notification also arrive by e-mail (the inbox always receives all)."""

    email = forms.MultipleChoiceField(
        label=gettext_lazy("Also send by e-mail"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Every notification appears in your inbox; tick what should also reach you by e-mail."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].choices = [(kind, label) for kind, label in notifications.KINDS.items()]


def _email_kinds(user):
    opted_out = set(NotificationPreference.objects.filter(user=user, email=False).values_list("kind", flat=True))
    # Login notices follow the account's own switch (login_notices.py), whatever a stored preference says.
    opted_out.discard(login_notices.KIND)
    if not user.login_notifications:
        opted_out.add(login_notices.KIND)
    return [kind for kind in notifications.KINDS if kind not in opted_out]


@login_required
def notification_settings(request):
    data = request.POST if request.method == "POST" else None
    form = NotificationSettingsForm(data, initial={"email": _email_kinds(request.user)})
    if request.method == "POST" and form.is_valid():
        notifications.set_preferences(request.user, form.cleaned_data["email"])
        request.user.login_notifications = login_notices.KIND in form.cleaned_data["email"]
        request.user.save(update_fields=["login_notifications"])
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("useraccount:notification_settings")
    return render(request, "account/notification_settings.html", {"form": form})
