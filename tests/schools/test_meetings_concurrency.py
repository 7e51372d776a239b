"""Many guardians clicking at once: the database gives each slot to exactly one of them (PostgreSQL only).

Run locally with e.g. (pytest-django creates the database test_gemeindeportal_m)
DATABASE_URL=postgres://postgres@127.0.0.1:5432/gemeindeportal_m \
    .venv/bin/pytest -q tests/schools/test_meetings_concurrency.py
"""

import threading

import pytest
from django.db import connection, connections
from django.utils import translation

from schools import meetings
from schools.models import Enrolment, Guardianship
from schools.models.meetings import MeetingBooking, MeetingSlot
from tests.factories import UserFactory
from tests.schools.test_meetings_helpers import open_series, slots

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8


def postgres_only():
    if connection.vendor != "postgresql":
        reason = "concurrency is tested on PostgreSQL (set DATABASE_URL); SQLite serialises writers anyway"
        print(f"\nSKIPPING: {reason}")
        pytest.skip(reason)


def run_together(actions):
    """Run the callables in threads released at the same moment; returns (results, errors)."""
    barrier = threading.Barrier(len(actions))
    results, errors = [], []
    # A new thread starts in the default language; the rules' messages must speak the test's language.
    language = translation.get_language()

    def worker(action):
        try:
            barrier.wait(timeout=30)
            with translation.override(language):
                results.append(action())
        except meetings.MeetingError as error:
            errors.append(error)
        except Exception as error:  # noqa: BLE001 - anything else is a failure, asserted below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def families(world, how_many):
    """`how_many` children in class 3a, each with a guardian who may book for them."""
    pairs = []
    for _index in range(how_many):
        child, guardian = UserFactory(language="en"), UserFactory(language="en")
        Enrolment.objects.create(student=child, school_class=world["class_a"])
        Guardianship.objects.create(guardian=guardian, student=child)
        pairs.append((guardian, child))
    return pairs


def test_guardians_booking_the_last_free_slot_at_once_get_it_once(school_world):
    postgres_only()
    series = open_series(school_world, count=1)
    [last] = slots(series)
    pairs = families(school_world, WORKERS)

    results, errors = run_together(
        [
            lambda g=guardian, c=child: meetings.book(g, MeetingSlot.objects.get(pk=last.pk), c)
            for guardian, child in pairs
        ]
    )

    assert len(results) == 1
    assert len(errors) == WORKERS - 1
    assert {str(error) for error in errors} == {"This slot has just been taken, please choose another."}
    assert all(isinstance(error, meetings.MeetingError) for error in errors)
    assert MeetingBooking.objects.count() == 1
    assert MeetingBooking.objects.get().student_id == results[0].student_id


def test_two_guardians_of_one_child_booking_at_once_book_once(school_world):
    postgres_only()
    series = open_series(school_world, count=WORKERS)
    second_guardian = UserFactory(language="en")
    Guardianship.objects.create(guardian=second_guardian, student=school_world["child"])
    guardians = [school_world["parent"], second_guardian] * (WORKERS // 2)
    free = slots(series)

    results, errors = run_together(
        [
            lambda g=guardian, s=slot: meetings.book(g, MeetingSlot.objects.get(pk=s.pk), school_world["child"])
            for guardian, slot in zip(guardians, free, strict=True)
        ]
    )

    assert len(results) == 1 and len(errors) == WORKERS - 1
    assert {str(error) for error in errors} == {f"{school_world['child'].first_name} is already booked in this series."}
    assert MeetingBooking.objects.filter(student=school_world["child"]).count() == 1


def test_moving_to_the_same_slot_at_once_keeps_the_losers_old_bookings(school_world):
    postgres_only()
    series = open_series(school_world, count=WORKERS + 1)
    *own, target = slots(series)
    pairs = families(school_world, WORKERS)
    bookings = [meetings.book(guardian, slot, child) for (guardian, child), slot in zip(pairs, own, strict=True)]

    results, errors = run_together(
        [
            lambda g=guardian, b=booking: meetings.rebook(
                g, MeetingBooking.objects.select_related("series", "student").get(pk=b.pk),
                MeetingSlot.objects.get(pk=target.pk),
            )
            for (guardian, _child), booking in zip(pairs, bookings, strict=True)
        ]
    )  # fmt: skip

    assert len(results) == 1 and len(errors) == WORKERS - 1
    assert all(isinstance(error, meetings.MeetingError) for error in errors)
    assert MeetingBooking.objects.count() == WORKERS  # nobody lost their meeting
    assert MeetingBooking.objects.get(slot=target).student_id == results[0].student_id
    moved_from = {b.slot_id for b in bookings if b.student_id == results[0].student_id}
    assert set(MeetingBooking.objects.values_list("slot_id", flat=True)) == {s.pk for s in own} - moved_from | {
        target.pk
    }


def test_deleting_a_slot_while_guardians_book_it_never_loses_a_booking(school_world):
    postgres_only()
    series = open_series(school_world, count=2)
    contested = slots(series)[0]
    pairs = families(school_world, WORKERS - 1)

    # Each thread gets its own copy of the slot, loaded before they start (the slot may be gone by then).
    copies = [MeetingSlot.objects.select_related("series").get(pk=contested.pk) for _index in range(WORKERS)]

    def delete():
        return meetings.delete_slot(school_world["teacher"], copies[-1])

    actions = [
        lambda g=guardian, c=child, s=slot: meetings.book(g, s, c)
        for (guardian, child), slot in zip(pairs, copies, strict=False)
    ]
    results, errors = run_together([delete, *actions])

    assert all(isinstance(error, meetings.MeetingError) for error in errors), errors
    slot_left = MeetingSlot.objects.filter(pk=contested.pk).exists()
    booked = MeetingBooking.objects.filter(slot_id=contested.pk).count()
    # Either a guardian got the slot and the teacher was refused, or the slot is gone and nobody holds it.
    assert (slot_left, booked) in {(True, 1), (False, 0)}
    assert MeetingBooking.objects.count() == booked
