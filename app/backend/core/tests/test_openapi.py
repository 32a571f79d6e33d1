"""The API contract, checked by a machine: the schema generated from the code (GET /api/schema/),
API.md, and the API itself under generated input (schemathesis)."""

import re
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from account.tests.factories import UserFactory
from product.tests.factories import ProductFactory

API_MD = Path(settings.BASE_DIR) / "API.md"
METHODS = ("get", "post", "put", "patch", "delete")
# Examples per operation and identity: enough to find the usual faults (out-of-range ids, odd
# strings, wrong types) while the fuzz stays around a minute on PostgreSQL. SQLite's run skips it:
# the servers run PostgreSQL, whose types (bigint ids, no NUL in text) are the stricter ones.
EXAMPLES = 10

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _normalized(path: str) -> str:
    """/api/products/{id}/ and /api/products/{product_id}/ are the same path."""
    return re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])


def _api_md_operations() -> set[tuple[str, str]]:
    """Every `METHOD /api/…` in the first column of API.md's tables."""
    text = API_MD.read_text()
    found = re.findall(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/[^`\s]*)`", text, flags=re.MULTILINE)
    return {(method.lower(), _normalized(path)) for method, path in found}


class OpenApiSchemaTests:
    def test_the_schema_is_served_to_anyone_as_openapi_3(self, anonymous_client):
        response = anonymous_client.get(reverse("schema"), HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        assert response.json()["openapi"].startswith("3.")

    def test_every_operation_in_the_schema_is_in_api_md_and_every_one_in_api_md_is_in_the_schema(self):
        in_schema = {
            (method, _normalized(path))
            for path, operations in schema.raw_schema["paths"].items()
            for method in operations
            if method in METHODS
        }
        in_api_md = _api_md_operations()
        assert sorted(in_schema - in_api_md) == [], "in the schema, missing from API.md"
        assert sorted(in_api_md - in_schema) == [], "in API.md, missing from the schema"


@pytest.fixture
def wsgi_keeps_the_test_database_connection():
    """Schemathesis calls the WSGI app itself, whose request signals close the database connection
    after each request, the test's transaction with it; Django's test client disconnects them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def identities(db, wsgi_keeps_the_test_database_connection) -> dict[str, dict[str, str]]:

    ProductFactory.create_batch(3)  # something for the reads to find

    def bearer(user) -> dict[str, str]:
        return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}

    return {
        "anonymous": {},
        "buyer": bearer(UserFactory(email="fuzz.buyer@example.com")),
        "staff": bearer(UserFactory(email="fuzz.staff@example.com", is_staff=True)),
    }


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize("identity", ["anonymous", "buyer", "staff"])
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_generated_input_without_a_server_error_and_as_its_schema_says(case, identity, identities):
    case.call_and_validate(
        headers=identities[identity],
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
