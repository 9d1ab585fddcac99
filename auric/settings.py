"""Settings for Auric.

Everything that differs between a laptop and production comes from the environment; the defaults
are the embedded setup (SQLite, in-process jobs, local-memory cache) so the shop runs with no other
service. See docs/configuration.md for every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AURIC_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    # Production passes AURIC_SECRET_KEY; a laptop gets a random key kept beside its database.
    if key := os.environ.get("AURIC_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("AURIC_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("AURIC_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("AURIC_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# The shop's public address (e.g. https://shop.example.cn): printed QR labels link there whatever
# host the back office runs on. Empty: the address of the request that printed them.
AURIC_PUBLIC_URL = os.environ.get("AURIC_PUBLIC_URL", "")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "auric.core",
    "auric.accounts",
    "auric.privacy",
    "auric.catalog",
    "auric.pricing",
    "auric.inventory",
    "auric.quality",
    "auric.provenance",
    "auric.checkout",
    "auric.orders",
    "auric.payments",
    "auric.warranty",
    "auric.risk",
    "auric.storefront",
    "auric.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "auric.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client (IP network, device, user agent) for risk scoring; ends a sign-in it blocks.
    "auric.risk.middleware.RiskContextMiddleware",
    # Auditors: every unsafe request to the back office is refused (403), whatever the view.
    "auric.accounts.middleware.ReadOnlyRoleMiddleware",
    # After authentication (a signed-in account is its own client), before any view runs.
    "auric.core.ratelimit.RateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "auric.urls"
WSGI_APPLICATION = "auric.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "auric" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "auric.sqlite3"
SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN so concurrent writers queue instead of failing
    # mid-transaction; WAL lets readers run beside the writer.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", SQLITE_OPTIONS)
# The personal-data vault has its own database (docs/privacy.md): a second SQLite file by default; on
# PostgreSQL the same server's "<name>_vault" database unless AURIC_VAULT_DATABASE_URL names another
# (production: a separate database and role, so the commerce role cannot read it).
if _vault_database_url := os.environ.get("AURIC_VAULT_DATABASE_URL"):
    DATABASES["vault"] = dj_database_url.parse(_vault_database_url, conn_max_age=60)
    DATABASES["vault"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["vault"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "vault.sqlite3")}
else:
    DATABASES["vault"] = {**DATABASES["default"], "NAME": f"{DATABASES['default']['NAME']}_vault"}
if DATABASES["vault"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["vault"].setdefault("OPTIONS", SQLITE_OPTIONS)
# PostgreSQL: server-side parameter binding, so psycopg prepares a statement the fifth time a
# connection runs it and PostgreSQL stops parsing and planning it again (docs/adr/0012). Behind a
# transaction-pooling PgBouncer older than 1.21, set AURIC_PG_SERVER_SIDE_BINDING=0.
_server_side_binding = env_bool("AURIC_PG_SERVER_SIDE_BINDING", True)
for _alias in ("default", "vault"):
    if _server_side_binding and DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES[_alias].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
if test_name := os.environ.get("AURIC_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": test_name}
    DATABASES["vault"]["TEST"] = {"NAME": f"{test_name}_vault"}
DATABASE_ROUTERS = ["auric.privacy.routers.VaultRouter"]
# Vault keys: base64 32-byte keys from the environment (comma-separated, current first) or from files
# (one a line, current first); empty means dev keys generated under VAR_DIR/vault-keys/ on first use.
AURIC_VAULT_KEK = os.environ.get("AURIC_VAULT_KEK", "")
AURIC_VAULT_KEK_FILE = os.environ.get("AURIC_VAULT_KEK_FILE", "")
AURIC_VAULT_INDEX_KEY = os.environ.get("AURIC_VAULT_INDEX_KEY", "")
AURIC_VAULT_INDEX_KEY_FILE = os.environ.get("AURIC_VAULT_INDEX_KEY_FILE", "")
# A class with from_settings() implementing auric.privacy.keys.KeyProvider (e.g. a cloud KMS adapter).
AURIC_VAULT_KEY_PROVIDER = os.environ.get("AURIC_VAULT_KEY_PROVIDER", "auric.privacy.keys.LocalKeyProvider")
# The module behind auric.privacy (store/reveal/masked/find/erase). Only the benchmark's no-vault
# baseline (auric.demo.plain_privacy, refused unless AURIC_BENCH_VIEWS=1) ever replaces the vault.
AURIC_PRIVACY_BACKEND = os.environ.get("AURIC_PRIVACY_BACKEND", "auric.privacy.vault")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache ----------------------------------------------------------------------------------
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Passwords and sessions -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first; older PBKDF2 hashes still verify and are re-hashed with Argon2 at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# --- Login throttling, passkeys (WebAuthn) and step-up (docs/authentication.md) ------------
AURIC_LOGIN_MAX_FAILURES = 5  # per account name within the window, then locked
AURIC_LOGIN_MAX_FAILURES_PER_IP = 30  # per client IP within the window, then locked
AURIC_LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
AURIC_LOGIN_LOCKOUT_SECONDS = 15 * 60
AURIC_WEBAUTHN_RP_ID = os.environ.get("AURIC_WEBAUTHN_RP_ID", "localhost")
AURIC_WEBAUTHN_RP_NAME = os.environ.get("AURIC_WEBAUTHN_RP_NAME", "Auric")
AURIC_WEBAUTHN_ORIGINS = os.environ.get("AURIC_WEBAUTHN_ORIGINS", "http://localhost:8000").split(",")
AURIC_WEBAUTHN_CHALLENGE_SECONDS = 300  # at most 5 minutes (COMPLIANCE D2)
AURIC_STEP_UP_THRESHOLD = "100000.00"  # Decimal text (as AURIC_SHIPPING_FEE); totals at or above need step-up
AURIC_STEP_UP_THRESHOLD_CURRENCY = "CNY"
AURIC_STEP_UP_GRANT_MINUTES = 5  # how long a step-up grant stays fresh
AURIC_PAYEE = os.environ.get("AURIC_PAYEE", "Auric")  # the merchant a step-up for a payment names
# Sign-in by SMS code (auric/accounts/sms_login.py, docs/authentication.md).
AURIC_SMS_BACKEND = os.environ.get("AURIC_SMS_BACKEND", "auric.accounts.sms.ConsoleBackend")
AURIC_SMS_TENCENT = {  # for auric.accounts.sms.TencentCloudBackend
    "secret_id": os.environ.get("AURIC_SMS_TENCENT_SECRET_ID", ""),
    "secret_key": os.environ.get("AURIC_SMS_TENCENT_SECRET_KEY", ""),
    "sdk_app_id": os.environ.get("AURIC_SMS_TENCENT_SDK_APP_ID", ""),
    "sign_name": os.environ.get("AURIC_SMS_TENCENT_SIGN_NAME", ""),
    "region": os.environ.get("AURIC_SMS_TENCENT_REGION", "ap-guangzhou"),
    # our template name -> the approved Tencent template id; both take (code, minutes)
    "templates": {
        "sign_in_code": os.environ.get("AURIC_SMS_TENCENT_SIGN_IN_TEMPLATE", ""),
        "step_up_code": os.environ.get("AURIC_SMS_TENCENT_STEP_UP_TEMPLATE", ""),
    },
}
AURIC_SMS_CODE_SECONDS = 300  # a code's lifetime
AURIC_SMS_MAX_ATTEMPTS = 5  # wrong tries per code before it is void
AURIC_SMS_RESEND_SECONDS = 60  # between two codes to one number
AURIC_SMS_MAX_PER_HOUR_PER_PHONE = 5
AURIC_SMS_MAX_PER_HOUR_PER_IP = 20
AURIC_SMS_SIGNUP = env_bool("AURIC_SMS_SIGNUP", True)  # a first verified sign-in creates a shopper account
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:home"
LOGOUT_REDIRECT_URL = "storefront:home"

# Cookies are Secure unless the shop is explicitly served over plain HTTP on loopback (the demo).
SECURE_COOKIES = env_bool("AURIC_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("AURIC_HTTPS", False):
    # Production behind TLS (docs/security.md): redirect, HSTS for a year on every subdomain,
    # and the preload flag (which only makes the domain eligible; submitting it is a manual step).
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes talk plain HTTP inside the cluster
    SECURE_HSTS_SECONDS = int(os.environ.get("AURIC_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("AURIC_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("AURIC_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp, ADR 0006): strict on the storefront, no inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The back office (unfold, Alpine.js) and Swagger UI need inline script and eval: own origin only.
CONTENT_SECURITY_POLICY_RELAXED = {
    "PATH_PREFIXES": ["/admin/", "/api/v1/docs", "/api/docs"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Rate limits (auric/core/ratelimit.py, docs/security.md): per client — the signed-in account,
# else the IP — in the default cache (Redis in production). AURIC_RATE_LIMITS=0 turns all off.
AURIC_RATE_LIMITS = env_bool("AURIC_RATE_LIMITS", True)
# How many reverse proxies append to X-Forwarded-For in front of the app; 0: use REMOTE_ADDR.
AURIC_RATE_TRUSTED_PROXIES = int(os.environ.get("AURIC_RATE_TRUSTED_PROXIES", "0"))
# A bearer token counts as its account only if this resolves it to an active user.
AURIC_RATE_BEARER_RESOLVER = "auric.accounts.services.authenticate_api_token"
# (methods, path regex, bucket, rate); rows with the same bucket share one counter.
AURIC_RATE_RULES = [
    ("POST", r"^/api/v1/auth/", "auth", "10/m"),
    ("POST", r"^/account/(login|login/phone|login/phone/code|register)/$", "auth", "10/m"),
    ("POST", r"^/api/v1/checkout$", "checkout", "10/m"),
    ("POST", r"^/checkout/$", "checkout", "10/m"),
    ("GET", r"^/search$", "search", "60/m"),
    ("GET", r"^/api/v1/search$", "search", "60/m"),
    ("GET", r"^/verify/certificate$", "certificate-check", "60/m"),
    ("GET", r"^/p/[^/]+(/qr\.svg)?$", "piece-history", "120/m"),
    ("POST", r"^/api/v1/payments/[^/]+/webhook$", "webhook", "300/m"),
    ("POST", r"^/api/v1/provenance/statements$", "provenance", "120/m"),
]

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "auric" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("AURIC_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
AURIC_MAX_IMAGE_BYTES = 15 * 1024 * 1024
AURIC_MAX_IMAGE_PIXELS = 40_000_000  # decompression-bomb guard for uploads
AURIC_MAX_MODEL_BYTES = 30 * 1024 * 1024
AURIC_MAX_CSV_BYTES = 20 * 1024 * 1024

# --- Commerce defaults ----------------------------------------------------------------------
AURIC_DEFAULT_CURRENCY = "CNY"
AURIC_RESERVATION_MINUTES = 30
# Quality gates (SPEC S4, docs/quality.md): received pieces wait for their inbound inspection before
# they can be sold; orders ship or are handed over only after an outbound re-check of each piece.
AURIC_QC_INBOUND_GATE = env_bool("AURIC_QC_INBOUND_GATE", True)
AURIC_QC_OUTBOUND_GATE = env_bool("AURIC_QC_OUTBOUND_GATE", True)
# A new piece is received only from an approved supplier whose required certifications are valid
# that day (docs/suppliers.md).
AURIC_SUPPLIER_RECEIPTS_REQUIRED = env_bool("AURIC_SUPPLIER_RECEIPTS_REQUIRED", True)
# No-reason return windows (rule R1/R2): from delivery or pickup; EU addresses get 14 days.
AURIC_RETURN_WINDOW_DAYS = 7
AURIC_EU_RETURN_WINDOW_DAYS = 14
# Events are delivered in-process right after commit; production may hand them to workers.
AURIC_DISPATCH_EVENTS_ON_COMMIT = env_bool("AURIC_DISPATCH_EVENTS_ON_COMMIT", True)
AURIC_EVENT_MAX_ATTEMPTS = 8
# Exposes /bench/bare, the ceiling the benchmark compares against.
AURIC_BENCH_VIEWS = env_bool("AURIC_BENCH_VIEWS", False)
# Back-office CSV imports run in a background thread with a progress bar; tests may run them inline.
AURIC_ADMIN_JOBS_IN_THREAD = env_bool("AURIC_ADMIN_JOBS_IN_THREAD", True)
# The sandbox payment provider (hosted test page, test hook); production sets it False.
AURIC_SANDBOX_PAYMENTS = env_bool("AURIC_SANDBOX_PAYMENTS", True)
# Signs sandbox callbacks; empty means derived from SECRET_KEY (HKDF-SHA256).
AURIC_SANDBOX_PAYMENTS_SECRET = os.environ.get("AURIC_SANDBOX_PAYMENTS_SECRET", "")
# Checkout: unpaid orders are cancelled after this; weight-priced pieces keep their price this long.
AURIC_UNPAID_ORDER_MINUTES = 30
AURIC_PRICE_LOCK_MINUTES = 15
AURIC_SHIPPING_FEE = "15.00"  # CNY per parcel
AURIC_FREE_SHIPPING_THRESHOLD = "500.00"  # goods value after discounts at or above this ships free
AURIC_INSURED_SHIPPING_THRESHOLD = "10000.00"  # goods value at or above this ships insured
AURIC_INSURED_SHIPPING_FEE = "50.00"
AURIC_PICKUP_TRANSFER_DAYS = 2  # lead time when the pickup store must receive a piece by transfer

# --- Provenance transparency log (docs/provenance.md) -------------------------------------------
# The log's name in its checkpoints (C2SP tlog-checkpoint origin); the log key carries this name.
AURIC_PROVENANCE_ORIGIN = os.environ.get("AURIC_PROVENANCE_ORIGIN", "auric.localhost/provenance")
# Checkpoint signing key (PRIVATE+KEY+… string or a file); empty means a dev key under VAR_DIR/provenance/.
AURIC_PROVENANCE_LOG_KEY = os.environ.get("AURIC_PROVENANCE_LOG_KEY", "")
AURIC_PROVENANCE_LOG_KEY_FILE = os.environ.get("AURIC_PROVENANCE_LOG_KEY_FILE", "")
# Seed of the platform's own parties' keys (base64 ≥ 32 bytes, or a file); empty means a dev seed.
AURIC_PROVENANCE_CUSTODY_SEED = os.environ.get("AURIC_PROVENANCE_CUSTODY_SEED", "")
AURIC_PROVENANCE_CUSTODY_SEED_FILE = os.environ.get("AURIC_PROVENANCE_CUSTODY_SEED_FILE", "")
# Most entries the sequencer integrates under one checkpoint.
AURIC_PROVENANCE_BATCH = int(os.environ.get("AURIC_PROVENANCE_BATCH", "2000"))
# Witnesses that cosign checkpoints: one "name vkey url" a line (C2SP tlog-witness); and how many
# of them a checkpoint needs (the quorum in /log/policy).
AURIC_PROVENANCE_WITNESSES = os.environ.get("AURIC_PROVENANCE_WITNESSES", "")
AURIC_PROVENANCE_WITNESS_QUORUM = int(os.environ.get("AURIC_PROVENANCE_WITNESS_QUORUM", "0"))
# Integrate right after a submission commits (laptops, tests); production may run `sequence_log --loop`.
AURIC_PROVENANCE_SEQUENCE_ON_COMMIT = env_bool("AURIC_PROVENANCE_SEQUENCE_ON_COMMIT", True)

# --- Risk engine (docs/risk.md) ---------------------------------------------------------------
AURIC_RISK_REVIEW_HOURS = 24  # a held unpaid order (and its stock) waits this long for a review
AURIC_RISK_VALUE_BASELINE = "10000.00"  # the least "usual order value" a total is compared with

# --- Admin theme ----------------------------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": "Auric",
    "SITE_HEADER": "Auric",
    "SITE_SUBHEADER": "Back office",
    "SITE_SYMBOL": "diamond",
    "SHOW_VIEW_ON_SITE": False,
    # Home page: catalog size, stock value, metal prices, outbox (docs/back-office.md).
    "DASHBOARD_CALLBACK": "auric.backoffice.dashboard.dashboard_callback",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        # Built per request so each link shows only to users allowed to open it.
        "navigation": "auric.backoffice.navigation.sidebar_navigation",
    },
    "COLORS": {
        # A warm gold primary (OKLCH), replacing the default violet.
        "primary": {
            "50": "oklch(98.7% .026 102.212)",
            "100": "oklch(97.3% .071 103.193)",
            "200": "oklch(94.5% .129 101.54)",
            "300": "oklch(90.5% .182 98.111)",
            "400": "oklch(85.2% .199 91.936)",
            "500": "oklch(79.5% .184 86.047)",
            "600": "oklch(68.1% .162 75.834)",
            "700": "oklch(55.4% .135 66.442)",
            "800": "oklch(47.6% .114 61.907)",
            "900": "oklch(42.1% .095 57.708)",
            "950": "oklch(28.6% .066 53.813)",
        },
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("AURIC_LOG_LEVEL", "WARNING")},
}

EMAIL_BACKEND = os.environ.get("AURIC_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
