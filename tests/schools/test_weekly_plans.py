"""Weekly plans: the rules (weeks, publishing, notifications, acknowledging), the pages per role, the teacher's
form with its task rows and attachments, the summaries and the demo."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import timezone, translation

from account.models import Notification
from schools import summaries, weekly_plans
from schools.models import Enrolment, Guardianship
from schools.models.weekly_plans import PlanAcknowledgement, WeeklyPlan, WeeklyPlanAttachment, WeeklyPlanTask
from schools.weekly_plan_forms import check_upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Plan files go to a private storage of their own in each test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {**settings.STORAGES["private"], "OPTIONS": {"location": tmp_path / "private", "base_url": None}},
    }
    return tmp_path / "private"


def monday():
    return weekly_plans.this_monday()


def make_plan(world, *, published=True, school_class="class_a", week=None, tasks=None, title="Bruchrechnen"):
    teacher = world["teacher"] if school_class == "class_a" else world["other_teacher"]
    plan = weekly_plans.create_plan(
        teacher,
        world[school_class],
        week or monday(),
        title=title,
        notes="Bitte Etui mitnehmen.",
        tasks=tasks
        or [
            weekly_plans.TaskData("Mathematik", "Seite 12, Aufgaben 1–4", day=0),
            weekly_plans.TaskData("Deutsch", "Lesen: Kapitel 3", day=None, compulsory=False),
            weekly_plans.TaskData("Deutsch", "Diktat üben", day=2),
        ],
    )
    if published:
        weekly_plans.publish(teacher, plan, notify=False)
        plan.refresh_from_db()
    return plan


def pdf_upload(name="blatt.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def task_post(rows, total=None, initial=0):
    data = {
        "tasks-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "tasks-INITIAL_FORMS": str(initial),
        "tasks-MIN_NUM_FORMS": "0",
        "tasks-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"tasks-{index}-{key}"] = value
    return data


def empty_row():
    return {"subject": "", "day": "", "kind": "compulsory", "description": ""}


# --- rules ------------------------------------------------------------------------------------------------------


def test_any_day_is_filed_under_its_monday_and_a_week_has_one_plan_per_class(school_world):
    thursday = monday() + datetime.timedelta(days=3)
    plan = make_plan(school_world, published=False, week=thursday)
    assert plan.week_starts_on == monday()
    assert plan.week_starts_on.weekday() == 0
    with pytest.raises(weekly_plans.WeeklyPlanError, match="already a plan for class 3a"):
        make_plan(school_world, published=False, week=monday() + datetime.timedelta(days=1))
    # Another class may have its plan for that week.
    make_plan(school_world, published=False, school_class="class_b")
    assert WeeklyPlan.objects.count() == 2


def test_only_teachers_of_the_class_make_plans_and_weeks_stay_in_the_school_year(school_world):
    with pytest.raises(weekly_plans.WeeklyPlanError, match="classes you teach"):
        weekly_plans.create_plan(school_world["other_teacher"], school_world["class_a"], monday())
    with pytest.raises(weekly_plans.WeeklyPlanError, match="not in the school year"):
        weekly_plans.create_plan(school_world["teacher"], school_world["class_a"], monday() + datetime.timedelta(400))
    # A subject teacher plans too.
    plan = weekly_plans.create_plan(school_world["subject_teacher"], school_world["class_a"], monday())
    assert plan.created_by == school_world["subject_teacher"]


def test_publishing_notifies_the_class_and_all_its_guardians_once(
    school_world, mailoutbox, django_capture_on_commit_callbacks
):
    plan = make_plan(school_world, published=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_plans.publish(school_world["teacher"], plan) is True
    plan.refresh_from_db()
    assert plan.published_at is not None
    notified = set(Notification.objects.filter(kind="school").values_list("user", flat=True))
    expected = {"child", "classmate", "parent", "informed_parent", "classmate_parent"}
    assert notified == {school_world[key].pk for key in expected}
    notification = Notification.objects.get(user=school_world["parent"])
    assert notification.title == f"Weekly plan of class 3a for {weekly_plans.week_label(monday())}"
    assert notification.url == f"/en/account/school/plans/{plan.pk}/"
    assert {message.to[0] for message in mailoutbox} == {school_world[key].email for key in expected}

    # Publishing again (a second click, another teacher) notifies nobody.
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_plans.publish(school_world["subject_teacher"], plan) is False
    assert Notification.objects.count() == len(expected)
    assert len(mailoutbox) == len(expected)


def test_a_guardian_of_two_children_in_the_class_is_notified_once(school_world):
    Guardianship.objects.create(guardian=school_world["parent"], student=school_world["classmate"])
    plan = make_plan(school_world, published=False)
    weekly_plans.publish(school_world["teacher"], plan)
    assert Notification.objects.filter(user=school_world["parent"]).count() == 1


def test_a_plan_without_tasks_is_not_published(school_world):
    plan = weekly_plans.create_plan(school_world["teacher"], school_world["class_a"], monday())
    with pytest.raises(weekly_plans.WeeklyPlanError, match="at least one task"):
        weekly_plans.publish(school_world["teacher"], plan)
    plan.refresh_from_db()
    assert plan.published_at is None
    assert not Notification.objects.exists()


def test_acknowledging_is_idempotent_and_open_to_informed_guardians_only_for_published_plans(school_world):
    draft = make_plan(school_world, published=False)
    child = school_world["child"]
    with pytest.raises(weekly_plans.WeeklyPlanError, match="not published"):
        weekly_plans.acknowledge(school_world["parent"], draft, child)
    weekly_plans.publish(school_world["teacher"], draft, notify=False)
    draft.refresh_from_db()
    first, created = weekly_plans.acknowledge(school_world["parent"], draft, child)
    again, created_again = weekly_plans.acknowledge(school_world["parent"], draft, child)
    assert created and not created_again and first.pk == again.pk
    _ack, created = weekly_plans.acknowledge(school_world["informed_parent"], draft, child)
    assert created
    for guardian in ("classmate_parent", "teacher", "child"):
        with pytest.raises(weekly_plans.WeeklyPlanError, match="own children"):
            weekly_plans.acknowledge(school_world[guardian], draft, child)
    assert PlanAcknowledgement.objects.count() == 2


def test_a_child_who_left_the_class_is_no_longer_acknowledged_for(school_world):
    plan = make_plan(school_world)
    Enrolment.objects.filter(student=school_world["child"]).update(
        ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(weekly_plans.WeeklyPlanError):
        weekly_plans.acknowledge(school_world["parent"], plan, school_world["child"])


def test_published_plans_are_not_deleted_drafts_are(school_world, private_storage):
    plan = make_plan(school_world)
    with pytest.raises(weekly_plans.WeeklyPlanError, match="cannot be deleted"):
        weekly_plans.delete_plan(school_world["teacher"], plan)
    draft = make_plan(school_world, published=False, week=monday() + datetime.timedelta(days=7))
    attachment = weekly_plans.add_attachment(draft, pdf_upload())
    stored = private_storage / attachment.file.name
    assert stored.exists()
    with pytest.raises(weekly_plans.WeeklyPlanError):
        weekly_plans.delete_plan(school_world["other_teacher"], draft)
    weekly_plans.delete_plan(school_world["teacher"], draft)
    assert not WeeklyPlan.objects.filter(pk=draft.pk).exists()


def test_uploads_are_checked_by_type_size_and_content():
    check_upload(pdf_upload())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    check_upload(SimpleUploadedFile("blatt.docx", buffer.getvalue()))
    refusals = [
        (SimpleUploadedFile("setup.exe", b"MZ\x90\x00"), "file_type"),
        (SimpleUploadedFile("blatt.pdf", b"MZ\x90\x00 not a pdf at all"), "file_content"),
        (SimpleUploadedFile("leer.pdf", b""), "file_empty"),
        (SimpleUploadedFile("gross.pdf", PDF + b"0" * (10 * 1024 * 1024)), "file_size"),
        (SimpleUploadedFile("fake.docx", buffer.getvalue().replace(b"word/", b"xxxx/")), "file_content"),
    ]
    for upload, code in refusals:
        with pytest.raises(ValidationError) as refused:
            check_upload(upload)
        assert refused.value.code == code, upload.name


# --- summaries --------------------------------------------------------------------------------------------------


def test_child_summary_shows_this_weeks_published_plan_and_the_viewers_acknowledgement(
    school_world, django_assert_max_num_queries
):
    child = school_world["child"]
    assert weekly_plans.child_summary(school_world["parent"], child)["plan"] is None
    make_plan(school_world, published=False)
    assert weekly_plans.child_summary(school_world["parent"], child)["plan"] is None  # drafts are not shown
    plan = WeeklyPlan.objects.get()
    weekly_plans.publish(school_world["teacher"], plan, notify=False)
    with django_assert_max_num_queries(3):
        summary = weekly_plans.child_summary(school_world["parent"], child)
    assert summary["plan"].pk == plan.pk
    assert summary["plan"].compulsory_count == 2
    assert summary["is_guardian"] and summary["acknowledged_at"] is None
    weekly_plans.acknowledge(school_world["parent"], plan, child)
    assert weekly_plans.child_summary(school_world["parent"], child)["acknowledged_at"] is not None
    assert weekly_plans.child_summary(school_world["informed_parent"], child)["acknowledged_at"] is None
    own = weekly_plans.child_summary(child, child)
    assert own["plan"].pk == plan.pk and not own["is_guardian"]
    entries = summaries.for_child(school_world["parent"], child)
    assert any(e["key"] == "plans" and e["template"] == "schools/plans/summary_child.html" for e in entries)


def test_class_summary_tells_the_teacher_the_state_and_how_many_students_were_acknowledged(
    school_world, django_assert_max_num_queries
):
    teacher, class_a = school_world["teacher"], school_world["class_a"]
    assert weekly_plans.class_summary(teacher, class_a)["state"] == "missing"
    assert weekly_plans.class_summary(school_world["other_teacher"], class_a) is None
    plan = make_plan(school_world, published=False)
    assert weekly_plans.class_summary(teacher, class_a)["state"] == "draft"
    weekly_plans.publish(teacher, plan, notify=False)
    weekly_plans.acknowledge(school_world["parent"], plan, school_world["child"])
    weekly_plans.acknowledge(school_world["informed_parent"], plan, school_world["child"])
    with django_assert_max_num_queries(3):
        summary = weekly_plans.class_summary(teacher, class_a)
    assert (summary["state"], summary["acknowledged"], summary["students"]) == ("published", 1, 2)


def test_summary_blocks_render_for_the_overview(school_world):
    def render(entries):
        [entry] = [entry for entry in entries if entry["key"] == "plans"]
        with translation.override("en"):
            return render_to_string(entry["template"], entry)

    teacher, class_a = school_world["teacher"], school_world["class_a"]
    html = render(summaries.for_class(teacher, class_a))
    assert "no plan yet" in html and f"/en/account/school/plans/new/?class={class_a.pk}&amp;week=" in html
    plan = make_plan(school_world)
    html = render(summaries.for_child(school_world["parent"], school_world["child"]))
    assert "Bruchrechnen" in html and "2 compulsory tasks" in html and "not acknowledged yet" in html
    assert f"/en/account/school/plans/{plan.pk}/" in html
    weekly_plans.acknowledge(school_world["parent"], plan, school_world["child"])
    assert "acknowledged on" in render(summaries.for_child(school_world["parent"], school_world["child"]))
    assert "acknowledged for 1 of 2 students" in render(summaries.for_class(teacher, class_a))


# --- pages ------------------------------------------------------------------------------------------------------


def test_teacher_creates_a_plan_with_task_rows_and_an_attachment_and_publishes_it(
    client, school_world, private_storage
):
    client.force_login(school_world["teacher"])
    response = client.get(f"/en/account/school/plans/new/?class={school_world['class_a'].pk}&week=2026-13-01")
    assert response.status_code == 200
    assert f'<option value="{school_world["class_a"].pk}" selected>' in response.content.decode()
    thursday = monday() + datetime.timedelta(days=3)
    rows = [
        {"subject": "Mathematik", "day": "1", "kind": "compulsory", "description": "Einmaleins 7"},
        {"subject": "NMG", "day": "", "kind": "optional", "description": "Blätter sammeln"},
        empty_row(),
    ]
    data = {
        "school_class": school_world["class_a"].pk,
        "week": thursday.isoformat(),
        "title": "Herbstwoche",
        "notes": "",
        "files": [pdf_upload("Arbeitsblatt.pdf")],
        "action": "publish",
        **task_post(rows),
    }
    response = client.post("/en/account/school/plans/new/", data)
    plan = WeeklyPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/en/account/school/plans/{plan.pk}/"
    assert plan.week_starts_on == monday() and plan.published_at is not None
    assert [(t.subject, t.day, t.compulsory) for t in plan.tasks.order_by("position")] == [
        ("Mathematik", 1, True),
        ("NMG", None, False),
    ]
    attachment = plan.attachments.get()
    assert attachment.filename == "Arbeitsblatt.pdf"
    assert (private_storage / attachment.file.name).read_bytes() == PDF
    assert Notification.objects.filter(user=school_world["parent"]).exists()

    response = client.get(f"/en/account/school/plans/{plan.pk}/", follow=True)
    content = response.content.decode()
    assert "The plan is published" in content
    assert "Herbstwoche" in content and "Einmaleins 7" in content


def test_a_bad_row_rerenders_the_form_with_everything_typed(client, school_world):
    client.force_login(school_world["teacher"])
    rows = [
        {"subject": "Mathematik", "day": "0", "kind": "compulsory", "description": ""},
        {"subject": "Deutsch", "day": "4", "kind": "optional", "description": "Gedicht lernen"},
    ]
    data = {"school_class": school_world["class_a"].pk, "week": "", "title": "Meine Woche", **task_post(rows)}
    response = client.post("/en/account/school/plans/new/", data)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Please correct the tasks" in content and "Task 1, Task: This field is required." in content
    assert "Week: This field is required." in content
    assert 'value="Meine Woche"' in content and "Gedicht lernen" in content
    assert not WeeklyPlan.objects.exists()


def test_more_rows_keeps_the_rows_typed_and_saves_nothing(client, school_world):
    client.force_login(school_world["teacher"])
    rows = [{"subject": "Musik", "day": "2", "kind": "compulsory", "description": "Lied üben"}]
    data = {"school_class": school_world["class_a"].pk, "week": monday().isoformat(), "add_rows": "1"}
    response = client.post("/en/account/school/plans/new/", {**data, **task_post(rows)})
    content = response.content.decode()
    assert response.status_code == 200 and not WeeklyPlan.objects.exists()
    assert "Lied üben" in content
    assert 'name="tasks-3-subject"' in content and 'name="tasks-4-subject"' not in content


def test_a_second_plan_for_the_same_week_is_refused_with_a_message(client, school_world):
    make_plan(school_world, published=False)
    client.force_login(school_world["subject_teacher"])
    rows = [{"subject": "Musik", "day": "", "kind": "compulsory", "description": "Lied"}]
    data = {"school_class": school_world["class_a"].pk, "week": monday().isoformat(), **task_post(rows)}
    response = client.post("/en/account/school/plans/new/", data)
    assert response.status_code == 200
    assert "There is already a plan for class 3a" in response.content.decode()
    assert WeeklyPlan.objects.count() == 1


def test_teacher_changes_a_published_plan_deletes_and_adds_rows_and_removes_an_attachment(client, school_world):
    plan = make_plan(school_world)
    attachment = weekly_plans.add_attachment(plan, pdf_upload("alt.pdf"))
    client.force_login(school_world["teacher"])
    response = client.get(f"/en/account/school/plans/{plan.pk}/edit/")
    assert "students and parents see your changes at once" in response.content.decode()
    tasks = list(plan.tasks.all())
    rows = [
        {
            "subject": t.subject,
            "day": "" if t.day is None else str(t.day),
            "kind": "compulsory",
            "description": t.description,
        }
        for t in tasks
    ]
    rows[0]["DELETE"] = "on"
    rows.append({"subject": "Englisch", "day": "4", "kind": "optional", "description": "Vocabulary"})
    data = {"title": "Neu", "notes": "", "remove_attachments": [attachment.pk], **task_post(rows, initial=len(tasks))}
    response = client.post(f"/en/account/school/plans/{plan.pk}/edit/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Neu" and plan.published_at is not None
    assert [t.description for t in plan.tasks.order_by("position")] == [
        tasks[1].description,
        tasks[2].description,
        "Vocabulary",
    ]
    assert not WeeklyPlanAttachment.objects.exists()
    # Nobody is notified again; the child sees the change at once.
    assert not Notification.objects.exists()
    client.force_login(school_world["child"])
    assert "Vocabulary" in client.get(f"/en/account/school/plans/{plan.pk}/").content.decode()


def test_plan_page_groups_tasks_by_day_then_whole_week_and_says_compulsory_or_optional(client, school_world):
    plan = make_plan(school_world)
    weekly_plans.add_attachment(plan, pdf_upload("Wochenblatt.pdf"))
    client.force_login(school_world["child"])
    content = client.get(f"/en/account/school/plans/{plan.pk}/").content.decode()
    monday_at = content.index("Monday, ")
    wednesday_at = content.index("Wednesday, ")
    whole_week_at = content.index("Whole week")
    assert monday_at < wednesday_at < whole_week_at
    assert content.index("Seite 12") < content.index("Diktat üben") < content.index("Lesen: Kapitel 3")
    assert content.count(">Compulsory<") == 2 and content.count(">Optional<") == 1
    assert "Wochenblatt.pdf" in content
    assert "Acknowledgements" not in content and "I have read the plan" not in content


def test_attachments_are_downloaded_after_the_permission_check(client, school_world):
    plan = make_plan(school_world)
    attachment = weekly_plans.add_attachment(plan, pdf_upload("Wochenblatt.pdf"))
    url = f"/en/account/school/plans/{plan.pk}/files/{attachment.pk}/"
    client.force_login(school_world["informed_parent"])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="Wochenblatt.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    other = make_plan(school_world, school_class="class_b")
    assert client.get(f"/en/account/school/plans/{other.pk}/files/{attachment.pk}/").status_code == 404
    assert "/media/" not in attachment.file.name


def test_guardian_acknowledges_per_child_and_teacher_sees_who_did(client, school_world):
    plan = make_plan(school_world)
    client.force_login(school_world["parent"])
    page = client.get(f"/en/account/school/plans/{plan.pk}/").content.decode()
    assert "I have read the plan" in page
    response = client.post(f"/en/account/school/plans/{plan.pk}/acknowledge/", {"student": school_world["child"].pk})
    assert response.status_code == 302
    page = client.get(f"/en/account/school/plans/{plan.pk}/").content.decode()
    acknowledgement = PlanAcknowledgement.objects.get()
    when = timezone.localtime(acknowledgement.acknowledged_at).strftime("%d.%m.%Y %H:%M")
    assert f"on {when}" in page and "I have read the plan" not in page
    # Twice changes nothing.
    client.post(f"/en/account/school/plans/{plan.pk}/acknowledge/", {"student": school_world["child"].pk})
    assert PlanAcknowledgement.objects.count() == 1

    client.force_login(school_world["teacher"])
    page = client.get(f"/en/account/school/plans/{plan.pk}/").content.decode()
    parent = school_world["parent"]
    assert f'data-acknowledged-by="{parent.pk}">{parent.get_full_name()} on {when}' in page
    assert page.count("Not acknowledged yet") == 1  # the classmate


def test_entry_page_for_each_role(client, school_world):
    this_week = make_plan(school_world, title="Diese Woche")
    make_plan(school_world, published=False, week=monday() + datetime.timedelta(days=7), title="Nächste Woche")
    make_plan(school_world, week=monday() - datetime.timedelta(days=7), title="Letzte Woche")
    weekly_plans.acknowledge(school_world["parent"], this_week, school_world["child"])

    client.force_login(school_world["teacher"])
    content = client.get("/en/account/school/plans/").content.decode()
    assert "Class 3a" in content and "Class 5b" not in content
    assert content.index("Diese Woche") < content.index("Nächste Woche") < content.index("Letzte Woche")
    assert f"/en/account/school/plans/new/?class={school_world['class_a'].pk}" in content
    assert "Draft (only teachers see it)" in content
    assert "1 of 2" in content  # students acknowledged this week

    client.force_login(school_world["parent"])
    content = client.get("/en/account/school/plans/").content.decode()
    assert school_world["child"].get_full_name() in content
    assert "Diese Woche" in content and "Letzte Woche" in content and "Nächste Woche" not in content
    assert "acknowledged on" in content and "not acknowledged yet" in content  # this week yes, last week no
    assert "New plan" not in content

    client.force_login(school_world["classmate"])
    content = client.get("/en/account/school/plans/").content.decode()
    assert "Diese Woche" in content and "Nächste Woche" not in content and "My class's plans" in content

    client.force_login(school_world["other_child"])
    content = client.get("/en/account/school/plans/").content.decode()
    assert "Diese Woche" not in content and "There are no weekly plans for you" in content


def test_list_and_plan_pages_do_not_grow_queries_with_records(client, school_world, django_assert_max_num_queries):
    def add_weeks(start, count):
        for offset in range(start, start + count):
            plan = make_plan(school_world, week=monday() - datetime.timedelta(weeks=offset))
            weekly_plans.acknowledge(school_world["parent"], plan, school_world["child"])
            make_plan(school_world, school_class="class_b", week=monday() - datetime.timedelta(weeks=offset))

    def counts():
        result = {}
        for role in ("teacher", "parent", "child"):
            client.force_login(school_world[role])
            client.get("/en/account/school/plans/")  # the first request of a session does more (the session)
            with django_assert_max_num_queries(100) as captured:
                assert client.get("/en/account/school/plans/").status_code == 200
            result[role] = len(captured)
        client.force_login(school_world["teacher"])
        plan = WeeklyPlan.objects.filter(school_class=school_world["class_a"]).first()
        with django_assert_max_num_queries(100) as captured:
            assert client.get(f"/en/account/school/plans/{plan.pk}/").status_code == 200
        result["plan"] = len(captured)
        return result

    add_weeks(0, 1)
    few = counts()
    add_weeks(1, 4)
    for _ in range(2):
        student = UserFactory(language="en")
        Enrolment.objects.create(student=student, school_class=school_world["class_a"])
        Guardianship.objects.create(guardian=UserFactory(), student=student)
    PlanAcknowledgement.objects.create(
        plan=WeeklyPlan.objects.filter(school_class=school_world["class_a"]).first(),
        student=school_world["classmate"],
        guardian=school_world["classmate_parent"],
    )
    assert counts() == few


# --- demo -------------------------------------------------------------------------------------------------------


def test_demo_makes_this_weeks_published_plan_and_next_weeks_draft_once(db):
    from account.demo_users import ensure_demo_users
    from schools.demo_content import ensure_demo_school_records
    from schools.demo_weekly_plans import ensure_demo_weekly_plans

    users = ensure_demo_users()
    records = ensure_demo_school_records(users)
    ensure_demo_weekly_plans(records, users)
    counts = (WeeklyPlan.objects.count(), WeeklyPlanTask.objects.count(), WeeklyPlanAttachment.objects.count())
    ensure_demo_weekly_plans(records, users)
    assert counts == (WeeklyPlan.objects.count(), WeeklyPlanTask.objects.count(), WeeklyPlanAttachment.objects.count())
    plans = WeeklyPlan.objects.filter(school_class=records["classes"]["5b"])
    current = plans.get(week_starts_on=monday())
    assert current.published_at is not None
    assert current.tasks.filter(compulsory=False).count() == 1
    assert len({task.day for task in current.tasks.all()}) >= 3
    attachment = current.attachments.get()
    assert weekly_plans.open_attachment(attachment).read(5) == b"%PDF-"
    draft = plans.get(week_starts_on=monday() + datetime.timedelta(days=7))
    assert draft.published_at is None and draft.tasks.exists()
