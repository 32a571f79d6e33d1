"""Registration, login (Simple JWT), the profile and billing addresses."""

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView

from account import selectors, services
from account.serializers import AddressInputSerializer, AddressOutputSerializer, UserOutputSerializer

MESSAGE_LOGIN_FAILED = "Email or password is incorrect."


class UserRegisterApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
        last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class UserLoginApi(APIView):
    """POST {email, password} -> {access, refresh, user}."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    def get_authenticate_header(self, request) -> str:
        # Without authentication classes DRF would turn a failed login into 403; it is a 401.
        return 'Bearer realm="api"'

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            raise AuthenticationFailed(MESSAGE_LOGIN_FAILED)
        refresh = RefreshToken.for_user(user)
        update_last_login(None, user)
        return Response(
            {"access": str(refresh.access_token), "refresh": str(refresh), "user": UserOutputSerializer(user).data}
        )


class TokenRefreshApi(TokenRefreshView):
    """POST {refresh} -> {access, refresh}; the old refresh token is blacklisted (rotation)."""

    throttle_scope = "auth"


class UserLogoutApi(APIView):
    """POST {refresh} -> 204; the refresh token is revoked. No access token needed (it may have
    expired): holding the refresh token is what proves the right to revoke it."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "auth"

    class InputSerializer(serializers.Serializer):
        refresh = serializers.CharField(max_length=2000)

    def get_authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'

    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_logout(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserMeApi(APIView):
    class UpdateInputSerializer(serializers.Serializer):
        first_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
        last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)

    def patch(self, request):
        serializer = self.UpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **serializer.validated_data)
        return Response(UserOutputSerializer(user).data)


class AddressListCreateApi(APIView):
    class CreateInputSerializer(AddressInputSerializer):
        is_default = serializers.BooleanField(required=False, default=False)

    def get(self, request):
        addresses = selectors.address_list(user=request.user)
        return Response(AddressOutputSerializer(addresses, many=True).data)

    def post(self, request):
        serializer = self.CreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        address = services.address_create(user=request.user, **serializer.validated_data)
        return Response(AddressOutputSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressUpdateDeleteApi(APIView):
    class UpdateInputSerializer(AddressInputSerializer):
        is_default = serializers.BooleanField(required=False)

    def patch(self, request, address_id: int):
        address = selectors.address_get(user=request.user, address_id=address_id)
        serializer = self.UpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        address = services.address_update(address=address, **serializer.validated_data)
        return Response(AddressOutputSerializer(address).data)

    def delete(self, request, address_id: int):
        address = selectors.address_get(user=request.user, address_id=address_id)
        services.address_delete(address=address)
        return Response(status=status.HTTP_204_NO_CONTENT)
