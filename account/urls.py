"""URLs of the account under /account/."""

from django.urls import path

from . import activation_views, notification_views, privacy_views, views

app_name = "useraccount"

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("profile/", views.profile, name="profile"),
    path("context/", views.switch_context, name="switch_context"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/invite/", views.invite_member, name="invite_member"),
    path("organisations/<int:pk>/leave/", views.leave_organisation, name="leave_organisation"),
    path(
        "organisations/<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("organisations/<int:pk>/members/<int:membership_pk>/remove/", views.remove_member, name="remove_member"),
    path("organisations/<int:pk>/members/<int:membership_pk>/role/", views.change_role, name="change_role"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("notifications/", notification_views.inbox, name="notifications"),
    path("notifications/read/", notification_views.mark_all_read, name="notifications_read"),
    path("notifications/settings/", notification_views.notification_settings, name="notification_settings"),
    path("notifications/<int:pk>/", notification_views.open_notification, name="notification_open"),
    path("verification/", activation_views.verification, name="verification"),
    path("verification/letter/", activation_views.request_letter, name="verification_request"),
    path("verification/code/", activation_views.confirm_code, name="verification_code"),
    path("privacy/", privacy_views.privacy_page, name="privacy"),
    path("privacy/export/", privacy_views.request_export, name="privacy_export"),
    path("privacy/exports/<uuid:token>/", privacy_views.export_status, name="privacy_status"),
    path("privacy/exports/<uuid:token>/download/", privacy_views.download_export, name="privacy_download"),
    path("privacy/delete/", privacy_views.delete_account, name="privacy_delete"),
]
