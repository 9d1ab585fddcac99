"""Accounts: shoppers and staff share one user table; staff rights come from groups. Apps and
scripts call the API with personal bearer tokens (`ApiToken`).

Personal data beyond the login name moves to the privacy vault (a later step); this table keeps
only what authentication needs.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    preferred_language = models.CharField(max_length=10, blank=True)
    # The sign-in phone (SMS codes, docs/authentication.md) lives in the vault: a token and a mask here.
    phone_token = models.CharField(max_length=40, blank=True, db_index=True)
    phone_masked = models.CharField(max_length=20, blank=True)

    class Meta:
        db_table = "accounts_user"


class ApiToken(models.Model):
    """A bearer token for apps and scripts, acting as its user.

    Only a short prefix (to find the row) and the SHA-256 of the secret are stored; the secret is
    shown once, when `accounts.services.issue_api_token` creates it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    key_prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


# --- Second factors and step-up (see docs/authentication.md) ---------------------------------


class TotpDevice(models.Model):
    """A time-based one-time-password authenticator app (RFC 6238, 30 s steps, 6 digits).

    `last_used_step` makes codes single-use: a code is accepted only for a time step later than the
    last accepted one. The shared secret is in the personal-data vault (kind `totp_secret`, read only
    for the purpose `verify_second_factor`); this row keeps its token.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret_token = models.CharField(max_length=40, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "TOTP device"

    def __str__(self) -> str:
        return f"TOTP for {self.user}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class PasskeyCredential(models.Model):
    """A WebAuthn credential (passkey). The server keeps only the public key: biometrics never
    leave the shopper's device (COMPLIANCE D2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    name = models.CharField(max_length=80, blank=True)
    credential_id = models.CharField(max_length=1400, unique=True, help_text="base64url")
    public_key = models.BinaryField(help_text="COSE_Key")
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)
    backed_up = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "passkey"

    def __str__(self) -> str:
        return f"{self.name or 'passkey'} of {self.user}"


