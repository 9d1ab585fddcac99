"""Argon2 password hashing; PBKDF2 hashes from before still work and are upgraded at login."""

from __future__ import annotations

import importlib

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.test import override_settings

from auric.accounts.models import User

pytestmark = pytest.mark.django_db


def production_hashers() -> list[str]:
    # tests/settings.py swaps in a fast hasher; the real settings module is what production runs
    return list(importlib.import_module("auric.settings").PASSWORD_HASHERS)


def test_production_settings_hash_passwords_with_argon2_first():
    hashers = production_hashers()

    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers  # old hashes still verify


def test_a_new_password_is_stored_as_an_argon2id_hash():
    with override_settings(PASSWORD_HASHERS=production_hashers()):
        user = User.objects.create_user(username="argon", password="a long enough secret")

    assert user.password.startswith("argon2$argon2id$")


def test_a_pbkdf2_hash_still_verifies_and_is_upgraded_to_argon2_at_login():
    with override_settings(PASSWORD_HASHERS=production_hashers()):
        legacy = make_password("an old password here", hasher="pbkdf2_sha256")
        user = User.objects.create(username="legacy", password=legacy)

        signed_in = authenticate(username="legacy", password="an old password here")

    assert signed_in == user
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    with override_settings(PASSWORD_HASHERS=production_hashers()):
        assert user.check_password("an old password here")
