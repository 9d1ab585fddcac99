"""Fixtures for back-office tests: a superuser, an operator and a store-staff user with one store."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from auric.accounts.roles import OPERATOR, STORE_STAFF, ensure_roles
from tests.factories import LocationFactory, UserFactory


@pytest.fixture(autouse=True)
def _imports_run_inline(settings):
    # The admin runs CSV imports in a thread; tests run them inline inside the test transaction.
    settings.AURIC_ADMIN_JOBS_IN_THREAD = False
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def roles(db):
    ensure_roles()


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def operator(roles):
    user = UserFactory(username="op", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATOR))
    return user


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def own_store(db):
    return LocationFactory(code="sh-nanjing-road", name="南京路店")


@pytest.fixture
def other_store(db):
    return LocationFactory(code="bj-wangfujing", name="王府井店")


@pytest.fixture
def store_staff(roles, own_store):
    user = UserFactory(username="clerk", is_staff=True)
    user.groups.add(Group.objects.get(name=STORE_STAFF))
    own_store.staff.add(user)
    return user


@pytest.fixture
def staff_client(store_staff) -> Client:
    client = Client()
    client.force_login(store_staff)
    return client
