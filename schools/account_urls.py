"""The school in the account (/account/school/…): one overview, then each feature's pages.

Every feature's URL names live in the `school` namespace, prefixed with the feature (plans_, meetings_ …).
"""

from django.urls import include, path

from . import (
    absence_urls,
    course_urls,
    grade_urls,
    hub_urls,
    lunch_urls,
    meeting_urls,
    weekly_plan_urls,
)

app_name = "school"

urlpatterns = [
    path("", include(hub_urls.urlpatterns)),
    path("plans/", include(weekly_plan_urls.urlpatterns)),
    path("meetings/", include(meeting_urls.urlpatterns)),
    path("grades/", include(grade_urls.urlpatterns)),
    path("absences/", include(absence_urls.urlpatterns)),
    path("courses/", include(course_urls.urlpatterns)),
    path("lunch/", include(lunch_urls.urlpatterns)),
]
