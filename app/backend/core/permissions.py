"""Permission helpers shared by the apps."""

from rest_framework.permissions import AllowAny, IsAdminUser


class PublicReadStaffWriteMixin:
    """GET for everyone, other methods for staff.

    Reads do not even look at the Authorization header: a storefront that still sends an
    expired access token gets the catalog rather than a 401 it would have to refresh for.
    """

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAdminUser()]

    def perform_authentication(self, request) -> None:
        if request.method != "GET":
            super().perform_authentication(request)
