"""The privacy interface: personal values behind tokens, in the encrypted, segmented vault.

`store(kind, value) -> token`, `reveal(token, purpose, *, actor)`, `masked(token)`,
`find(kind, value) -> [token]` (blind index), `erase(token)` (crypto-shredding) and
`access_log_for(tokens)` (who read what, why). Callers never see how values are kept
(`auric/privacy/vault.py`, docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auric.privacy.vault import AccessEntry


def store(kind: str, value: Any) -> str:
    from auric.privacy.vault import store as _store

    return _store(kind, value)


def reveal(token: str, purpose: str, *, actor: Any = None) -> Any:
    from auric.privacy.vault import reveal as _reveal

    return _reveal(token, purpose, actor=actor)


def masked(token: str) -> str:
    from auric.privacy.vault import masked as _masked

    return _masked(token)


def find(kind: str, value: Any) -> list[str]:
    from auric.privacy.vault import find as _find

    return _find(kind, value)


def erase(token: str) -> None:
    from auric.privacy.vault import erase as _erase

    _erase(token)


def access_log_for(tokens: Iterable[str], *, include_refused: bool = False) -> list[AccessEntry]:
    from auric.privacy.vault import access_log_for as _access_log_for

    return _access_log_for(tokens, include_refused=include_refused)


def owner(user: Any) -> Any:
    """The actor for a shopper reading their own data (`reveal(token, "show_owner", actor=owner(user))`)."""
    from auric.privacy.access import Owner

    return Owner(user)
