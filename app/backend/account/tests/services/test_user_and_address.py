import pytest
from django.core.exceptions import ValidationError

from account.models import User
from account.services import MESSAGE_EMAIL_TAKEN, address_create, address_delete, user_create
from account.tests.factories import PASSWORD, AddressFactory


@pytest.mark.django_db
class UserCreateTests:
    def test_the_email_is_stored_in_lower_case_and_the_password_hashed(self):
        user = user_create(email=" Ada@Example.COM ", password=PASSWORD)
        assert user.email == "ada@example.com"
        assert user.password != PASSWORD and user.check_password(PASSWORD)

    def test_a_taken_email_raises_and_creates_nothing(self, buyer):
        with pytest.raises(ValidationError) as raised:
            user_create(email=buyer.email.upper(), password=PASSWORD)
        assert raised.value.message_dict == {"email": [MESSAGE_EMAIL_TAKEN]}
        assert User.objects.count() == 1


@pytest.mark.django_db
class AddressServicesTests:
    FIELDS = {"full_name": "Ada", "line1": "1 Row", "city": "Leeds", "postal_code": "LS1", "country": "gb"}

    def test_only_the_first_address_is_the_default_unless_asked(self, buyer):
        first = address_create(user=buyer, **self.FIELDS)
        second = address_create(user=buyer, **self.FIELDS)
        third = address_create(user=buyer, is_default=True, **self.FIELDS)
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.is_default, second.is_default, third.is_default) == (False, False, True)
        assert third.country == "GB"

    def test_deleting_a_non_default_address_leaves_the_default_alone(self, buyer):
        default = AddressFactory(user=buyer, is_default=True)
        address_delete(address=AddressFactory(user=buyer))
        default.refresh_from_db()
        assert default.is_default is True
