from django.urls import path

from account import apis

auth_urlpatterns = [
    path("register/", apis.UserRegisterApi.as_view(), name="register"),
    path("token/", apis.UserLoginApi.as_view(), name="token"),
    path("token/refresh/", apis.TokenRefreshApi.as_view(), name="token-refresh"),
    path("logout/", apis.UserLogoutApi.as_view(), name="logout"),
]

account_urlpatterns = [
    path("me/", apis.UserMeApi.as_view(), name="me"),
    path("addresses/", apis.AddressListCreateApi.as_view(), name="addresses"),
    path("addresses/<int:address_id>/", apis.AddressUpdateDeleteApi.as_view(), name="address"),
]
