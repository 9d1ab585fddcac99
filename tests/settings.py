"""Test settings: the real settings with fast hashing, plain-HTTP cookies and a private media dir."""

import os
import tempfile

os.environ.setdefault("AURIC_VAR_DIR", os.path.join(tempfile.gettempdir(), "auric-test-var"))
os.environ.setdefault("AURIC_MEDIA_ROOT", tempfile.mkdtemp(prefix="auric-test-media-"))

from auric.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
# The suite calls the same endpoints many times; rate-limit tests turn limits on with override_settings.
AURIC_RATE_LIMITS = False
# Feature tests start from stock that is ready to sell, received without naming a supplier;
# tests/quality turn the gates and the supplier rule on where they test them.
AURIC_QC_INBOUND_GATE = AURIC_QC_OUTBOUND_GATE = AURIC_SUPPLIER_RECEIPTS_REQUIRED = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# SQLite tests use a file database, not the shared in-memory one: concurrency tests need real
# connections per thread with SQLite's file locking (busy timeout, IMMEDIATE transactions).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and "TEST" not in DATABASES["default"]:  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(VAR_DIR, f"test-{os.getpid()}.sqlite3")}  # noqa: F405
if DATABASES["vault"]["ENGINE"] == "django.db.backends.sqlite3" and "TEST" not in DATABASES["vault"]:  # noqa: F405
    DATABASES["vault"]["TEST"] = {"NAME": os.path.join(VAR_DIR, f"test-{os.getpid()}-vault.sqlite3")}  # noqa: F405
