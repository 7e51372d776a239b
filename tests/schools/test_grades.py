"""Grades: entering, correcting and publishing assessments, what students and parents see, summaries."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from account.models import Notification
from schools import grades, summaries
from schools.models import Assessment, Enrolment, Grade, TeachingAssignment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def en(name, **kwargs):
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


def assess(world, subject="Deutsch", title="Diktat", values=None, teacher="teacher", days_ago=1, weight="1"):
    """An assessment of class 3a with grades {role: value}."""
    values = values if values is not None else {"child": "5", "classmate": "4"}
    return grades.save_assessment(
        world[teacher],
        world["class_a"],
        subject=subject,
        title=title,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        weight=Decimal(weight),
        grades={world[role].pk: (value, "") for role, value in values.items()},
    )


# --- rules -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "value"),
    [("4,5", "4.50"), ("4.5", "4.50"), (" 5 ", "5.00"), ("4.75", "4.75"), ("1", "1.00"), ("6", "6.00"), ("", None)],
)
def test_typed_grades_are_read_the_swiss_way(typed, value):
    assert grades.parse_grade(typed) == (Decimal(value) if value else None)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter a grade such as 4.5"),
        ("7", "between 1 and 6"),
        ("0.75", "between 1 and 6"),
        ("4.3", "halves or quarters"),
        ("4.55", "halves or quarters"),
        ("NaN", "Enter a grade such as 4.5"),
        ("Infinity", "Enter a grade such as 4.5"),
    ],
)
def test_bad_grades_are_refused_with_a_clear_message(typed, message):
    with translation.override("en"), pytest.raises(grades.GradeError, match=message):
        grades.parse_grade(typed)


def test_weighted_average_counts_each_grade_by_its_weight():
    assert grades.weighted_average([(Decimal("5"), Decimal("2")), (Decimal("4"), Decimal("1"))]) == Decimal("4.67")
    assert grades.weighted_average([(Decimal("5"), Decimal("1")), (Decimal("4"), Decimal("2"))]) == Decimal("4.33")
    assert grades.weighted_average([(Decimal("4.5"), Decimal("0.5")), (Decimal("5.5"), Decimal("0.5"))]) == Decimal(
        "5.00"
    )
    assert grades.weighted_average([]) is None


def test_subjects_a_teacher_may_choose(school_world):
    w = school_world
    TeachingAssignment.objects.filter(teacher=w["subject_teacher"]).update(subjects="Musik, Werken")
    assert grades.allowed_subjects(w["teacher"], w["class_a"]) == (["Deutsch", "Mathematik", "Musik", "Werken"], True)
    assert grades.allowed_subjects(w["subject_teacher"], w["class_a"]) == (["Musik", "Werken"], False)
    assert grades.allowed_subjects(w["other_teacher"], w["class_a"]) == ([], False)
    assert grades.allowed_subjects(w["parent"], w["class_a"]) == ([], False)


def test_a_subject_teacher_gives_grades_only_in_their_subjects(school_world):
    with translation.override("en"), pytest.raises(grades.GradeError, match="subjects you teach"):
        assess(school_world, subject="Deutsch", teacher="subject_teacher")
    assert assess(school_world, subject="musik", teacher="subject_teacher").subject == "Musik"  # spelled as assigned


def test_the_class_teacher_may_type_another_subject(school_world):
    assert assess(school_world, subject="Schwimmen").subject == "Schwimmen"


def test_a_teacher_of_another_class_gives_no_grades_here(school_world):
    with translation.override("en"), pytest.raises(grades.GradeError, match="Only the teachers of this class"):
        assess(school_world, teacher="other_teacher")
    assert not Assessment.objects.exists()


def test_grades_only_for_students_of_the_class(school_world):
    with translation.override("en"), pytest.raises(grades.GradeError, match="not in this class"):
        assess(school_world, values={"child": "5", "other_child": "4"})
    assert not Assessment.objects.exists()  # nothing half-saved


def test_correcting_grades_changes_adds_and_removes(school_world):
    w = school_world
    assessment = assess(w, values={"child": "5", "classmate": "4"})
    grades.save_assessment(
        w["teacher"],
        w["class_a"],
        subject="Deutsch",
        title="Diktat 2",
        date=assessment.date,
        weight=Decimal("2"),
        grades={w["child"].pk: ("5,5", "besser"), w["classmate"].pk: ("", "")},
        assessment=assessment,
    )
    assessment.refresh_from_db()
    assert (assessment.title, assessment.weight) == ("Diktat 2", Decimal("2"))
    assert list(Grade.objects.filter(assessment=assessment).values_list("student_id", "value", "comment")) == [
        (w["child"].pk, Decimal("5.50"), "besser")
    ]


def test_publishing_notifies_students_and_guardians_who_may_see_grades_once(
    school_world, mailoutbox, django_capture_on_commit_callbacks
):
    w = school_world
    assessment = assess(w)
    with django_capture_on_commit_callbacks(execute=True):
        grades.publish(w["teacher"], assessment)
        grades.publish(w["teacher"], assessment)  # a second click changes nothing
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert notified == {w[r].pk for r in ("child", "parent", "classmate", "classmate_parent")}
    assert Notification.objects.count() == 4
    note = Notification.objects.get(user=w["parent"])
    assert note.title == "New grade: Deutsch – Diktat"
    assert w["child"].get_full_name() in note.body
    assert note.url == en("school:grades_student", student_id=w["child"].pk)
    assert "5" not in note.body.replace(assessment.date.strftime("%d.%m.%Y"), "")  # the grade itself is not mailed
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        w[r].email for r in ("child", "parent", "classmate", "classmate_parent")
    )


def test_guardians_without_custody_are_notified_where_the_school_allows_it(school_world):
    w = school_world
    w["school"].grades_visible_without_custody = True
    w["school"].save()
    grades.publish(w["teacher"], assess(w, values={"child": "5"}))
    assert set(Notification.objects.values_list("user_id", flat=True)) == {
        w[r].pk for r in ("child", "parent", "informed_parent")
    }


def test_withdrawn_and_published_again_notifies_again(school_world):
    w = school_world
    assessment = assess(w, values={"child": "5"})
    grades.publish(w["teacher"], assessment)
    grades.withdraw(w["teacher"], assessment)
    assert Grade.objects.filter(pk__in=grades.published_grades_of(w["child"])).count() == 0
    grades.publish(w["teacher"], assessment)
    assert Notification.objects.filter(user=w["parent"]).count() == 2


def test_nothing_to_publish_without_grades(school_world):
    assessment = assess(school_world, values={})
    with translation.override("en"), pytest.raises(grades.GradeError, match="at least one grade"):
        grades.publish(school_world["teacher"], assessment)
    assessment.refresh_from_db()
    assert assessment.published_at is None


def test_a_published_assessment_is_withdrawn_before_it_is_deleted(school_world):
    assessment = assess(school_world)
    grades.publish(school_world["teacher"], assessment)
    with translation.override("en"), pytest.raises(grades.GradeError, match="Withdraw"):
        grades.delete_assessment(school_world["teacher"], assessment)
    assert Assessment.objects.filter(pk=assessment.pk).exists()


# --- the teacher's pages -----------------------------------------------------------------------------------------


def grid_data(world, **values):
    data = {"subject": "Deutsch", "title": "Lesetest", "date": "18.11.2026", "weight": "1"}
    for role, value in values.items():
        data[f"grade_{world[role].pk}"] = value
    return data


def test_teacher_enters_grades_typed_with_comma_or_point(client, school_world):
    w = school_world
    client.force_login(w["teacher"])
    data = grid_data(w, child="4,5", classmate="5.25")
    data[f"comment_{w['child'].pk}"] = "Gut gelesen"
    response = client.post(en("school:grades_create", class_id=w["class_a"].pk), data)
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert (assessment.subject, assessment.date, assessment.teacher) == (
        "Deutsch",
        datetime.date(2026, 11, 18),
        w["teacher"],
    )
    assert assessment.published_at is None
    stored = dict(Grade.objects.values_list("student_id", "value"))
    assert stored == {w["child"].pk: Decimal("4.50"), w["classmate"].pk: Decimal("5.25")}
    assert Grade.objects.get(student=w["child"]).comment == "Gut gelesen"
    assert not Notification.objects.exists()  # not published: nobody hears of it


def test_bad_input_shows_an_error_next_to_the_student_and_keeps_everything(client, school_world):
    w = school_world
    client.force_login(w["teacher"])
    data = grid_data(w, child="7", classmate="4,5")
    data[f"comment_{w['classmate'].pk}"] = "Schon besser"
    data["title"] = "Lesetest Oktober"
    response = client.post(en("school:grades_create", class_id=w["class_a"].pk), data)
    assert response.status_code == 200
    content = response.content.decode()
    child_id = f"id_grade_{w['child'].pk}"
    assert f'<span class="field-error" id="{child_id}_error">A grade lies between 1 and 6.</span>' in content
    assert f'href="#{child_id}"' in content  # the error summary links to the field
    assert 'value="7"' in content and 'value="4,5"' in content and 'value="Schon besser"' in content
    assert 'value="Lesetest Oktober"' in content
    assert not Assessment.objects.exists()


def test_a_comment_without_a_grade_is_not_dropped_silently(client, school_world):
    w = school_world
    client.force_login(w["teacher"])
    data = grid_data(w, child="5")
    data[f"comment_{w['classmate'].pk}"] = "krank"
    response = client.post(en("school:grades_create", class_id=w["class_a"].pk), data)
    assert response.status_code == 200
    assert "Enter the grade this comment belongs to" in response.content.decode()
    assert not Assessment.objects.exists()


def test_subject_teacher_is_offered_only_their_subjects(client, school_world):
    w = school_world
    client.force_login(w["subject_teacher"])
    url = en("school:grades_create", class_id=w["class_a"].pk)
    content = client.get(url).content.decode()
    assert '<option value="Musik"' in content and '<option value="Deutsch"' not in content
    assert "subject_other" not in content
    response = client.post(url, grid_data(w, child="5"))  # subject "Deutsch" forged
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Assessment.objects.exists()


def test_class_teacher_types_another_subject(client, school_world):
    w = school_world
    client.force_login(w["teacher"])
    url = en("school:grades_create", class_id=w["class_a"].pk)
    content = client.get(url).content.decode()
    assert '<option value="Musik"' in content  # any subject taught in the class
    data = {**grid_data(w, child="5"), "subject": "__other__", "subject_other": "Schwimmen"}
    assert client.post(url, data).status_code == 302
    assert Assessment.objects.get().subject == "Schwimmen"
    data = {**grid_data(w, child="5"), "subject": "__other__", "subject_other": ""}
    response = client.post(url, data)
    assert "Type the subject." in response.content.decode()


def test_save_and_publish_in_one_step(client, school_world):
    w = school_world
    client.force_login(w["teacher"])
    response = client.post(
        en("school:grades_create", class_id=w["class_a"].pk), {**grid_data(w, child="5"), "publish": ""}, follow=True
    )
    assert "The assessment was saved and published." in response.content.decode()
    assert Assessment.objects.get().published_at is not None
    assert Notification.objects.filter(user=w["parent"]).count() == 1


def test_teacher_edits_grades_later_prefilled(client, school_world):
    w = school_world
    assessment = assess(w, values={"child": "4.5"})
    client.force_login(w["teacher"])
    url = en("school:grades_edit", pk=assessment.pk)
    content = client.get(url).content.decode()
    assert 'value="4.5"' in content and 'value="Diktat"' in content
    data = grid_data(w, child="5", classmate="3.5")
    data["title"] = "Diktat"
    assert client.post(url, data).status_code == 302
    assert dict(Grade.objects.values_list("student_id", "value")) == {
        w["child"].pk: Decimal("5"),
        w["classmate"].pk: Decimal("3.5"),
    }


def test_class_grid_shows_averages_with_unpublished_marked(client, school_world):
    w = school_world
    grades.publish(w["teacher"], assess(w, title="Diktat 1", values={"child": "5", "classmate": "4"}, weight="2"))
    assess(w, title="Diktat 2", values={"child": "4", "classmate": "6"})
    client.force_login(w["teacher"])
    response = client.get(en("school:grades_class", class_id=w["class_a"].pk))
    content = response.content.decode()
    assert "Diktat 2" in content and "not published" in content
    assert "4.67" in content  # child: (5×2 + 4×1) / 3 including the unpublished one
    assert "published only: 5.00" in content
    assert "4.67" in content and "published only: 4.00" in content  # classmate: (4×2 + 6) / 3 = 4.67


def test_class_grid_queries_do_not_grow(client, school_world, django_assert_max_num_queries):
    w = school_world
    client.force_login(w["teacher"])
    url = en("school:grades_class", class_id=w["class_a"].pk)
    assess(w, title="Erste")
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    baseline = len(few.captured_queries)
    for _ in range(4):
        student = UserFactory()
        Enrolment.objects.create(student=student, school_class=w["class_a"])
    for n in range(5):
        assess(w, subject="Mathematik" if n % 2 else "Deutsch", title=f"Test {n}")
    with django_assert_max_num_queries(baseline):
        response = client.get(url)
    assert response.content.decode().count('data-assessment="') >= 6


def test_student_page_shows_subject_averages_and_explains_weighting(
    client, school_world, django_assert_max_num_queries
):
    w = school_world
    grades.publish(w["teacher"], assess(w, title="Diktat 1", values={"child": "5"}, weight="2"))
    grades.publish(w["teacher"], assess(w, title="Diktat 2", values={"child": "4"}))
    grades.publish(w["teacher"], assess(w, subject="Mathematik", title="Brüche", values={"child": "5.5"}))
    assess(w, title="Entwurf", values={"child": "1"})
    client.force_login(w["parent"])
    url = en("school:grades_student", student_id=w["child"].pk)
    with django_assert_max_num_queries(25):
        content = client.get(url).content.decode()
    assert "4.67" in content and "5.50" in content
    assert "weight" in content and "divided by the sum of the weights" in content
    assert "Entwurf" not in content
    # More published grades: the same number of queries.
    for n in range(6):
        grades.publish(w["teacher"], assess(w, title=f"Test {n}", values={"child": "4"}))
    with django_assert_max_num_queries(25):
        assert "Test 5" in client.get(url).content.decode()


def test_overview_lists_children_and_classes(client, school_world):
    w = school_world
    client.force_login(w["parent"])
    content = client.get(en("school:grades")).content.decode()
    assert en("school:grades_student", student_id=w["child"].pk) in content
    assert "My classes" not in content
    client.force_login(w["teacher"])
    assess(w)
    content = client.get(en("school:grades")).content.decode()
    assert en("school:grades_class", class_id=w["class_a"].pk) in content and "1 assessment" in content
    assert en("school:grades_class", class_id=w["class_b"].pk) not in content
    client.force_login(w["informed_parent"])
    assert "There are no grades for you to see." in client.get(en("school:grades")).content.decode()
    client.force_login(w["child"])
    assert "My grades" in client.get(en("school:grades")).content.decode()


def test_subject_teacher_sees_the_draft_but_may_not_change_it(client, school_world):
    w = school_world
    assessment = assess(w)
    client.force_login(w["subject_teacher"])
    content = client.get(en("school:grades_class", class_id=w["class_a"].pk)).content.decode()
    assert "Diktat" in content and en("school:grades_edit", pk=assessment.pk) not in content
    response = client.get(en("school:grades_edit", pk=assessment.pk))
    assert response.status_code == 403
    assert "Only the class teacher and the teachers of this subject" in response.content.decode()


def test_a_teacher_whose_assignment_lists_no_subject_is_told_so(client, school_world):
    w = school_world
    TeachingAssignment.objects.filter(teacher=w["subject_teacher"]).update(subjects="")
    client.force_login(w["subject_teacher"])
    response = client.get(en("school:grades_create", class_id=w["class_a"].pk))
    assert response.status_code == 403
    assert "lists no subject" in response.content.decode()


# --- summaries ---------------------------------------------------------------------------------------------------


def test_child_summary_counts_new_published_grades(school_world, django_assert_max_num_queries):
    w = school_world
    grades.publish(w["teacher"], assess(w, title="Diktat 1"))
    grades.publish(w["teacher"], assess(w, subject="Mathematik", title="Brüche"))
    assess(w, title="Entwurf")
    old = assess(w, title="Alt")
    grades.publish(w["teacher"], old)
    Assessment.objects.filter(pk=old.pk).update(published_at=timezone.now() - datetime.timedelta(days=15))
    with django_assert_max_num_queries(6):
        summary = grades.child_summary(w["parent"], w["child"])
    assert summary["count"] == 2
    assert (summary["latest"].assessment.subject, summary["latest"].assessment.title) == ("Mathematik", "Brüche")
    assert grades.child_summary(w["informed_parent"], w["child"]) is None
    assert grades.child_summary(w["other_parent"], w["child"]) is None
    assert grades.child_summary(w["stranger"], w["child"]) is None
    assert grades.child_summary(w["child"], w["child"])["count"] == 2


def test_child_summary_renders_registered(school_world):
    w = school_world
    grades.publish(w["teacher"], assess(w, title="Diktat 1"))
    entries = summaries.for_child(w["parent"], w["child"])
    entry = next(e for e in entries if e["key"] == "grades")
    with translation.override("en"):
        html = render_to_string(entry["template"], entry)
    assert "1 new grade in the last 14 days" in html and "Deutsch – Diktat 1" in html


def test_class_summary_counts_unpublished_assessments(school_world):
    w = school_world
    assess(w, title="Entwurf 1")
    assess(w, title="Entwurf 2")
    grades.publish(w["teacher"], assess(w, title="Fertig"))
    assert grades.class_summary(w["teacher"], w["class_a"])["unpublished"] == 2
    assert grades.class_summary(w["subject_teacher"], w["class_a"])["unpublished"] == 2
    assert grades.class_summary(w["other_teacher"], w["class_a"]) is None
    entry = next(e for e in summaries.for_class(w["teacher"], w["class_a"]) if e["key"] == "grades")
    with translation.override("en"):
        assert "2 assessments not yet published" in render_to_string(entry["template"], entry)


def test_grades_of_a_class_a_student_has_left_stay_with_the_student(school_world):
    """A student who left keeps their published grades (guardian view); the grid still lists them."""
    w = school_world
    grades.publish(w["teacher"], assess(w, values={"child": "5"}))
    Enrolment.objects.filter(student=w["child"]).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    assert [g.value for g in grades.published_grades_of(w["child"])] == [Decimal("5")]
    grid = grades.class_grid(w["class_a"])
    assert w["child"] in grid["students"]
