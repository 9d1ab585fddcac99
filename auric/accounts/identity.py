"""Identity verification for large purchases (COMPLIANCE D4): real name and resident ID number.

A customer whose purchases of one business day reach `AURIC_STEP_UP_THRESHOLD` gives their real
name and PRC resident identity number once (`verify_identity`). The number must be a valid 18-character
citizen identity number (GB 11643-1999: 6-digit area code, birth date, sequence code, and the ISO
7064 MOD 11-2 check character). Both values go to the personal-data vault (kinds `name` and
`id_number`); `IdentityVerification` keeps the tokens, the masked forms and the time. The compliance
officer reveals them for the purpose `verify_identity`. The check is the checksum and the date: a
real-name check against the public-security identity service can replace `Method.DECLARED` later.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import IntegrityError, transaction
from django.utils import timezone

from auric import privacy
from auric.accounts.models import IdentityVerification, User
from auric.core.errors import Conflict, PermissionDenied, ValidationFailed
from auric.privacy.models import Kind

IDENTITY_PATH = "/api/v1/account/identity"

# GB 11643-1999: weights 2^(17-i) mod 11 for the first 17 digits; the check character by sum mod 11.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_ID_SHAPE = re.compile(r"[1-9]\d{16}[\dX]")
# Letters of any script, with the separators names use: spaces, the middle dots of transliterated
# names (阿依古丽·买买提), hyphens, apostrophes and full stops.
_NAME_SEPARATORS = frozenset(" ·•・-'.")
NAME_MAX = 60


class IdentityVerificationRequired(PermissionDenied):
    code = "identity_verification_required"
    title = "Verify your identity to continue"


def check_digit(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return _CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def clean_id_number(value: str) -> str:
    """The resident ID number, upper case without spaces; ValidationFailed unless it is well formed,
    its birth date is a real past date and its check character matches (GB 11643-1999)."""
    text = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", str(value or ""))).upper()
    if not _ID_SHAPE.fullmatch(text):
        raise ValidationFailed(errors={"id_number": ["A resident ID number has 17 digits and a digit or X"]})
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValidationFailed(errors={"id_number": ["The birth date in the ID number is not a date"]}) from None
    if born.year < 1900 or born > timezone.localdate():
        raise ValidationFailed(errors={"id_number": ["The birth date in the ID number is not possible"]})
    if check_digit(text[:17]) != text[17]:
        raise ValidationFailed(errors={"id_number": ["The ID number's check character does not match"]})
    return text


def clean_name(value: str) -> str:
    text = " ".join(unicodedata.normalize("NFKC", str(value or "")).split())
    letters = [ch for ch in text if ch not in _NAME_SEPARATORS]
    if not 2 <= len(text) <= NAME_MAX or not letters or not all(ch.isalpha() for ch in letters):
        raise ValidationFailed(errors={"name": ["Your name as on your identity card"]})
    return text


def verification_of(user: User) -> IdentityVerification | None:
    return IdentityVerification.objects.filter(user=user).first()


def verify_identity(*, user: User, name: str, id_number: str) -> IdentityVerification:
    """Record the user's real name and ID number once (409 if already done)."""
    cleaned_name, cleaned_number = clean_name(name), clean_id_number(id_number)
    if IdentityVerification.objects.filter(user=user).exists():
        raise Conflict("Your identity is already verified.", code_detail="identity_verified")
    try:
        with privacy.erased_on_error(), transaction.atomic():
            name_token, name_masked = privacy.store_masked(Kind.NAME, cleaned_name)
            number_token, number_masked = privacy.store_masked(Kind.ID_NUMBER, cleaned_number)
            return IdentityVerification.objects.create(
                user=user,
                name_token=name_token,
                name_masked=name_masked[:80],
                id_number_token=number_token,
                id_number_masked=number_masked[:40],
            )
    except IntegrityError as exc:  # a simultaneous request recorded it first; ours is erased
        raise Conflict("Your identity is already verified.", code_detail="identity_verified") from exc


def require_identity_verification(*, user: User) -> IdentityVerification:
    """The user's verification, or IdentityVerificationRequired (403) saying how to give it."""
    record = verification_of(user)
    if record is not None:
        return record
    raise IdentityVerificationRequired(
        "Purchases of this value need your real name and resident ID number once (anti-money-laundering rules).",
        verify={"method": "POST", "href": IDENTITY_PATH, "body": {"name": "", "id_number": ""}},
    )
