"""The privacy interface: `store(kind, value) -> token`, `reveal(token, purpose)`, `masked(token)`.

Callers never see how values are kept (see `auric/privacy/vault.py`); the security work replaces
the keeping with an encrypted, segmented vault behind these same three functions.
"""

from __future__ import annotations

from typing import Any


def store(kind: str, value: Any) -> str:
    from auric.privacy.vault import store as _store

    return _store(kind, value)


def reveal(token: str, purpose: str, *, actor: Any = None) -> Any:
    from auric.privacy.vault import reveal as _reveal

    return _reveal(token, purpose, actor=actor)


def masked(token: str) -> str:
    from auric.privacy.vault import masked as _masked

    return _masked(token)
