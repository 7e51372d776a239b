"""Postal address fields shared by people and organisations."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PostalAddress(models.Model):
    street = models.CharField(_("street"), max_length=120, blank=True)
    house_number = models.CharField(_("house number"), max_length=12, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    town = models.CharField(_("town"), max_length=80, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CH", help_text=_("ISO code, e.g. CH"))

    class Meta:
        abstract = True

    @property
    def address_lines(self):
        """The address as printed on an envelope, without empty lines."""
        first = " ".join(part for part in (self.street, self.house_number) if part)
        second = " ".join(part for part in (self.postcode, self.town) if part)
        lines = [line for line in (first, second) if line]
        if lines and self.country and self.country != "CH":
            lines.append(self.country)
        return lines
