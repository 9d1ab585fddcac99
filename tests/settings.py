"""Test settings: the real settings with fast hashing, plain-HTTP cookies and a private media dir."""

import os
import tempfile

os.environ.setdefault("AURIC_VAR_DIR", os.path.join(tempfile.gettempdir(), "auric-test-var"))
os.environ.setdefault("AURIC_MEDIA_ROOT", tempfile.mkdtemp(prefix="auric-test-media-"))

from auric.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
