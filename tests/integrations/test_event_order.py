"""Event ids become visible in ascending order, so a feed reader that follows its cursor misses nothing."""

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from integrations import events, feed
from integrations.models import Event


@pytest.mark.django_db(transaction=True)
def test_a_reader_following_the_cursor_sees_every_event_of_concurrent_writers(make_application, service_page):
    if connection.vendor != "postgresql":
        pytest.skip("commit order is tested on PostgreSQL (set DATABASE_URL); SQLite serialises writers anyway")
    application, _token = make_application(services=[service_page])
    writers, per_writer = 10, 8
    seen, errors = [], []
    done = threading.Event()

    def write(number):
        try:
            for index in range(per_writer):
                with transaction.atomic():
                    events.emit(
                        "case.submitted",
                        record_type="cases",
                        subject_id=f"{number}-{index}",
                        service_id=service_page.pk,
                    )
                    # Hold the transaction open a little after the insert: without the ordering lock a
                    # later id would commit first and the reader would step over the earlier one.
                    time.sleep(random.uniform(0, 0.01))  # noqa: S311 — timing jitter, not security
        except Exception as error:  # noqa: BLE001 — asserted below
            errors.append(error)
        finally:
            connections.close_all()

    def read():
        cursor = 0
        try:
            while True:
                finished = done.is_set()
                page, cursor, _more = feed.page(application, after=cursor, limit=50)
                seen.extend(event.subject_id for event in page)
                if finished and not page:
                    return
        finally:
            connections.close_all()

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    reader.join(timeout=60)

    assert errors == []
    assert Event.objects.count() == writers * per_writer
    assert sorted(seen) == sorted(Event.objects.values_list("subject_id", flat=True))
    assert len(seen) == len(set(seen))
