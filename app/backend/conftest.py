"""Fixtures shared by every app's tests: API clients signed in as a buyer, another buyer, staff."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from account.tests.factories import UserFactory

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]


def pytest_collection_modifyitems(config, items):
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (row or advisory locks); this run uses SQLite")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_catalog_version_lease_from_an_earlier_test(monkeypatch):
    """Each process holds the catalog version it read under a lease (product/catalog_cache.py).
    Tests roll their database back, which no server's database ever does: a lease taken in an
    earlier test would name a version that no longer exists, and the version a rollback restores
    would find an earlier test's responses cached under it (in this process's memory). Every
    test starts without either."""
    from django.core.cache import caches

    from product import catalog_cache
    from product.middleware import forget_replays

    monkeypatch.setattr(catalog_cache, "_lease", None)
    caches[catalog_cache.CACHE_ALIAS].clear()
    forget_replays()


def _client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def other_buyer(db):
    return UserFactory(email="someone.else@example.com")


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.com", is_staff=True)


@pytest.fixture
def buyer_client(buyer) -> APIClient:
    return _client_for(buyer)


@pytest.fixture
def other_client(other_buyer) -> APIClient:
    return _client_for(other_buyer)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return _client_for(staff)
