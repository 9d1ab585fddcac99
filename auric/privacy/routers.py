"""Sends the privacy app's tables to the `vault` database alias and nothing else there.

The commerce database never holds personal values; the vault database holds nothing but them. When
no `vault` alias is configured (a bare settings module), everything stays on `default`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

VAULT = "vault"
APP_LABEL = "privacy"
# A migration hint: the operation cleans the commerce database (drops the pre-vault plaintext tables).
COMMERCE_CLEANUP = "privacy_commerce_cleanup"


def _has_vault() -> bool:
    return VAULT in settings.DATABASES


class VaultRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return VAULT if model._meta.app_label == APP_LABEL and _has_vault() else None  # type: ignore[attr-defined]

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return self.db_for_read(model, **hints)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        in_vault = {obj1._meta.app_label == APP_LABEL, obj2._meta.app_label == APP_LABEL}
        # Vault rows relate to vault rows only: no foreign key crosses the two databases.
        return True if in_vault == {True} else (False if True in in_vault else None)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        if hints.get(COMMERCE_CLEANUP):
            return db != VAULT
        if not _has_vault():
            return None
        if app_label == APP_LABEL:
            return db == VAULT
        return False if db == VAULT else None
