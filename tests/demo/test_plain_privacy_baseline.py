"""The benchmark's no-vault baseline can never be switched on in a running shop by mistake."""

from __future__ import annotations

import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from auric import privacy

MODULE = "auric.demo.plain_privacy"


def _fresh_import():
    sys.modules.pop(MODULE, None)
    return importlib.import_module(MODULE)


def test_the_baseline_refuses_to_load_outside_the_benchmark(settings):
    settings.AURIC_BENCH_VIEWS = False
    with pytest.raises(ImproperlyConfigured, match="benchmark baseline"):
        _fresh_import()


@pytest.mark.django_db
def test_the_baseline_masks_like_the_vault_but_keeps_the_value_readable_in_the_commerce_database(settings):
    from auric.demo.models import PlainPersonalValue

    settings.AURIC_BENCH_VIEWS = True
    baseline = _fresh_import()

    token, masked = baseline.store_masked("phone", "13812345678")

    assert masked == "138****5678"
    assert PlainPersonalValue.objects.get(token=token).value == "13812345678"
    assert baseline.reveal(token, "ship_parcel") == "13812345678"


def test_the_shop_uses_the_vault_by_default():
    assert privacy._backend().__name__ == "auric.privacy.vault"


@pytest.mark.django_db
def test_the_baseline_lets_a_failed_checkout_roll_its_values_back_with_the_order(settings):
    from django.db import transaction

    from auric.demo.models import PlainPersonalValue

    settings.AURIC_BENCH_VIEWS = True
    baseline = _fresh_import()

    with pytest.raises(RuntimeError), transaction.atomic():
        baseline.store_many([("phone", "13812345678"), ("name", "张三")])
        transaction.set_rollback(True)
        baseline.erase("pv_anything")  # a doomed transaction: nothing to delete, no query attempted
        raise RuntimeError("piece taken")

    assert not PlainPersonalValue.objects.exists()