class AuthChallenge(models.Model):
    """A single-use, short-lived challenge: WebAuthn registration, passkey sign-in or step-up.

    `used_at` is set by a conditional update when a response is checked (successful or not), so a
    challenge can be answered once. Step-up challenges carry the `binding` (e.g. order number,
    amount, currency, payee) the resulting grant is valid for.
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", "passkey registration"
        LOGIN = "login", "passkey sign-in"
        STEP_UP = "step_up", "step-up"

    public_id = models.CharField(max_length=43, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="auth_challenges")
    kind = models.CharField(max_length=10, choices=Purpose.choices)
    challenge = models.CharField(max_length=128, help_text="base64url of the WebAuthn challenge bytes")
    step_up_purpose = models.CharField(max_length=40, blank=True)
    binding = models.JSONField(default=dict, blank=True)
    binding_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.kind} challenge {self.public_id[:8]}…"


class StepUpGrant(models.Model):
    """Proof that the user re-authenticated (passkey with user verification, TOTP, or — for an account
    with neither, see `accounts.sms_stepup` — an SMS code) for one purpose and one exact binding,
    valid until `expires_at`."""

    class Method(models.TextChoices):
        PASSKEY = "passkey", "passkey"
        TOTP = "totp", "TOTP code"
        SMS = "sms", "SMS code"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="step_up_grants")
    purpose = models.CharField(max_length=40)
    binding = models.JSONField(default=dict)
    binding_digest = models.CharField(max_length=64)
    method = models.CharField(max_length=10, choices=Method.choices)
    credential = models.ForeignKey(PasskeyCredential, on_delete=models.SET_NULL, null=True, blank=True)
    challenge = models.OneToOneField(AuthChallenge, on_delete=models.PROTECT, related_name="grant")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "binding_digest"])]

    def __str__(self) -> str:
        return f"step-up {self.purpose} for {self.user} ({self.method})"


# --- Sign-in by SMS code and identity verification (see docs/authentication.md) ----------------


class SmsCode(models.Model):
    """A one-time sign-in code sent by SMS. Neither the phone nor the code is stored: the phone as a
    keyed digest (to find the latest code and count sends), the code as a keyed hash. A code is
    `active` until it is used, replaced by a newer one, or runs out of attempts; `expires_at` ends it too."""

    class State(models.TextChoices):
        ACTIVE = "active", "active"
        USED = "used", "used"
        REPLACED = "replaced", "replaced by a newer code"
        EXHAUSTED = "exhausted", "too many wrong attempts"
        FAILED = "failed", "could not be sent"

    phone_digest = models.CharField(max_length=64)
    ip_digest = models.CharField(max_length=64, blank=True)
    code_hash = models.CharField(max_length=100, help_text="salt$HMAC-SHA256")
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "SMS sign-in code"
        indexes = [
            models.Index(fields=["phone_digest", "created_at"], name="accounts_sms_phone_created"),
            models.Index(fields=["ip_digest", "created_at"], name="accounts_sms_ip_created"),
        ]

    def __str__(self) -> str:
        return f"SMS code {self.pk} ({self.state})"


class IdentityVerification(models.Model):
    """The shopper's real name and resident ID number (COMPLIANCE D4), recorded once. The values are in
    the vault (kinds `name` and `id_number`); this row keeps their tokens and masked forms."""

    class Method(models.TextChoices):
        DECLARED = "declared", "declared by the shopper, ID checksum valid"

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="identity_verification")
    name_token = models.CharField(max_length=40)
    name_masked = models.CharField(max_length=80)
    id_number_token = models.CharField(max_length=40)
    id_number_masked = models.CharField(max_length=40)
    method = models.CharField(max_length=10, choices=Method.choices, default=Method.DECLARED)
    verified_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "identity verification"

    def __str__(self) -> str:
        return f"identity of {self.user_id}: {self.name_masked}"


# --- Data-subject rights: consents and deletion receipts (see docs/data-subject-rights.md) --------
# Consents are not secret personal values, so they live in the commerce database beside the user
# (the vault router sends only the `privacy` app to the vault); the service is auric/privacy/consents.py.


class Consent(models.Model):
    """One grant or withdrawal of one consent (COMPLIANCE D1, D6). Rows are never changed or deleted:
    the current state of a kind is its latest row; the rest is the history."""

    class Kind(models.TextChoices):
        LOCATION = "location", "location"
        BIOMETRIC_STEP_UP = "biometric_step_up", "biometric step-up"
        MARKETING = "marketing", "marketing"
        SHARE_WITH_FRANCHISEES = "share_with_franchisees", "sharing with franchisees"
        CROSS_BORDER_TRANSFER = "cross_border_transfer", "cross-border transfer"
        PERSONALISED_RECOMMENDATIONS = "personalised_recommendations", "personalised recommendations"

    class Channel(models.TextChoices):
        WEB = "web", "web"
        API = "api", "API"
        APP = "app", "app"
        STORE = "store", "in store"
        SYSTEM = "system", "system"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    granted = models.BooleanField()
    text_version = models.CharField(max_length=40, blank=True)
    text = models.TextField(blank=True, help_text="The exact consent text shown")
    language = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "kind", "-at"])]

    def __str__(self) -> str:
        return f"{self.kind} {'granted' if self.granted else 'withdrawn'} by {self.user_id}"


class DeletionReceipt(models.Model):
    """What a self-service account deletion erased (COMPLIANCE D3): when, how it was confirmed, counts."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="deletion_receipt")
    reference = models.CharField(max_length=40, unique=True)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.CharField(max_length=10)
    erased_values = models.JSONField(default=dict, help_text="Vault values erased, by kind")
    orders_anonymised = models.PositiveIntegerField(default=0)
    passkeys_removed = models.PositiveIntegerField(default=0)
    api_tokens_removed = models.PositiveIntegerField(default=0)
    totp_removed = models.BooleanField(default=False)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"deletion {self.reference}"
