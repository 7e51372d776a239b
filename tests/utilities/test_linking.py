"""Linking a customer account with number and letter code: to the person or an organisation they manage."""

import datetime

import pytest
from django.utils import timezone

from account.acting_context import ActingContext
from account.models import Notification
from utilities import linking
from utilities.models import UtilityCustomer


def personal(user):
    return ActingContext(user=user)


def test_the_right_code_links_the_customer_account_once(utility_world):
    person, customer = utility_world["stranger"], utility_world["customer_d"]
    assert not UtilityCustomer.objects.visible_to(person).exists()
    linked = linking.link(personal(person), " 100 500 ", utility_world["code_d"].lower())
    assert linked == customer
    customer.refresh_from_db()
    assert customer.holder_user == person and customer.holder_organisation is None and customer.linked_at
    assert customer.activation_code_digest == ""
    assert list(UtilityCustomer.objects.visible_to(person)) == [customer]
    assert Notification.objects.filter(user=person, kind="utilities").count() == 1
    with pytest.raises(linking.LinkError, match="wrong"):
        linking.link(personal(utility_world["holder"]), "100500", utility_world["code_d"])


def test_wrong_number_and_wrong_code_read_the_same_and_five_wrong_codes_block(utility_world):
    person = utility_world["stranger"]
    with pytest.raises(linking.LinkError) as unknown:
        linking.link(personal(person), "999999", utility_world["code_d"])
    with pytest.raises(linking.LinkError) as wrong:
        linking.link(personal(person), "100500", "ABCD-EFGH-JKMN")
    assert str(unknown.value) == str(wrong.value) == "Customer number or activation code is wrong."
    for _ in range(4):
        with pytest.raises(linking.LinkError):
            linking.link(personal(person), "100500", "ABCD-EFGH-JKMN")
    with pytest.raises(linking.LinkError, match="wrong"):
        linking.link(personal(person), "100500", utility_world["code_d"])
    assert not utility_world["customer_d"].__class__.objects.get(pk=utility_world["customer_d"].pk).is_linked


def test_an_expired_code_is_refused_plainly(utility_world):
    customer = utility_world["customer_d"]
    UtilityCustomer.objects.filter(pk=customer.pk).update(
        activation_code_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(linking.LinkError, match="expired"):
        linking.link(personal(utility_world["stranger"]), "100500", utility_world["code_d"])


def test_an_organisation_links_only_by_its_managers_and_unlinking_hides_everything(utility_world):
    organisation = utility_world["organisation"]
    member = utility_world["org_member"].memberships.get(organisation=organisation)
    with pytest.raises(linking.LinkError, match="owners and administrators"):
        linking.link(
            ActingContext(user=utility_world["org_member"], membership=member), "100500", utility_world["code_d"]
        )
    owner = utility_world["org_owner"].memberships.get(organisation=organisation)
    acting = ActingContext(user=utility_world["org_owner"], membership=owner)
    customer = linking.link(acting, "100500", utility_world["code_d"])
    assert customer.holder_organisation == organisation
    assert set(UtilityCustomer.objects.of_context(acting)) == {customer, utility_world["customer_c"]}
    assert not UtilityCustomer.objects.visible_to(utility_world["org_member"]).exists()
    linking.unlink(acting, customer)
    assert set(UtilityCustomer.objects.of_context(acting)) == {utility_world["customer_c"]}
    with pytest.raises(linking.LinkError):
        linking.unlink(personal(utility_world["stranger"]), utility_world["customer_a"])
