"""The privacy interface: personal values behind tokens, in the encrypted, segmented vault.

`store(kind, value) -> token`, `store_many([(kind, value)])`, `reveal(token, purpose, *, actor)`, `masked(token)`,
`find(kind, value) -> [token]` (blind index), `erase(token)` (crypto-shredding) and
`access_log_for(tokens)` (who read what, why). Callers never see how values are kept
(`auric/privacy/vault.py`, docs/privacy.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auric.privacy.vault import AccessEntry


@cache
def _backend() -> ModuleType:
    """The module that keeps the values: the vault, unless AURIC_PRIVACY_BACKEND names another with the
    same functions (the benchmark's no-vault baseline does; nothing else should)."""
    from importlib import import_module

    from django.conf import settings

    return import_module(getattr(settings, "AURIC_PRIVACY_BACKEND", "auric.privacy.vault"))


# Tokens stored inside `erased_on_error()` blocks, innermost last.
_staged: ContextVar[list[str] | None] = ContextVar("auric_privacy_staged", default=None)


def store(kind: str, value: Any) -> str:
    return store_masked(kind, value)[0]


def store_masked(kind: str, value: Any) -> tuple[str, str]:
    """`store` and `masked` in one call (and one round trip fewer): (token, masked form)."""
    return store_many([(kind, value)])[0]


def store_many(items: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Several `store_masked` calls in one round trip to the vault: [(token, masked form)] in order."""
    stored = _backend().store_many(items)
    staged = _staged.get()
    if staged is not None:
        staged.extend(token for token, _ in stored)
    return stored


@contextmanager
def erased_on_error() -> Iterator[None]:
    """Values stored inside the block are erased if it raises. The vault is another database, so a
    commerce transaction that rolls back (a piece sold meanwhile, a coupon used up) cannot take them
    with it; this keeps a failed checkout from leaving personal data behind."""
    staged: list[str] = []
    reset = _staged.set(staged)
    try:
        yield
    except BaseException:
        for token in staged:
            try:
                erase(token)
            except Exception:  # the original error matters more; the leftover is logged
                logging.getLogger(__name__).exception("privacy: could not erase %s after a failed block", token)
        raise
    finally:
        _staged.reset(reset)
        outer = _staged.get()
        if outer is not None:
            outer.extend(staged)  # an enclosing block still answers for them


def reveal(token: str, purpose: str, *, actor: Any = None) -> Any:
    return _backend().reveal(token, purpose, actor=actor)


def masked(token: str) -> str:
    return _backend().masked(token)


def find(kind: str, value: Any) -> list[str]:
    return _backend().find(kind, value)


def erase(token: str) -> None:
    _backend().erase(token)


def access_log_for(tokens: Iterable[str], *, include_refused: bool = False) -> list[AccessEntry]:
    return _backend().access_log_for(tokens, include_refused=include_refused)


def owner(user: Any) -> Any:
    """The actor for a shopper reading their own data (`reveal(token, "show_owner", actor=owner(user))`)."""
    from auric.privacy.access import Owner

    return Owner(user)
