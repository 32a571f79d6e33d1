"""Output shapes shared by several APIs (API.md's User and Address)."""

from rest_framework import serializers

from account.models import Address, User

COUNTRY_CODE = r"^[A-Za-z]{2}$"
MESSAGE_COUNTRY = "Use a two-letter ISO 3166-1 country code, like US."


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "is_staff"]


class AddressOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "full_name", "line1", "line2", "city", "state", "postal_code", "country", "is_default"]


class AddressInputSerializer(serializers.Serializer):
    """A billing address as the client sends it (addresses API and checkout)."""

    full_name = serializers.CharField(max_length=150)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    state = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20)
    country = serializers.RegexField(COUNTRY_CODE, error_messages={"invalid": MESSAGE_COUNTRY})
