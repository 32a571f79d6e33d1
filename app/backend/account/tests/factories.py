import factory

from account.models import Address, User

PASSWORD = "a-long-enough-passphrase"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Ada"
    last_name = "Lovelace"
    password = factory.django.Password(PASSWORD)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    full_name = "Ada Lovelace"
    line1 = "12 Analytical Row"
    city = "Springfield"
    state = "IL"
    postal_code = "62701"
    country = "US"
