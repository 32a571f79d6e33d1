from decimal import Decimal

import factory

from account.tests.factories import UserFactory
from payments.cards import card_fingerprint
from payments.models import SavedCard, Transaction


class SavedCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedCard

    user = factory.SubFactory(UserFactory)
    brand = "visa"
    last4 = "4242"
    exp_month = 12
    exp_year = 2035
    fingerprint = factory.LazyFunction(lambda: card_fingerprint("4242424242424242"))
    gateway = "offline"
    gateway_reference = factory.Sequence(lambda n: f"offline_card_{n}")


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transaction

    user = factory.SubFactory(UserFactory)
    amount = Decimal("25.00")
    currency = "usd"
    status = "succeeded"
    card_brand = "visa"
    card_last4 = "4242"
    gateway = "offline"
