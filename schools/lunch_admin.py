"""Back office of the lunch table: school administrators maintain the offers (per school and term); bookings,
cancellations and invoices are listed read-only (they change only through the rules in schools/lunch.py).

The classes (built on schools/admin_base.py) are wired into the Schools menu group by schools/wagtail_hooks.py.
The kitchen list of a school opens from the offer list (for staff holding the permission to view lunch bookings).
"""

from django import forms
from django.contrib import admin
from django.urls import re_path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail_modeladmin.helpers import ButtonHelper
from wagtail_modeladmin.views import IndexView

from account import audit
from account.models import PersonalDataAccess
from services.readonly_admin import AuditedIndexView, ReadOnlyPermissionHelper

from . import lunch
from .admin_base import ANY, DeclaredFiltersIndexView, SchoolsModelAdmin, may
from .models import LunchBooking, LunchCancellation, LunchInvoice, LunchOffer


class LunchOfferForm(WagtailAdminModelForm):
    """The weekdays as checkboxes (stored as "0,1,3,4")."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("days"),
        coerce=int,
        choices=[(day, name) for day, name in enumerate(lunch.WEEKDAY_NAMES[:6])],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["weekdays"] = self.instance.weekday_list if self.instance.pk else [0, 1, 3, 4]
        self.fields["price_rappen"].help_text = _("In Rappen: CHF 9.50 is 950.")

    def clean_weekdays(self):
        return ",".join(str(day) for day in sorted(set(self.cleaned_data["weekdays"])))


class LunchOfferAdmin(SchoolsModelAdmin):
    model = LunchOffer
    menu_label = _("Lunch offers")
    menu_icon = "list-ul"
    list_display = ("school", "term", "days", "price", "cancellation_deadline", "location", "kitchen_list")
    list_filter = ("school", "term")
    search_fields = ("school__name", "term__name", "location")
    list_select_related = ("school", "term__school_year")
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldPanel("term"),
            FieldPanel("weekdays"),
            FieldPanel("price_rappen"),
            FieldPanel("cancellation_deadline"),
            FieldPanel("location"),
        ],
        base_form_class=LunchOfferForm,
    )

    @admin.display(description=_("days"))
    def days(self, offer):
        return ", ".join(lunch.weekday_name(day) for day in offer.weekday_list)

    @admin.display(description=_("price per lunch"), ordering="price_rappen")
    def price(self, offer):
        return lunch.money(offer.price_rappen)

    @admin.display(description=_("kitchen list"))
    def kitchen_list(self, offer):
        url = reverse("school:lunch_kitchen", kwargs={"school_id": offer.school_id})
        return format_html('<a href="{}">{}</a>', url, _("Kitchen list of today"))


class LunchReadOnlyPermissionHelper(ReadOnlyPermissionHelper):
    """Listed for staff holding a permission on the model; never created, edited or deleted here."""

    def user_has_any_permissions(self, user):
        return may(user, self.model, *ANY)

    def user_can_list(self, user):
        return self.user_has_any_permissions(user)


class NoButtons(ButtonHelper):
    def get_buttons_for_obj(self, obj, exclude=None, classnames_add=None, classnames_exclude=None):
        return []


class LunchRegisterIndexView(DeclaredFiltersIndexView, AuditedIndexView):
    """Declared filters only, and each listed record recorded in the audit trail with the person it is about (the
    student of a booking or cancellation, the guardian of an invoice)."""

    def get_context_data(self, **kwargs):
        context = IndexView.get_context_data(self, **kwargs)
        person_field = self.model_admin.person_field
        entries = [
            audit._entry(self.request, audit.Action.VIEW, item, getattr(item, f"{person_field}_id"), self._summary())
            for item in context["object_list"]
        ]
        PersonalDataAccess.objects.bulk_create(entries, batch_size=500)
        return context


class LunchRegisterAdmin(SchoolsModelAdmin):
    permission_helper_class = LunchReadOnlyPermissionHelper
    button_helper_class = NoButtons
    index_view_class = LunchRegisterIndexView
    history_view_enabled = False

    def get_admin_urls_for_registration(self):
        # Only the list: these records change through the lunch rules, not in the back office.
        return (
            re_path(
                self.url_helper.get_action_url_pattern("index"),
                self.index_view,
                name=self.url_helper.get_action_url_name("index"),
            ),
        )

    def register_indexing(self):
        pass


class LunchBookingAdmin(LunchRegisterAdmin):
    model = LunchBooking
    person_field = "student"
    menu_label = _("Lunch bookings")
    menu_icon = "tick"
    list_display = ("student", "offer", "day", "booked_by", "created_at")
    list_filter = ("offer__school", "offer__term", "weekday")
    search_fields = ("student__first_name", "student__last_name", "student__email")
    list_select_related = ("student", "offer__school", "offer__term__school_year", "booked_by")

    @admin.display(description=_("weekday"), ordering="weekday")
    def day(self, booking):
        return lunch.weekday_name(booking.weekday)


class LunchCancellationAdmin(LunchRegisterAdmin):
    model = LunchCancellation
    person_field = "student"
    menu_label = _("Lunch cancellations")
    menu_icon = "cross"
    list_display = ("student", "date", "reason", "offer", "cancelled_by", "created_at")
    list_filter = ("offer__school", "reason")
    search_fields = ("student__first_name", "student__last_name", "student__email")
    list_select_related = ("student", "offer__school", "offer__term__school_year", "cancelled_by")


class LunchInvoiceAdmin(LunchRegisterAdmin):
    model = LunchInvoice
    person_field = "guardian"
    menu_label = _("Lunch invoices")
    menu_icon = "doc-full"
    list_display = ("guardian", "school", "month_display", "amount", "case_reference")
    list_filter = ("school",)
    search_fields = ("guardian__first_name", "guardian__last_name", "guardian__email", "case__reference")
    list_select_related = ("guardian", "school", "case")

    @admin.display(description=_("month"), ordering="month")
    def month_display(self, invoice):
        return invoice.month.strftime("%m.%Y")

    @admin.display(description=_("amount"), ordering="amount_rappen")
    def amount(self, invoice):
        return lunch.money(invoice.amount_rappen)

    @admin.display(description=_("case"))
    def case_reference(self, invoice):
        return invoice.case.reference if invoice.case else "–"
