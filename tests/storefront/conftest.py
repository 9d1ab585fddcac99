from __future__ import annotations

import pytest
from django.utils import translation

from tests.storefront.shop import Shop, build_shop


@pytest.fixture
def shop(db) -> Shop:
    return build_shop()


@pytest.fixture(autouse=True)
def chinese_by_default():
    # Pages are Chinese unless the shopper switches; tests start from the site default.
    with translation.override("zh-hans"):
        yield
