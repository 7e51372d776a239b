"""The overview and the dashboard with the summaries the features really register (no examples in their place)."""

import pytest

from schools import summaries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["parent", "informed_parent", "teacher", "subject_teacher", "child", "stranger"])
def test_overview_and_dashboard_render_with_every_registered_summary(client, school_world, role):
    assert summaries._child, "the features register their child summaries when the app is ready"
    client.force_login(school_world[role])
    for url in ("/en/account/school/", "/en/account/"):
        assert client.get(url).status_code == 200, url
