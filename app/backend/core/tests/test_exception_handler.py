import pytest

from core.exception_handler import flatten_errors


class FlattenErrorsTests:
    def test_nested_serializer_errors_become_dotted_field_names(self):
        detail = {
            "items": [{}, {"quantity": ["Too many."]}],
            "billing_address": {"postal_code": ["This field is required."]},
            "payment": {"non_field_errors": ["Pick one."]},
        }
        assert flatten_errors(detail) == {
            "items.1.quantity": ["Too many."],
            "billing_address.postal_code": ["This field is required."],
            "payment": ["Pick one."],
        }

    def test_top_level_non_field_errors_keep_their_name(self):
        assert flatten_errors({"non_field_errors": ["Nope."]}) == {"non_field_errors": ["Nope."]}


@pytest.mark.django_db
class DatabaseUnavailableTests:
    def test_an_api_call_that_cannot_reach_the_database_gets_a_retryable_503(self, buyer_client, monkeypatch):
        from django.db import OperationalError
        from rest_framework_simplejwt.authentication import JWTAuthentication

        from core.exception_handler import MESSAGE_DATABASE_UNAVAILABLE

        def unreachable(self, token):
            raise OperationalError("connection refused")

        monkeypatch.setattr(JWTAuthentication, "get_user", unreachable)
        response = buyer_client.get("/api/account/me/")
        assert response.status_code == 503
        assert response.json() == {"message": MESSAGE_DATABASE_UNAVAILABLE, "extra": {}}
        assert response["Retry-After"] == "5"
