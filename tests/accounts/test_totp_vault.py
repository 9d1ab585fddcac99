"""The TOTP secret lives in the personal-data vault: a token on TotpDevice, read only by the system
for `verify_second_factor`, erased when replaced or removed, and moved there from the old column."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from auric import privacy
from auric.accounts import totp
from auric.accounts.models import TotpDevice
from auric.privacy.models import PersonalValue, RevealLog
from auric.privacy.vault import RevealRefused, ValueErased
from tests.accounts.commerce_dump import in_commerce_db
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_device_keeps_a_vault_token_and_the_secret_is_not_in_the_commerce_database(shopper):
    enrolment = totp.begin_totp_enrolment(user=shopper)

    device = TotpDevice.objects.get(user=shopper)
    assert device.secret_token.startswith("pv_")
    assert PersonalValue.objects.get(token=device.secret_token).kind == "totp_secret"
    assert privacy.masked(device.secret_token) == "********"
    assert not in_commerce_db(enrolment.secret)


def test_verifying_a_code_reads_the_secret_as_the_system_for_verify_second_factor(shopper, totp_secret):
    token = TotpDevice.objects.get(user=shopper).secret_token

    later = time.time() + 600
    assert totp.verify_totp(user=shopper, code=pyotp.TOTP(totp_secret).at(later), at=datetime.fromtimestamp(later, UTC))

    last = RevealLog.objects.filter(token=token).latest("id")
    assert (last.purpose, last.actor_role, last.outcome) == ("verify_second_factor", "system", "revealed")


def test_a_malformed_code_does_not_read_the_secret(shopper, totp_secret):
    token = TotpDevice.objects.get(user=shopper).secret_token
    before = RevealLog.objects.filter(token=token).count()

    assert not totp.verify_totp(user=shopper, code="12ab56")

    assert RevealLog.objects.filter(token=token).count() == before


def test_no_back_office_role_may_read_a_totp_secret_for_verify_second_factor(shopper, totp_secret):
    token = TotpDevice.objects.get(user=shopper).secret_token
    operator = UserFactory(is_superuser=True, is_staff=True)

    with pytest.raises(RevealRefused):
        privacy.reveal(token, "verify_second_factor", actor=operator)


def test_a_new_enrolment_before_confirmation_erases_the_replaced_secret(shopper):
    totp.begin_totp_enrolment(user=shopper)
    first = TotpDevice.objects.get(user=shopper).secret_token

    totp.begin_totp_enrolment(user=shopper)

    assert TotpDevice.objects.get(user=shopper).secret_token != first
    with pytest.raises(ValueErased):
        privacy.reveal(first, "verify_second_factor", actor="system: test")


def test_removing_the_app_erases_its_secret(shopper, totp_secret):
    token = TotpDevice.objects.get(user=shopper).secret_token

    totp.remove_totp(user=shopper, code=pyotp.TOTP(totp_secret).now())

    assert not TotpDevice.objects.exists()
    assert privacy.masked(token) == "erased"


@pytest.fixture
def _every_migration_applied_afterwards():
    """Migrating accounts back unapplies every migration that depends on a later one (payments,
    warranty …): put the whole schema back, or later tests on this worker find tables missing."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_every_migration_applied_afterwards")
def test_the_migration_moves_plain_text_secrets_into_the_vault_and_drops_the_column():
    before = [("accounts", "0005_sms_codes_phone_identity")]
    after = [("accounts", "0006_totp_secret_to_vault")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldUser, OldDevice = old_apps.get_model("accounts", "User"), old_apps.get_model("accounts", "TotpDevice")
    user = OldUser.objects.create(username="legacy")
    secret = pyotp.random_base32()
    OldDevice.objects.create(user=user, secret=secret, last_used_step=7)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    device = TotpDevice.objects.get(user_id=user.pk)
    assert privacy.reveal(device.secret_token, "verify_second_factor", actor="system: test") == secret
    assert device.last_used_step == 7
    columns = [
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "accounts_totpdevice")
    ]
    assert "secret" not in columns and "secret_token" in columns
    assert not in_commerce_db(secret)
