import pytest
from django.contrib.auth import get_user_model

from auric.core.audit import record_change, snapshot
from auric.core.models import AuditEntry


@pytest.mark.django_db
def test_audit_records_actor_and_before_after():
    user = get_user_model().objects.create_user("ops", password="x" * 12)
    entry = record_change(actor=user, action="update", obj=user, before={"a": 1}, after={"a": 2}, reason="typo")
    assert entry is not None
    assert (entry.actor, entry.actor_label, entry.before, entry.after) == (user, "ops", {"a": 1}, {"a": 2})
    assert entry.object_type == "accounts.user"
    assert snapshot(user, ["username", "is_staff"]) == {"username": "ops", "is_staff": False}


@pytest.mark.django_db
def test_audit_skips_changes_that_change_nothing():
    user = get_user_model().objects.create_user("ops2")
    assert record_change(actor=None, action="update", obj=user, before={"a": 1}, after={"a": 1}) is None
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_healthz_needs_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_unknown_api_path_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


@pytest.mark.django_db
def test_storefront_404_is_a_page_with_a_way_back(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b'href="/"' in response.content


@pytest.mark.django_db
def test_every_page_has_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_a_problem_cannot_overwrite_its_own_status_with_an_extra_member():
    from auric.core.errors import Conflict

    with pytest.raises(TypeError):
        Conflict("taken", status="reserved")
    assert Conflict("taken", stock_status="reserved").problem()["status"] == 409
