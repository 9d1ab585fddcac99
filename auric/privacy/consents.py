"""Consents (COMPLIANCE D1) and the personalisation switch (D6).

Every grant or withdrawal is a new `accounts.Consent` row with the version id and the exact text the
shopper was shown, the language, the channel and the time; the current state of a kind is its latest
row, and the history is never rewritten. Consent texts are versioned legal texts (`TEXTS`), not
gettext messages: changing a text means adding a new version, so a row always says what was agreed to.

Defaults when a shopper never chose: every D1 consent is off (opt-in, PIPL Arts. 14, 29);
personalised recommendations are on and can be switched off at any time (opt-out, PIPL Art. 24).
Prices never depend on a shopper's profile, whatever the switch says (D6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import translation

from auric.accounts.models import Consent
from auric.core.errors import ValidationFailed

Kind = Consent.Kind
Channel = Consent.Channel
KINDS: tuple[str, ...] = tuple(Kind.values)
# PIPL Art. 24: personalisation may be on by default if the shopper can easily switch it off.
DEFAULT_ON = frozenset({Kind.PERSONALISED_RECOMMENDATIONS.value})


@dataclass(frozen=True)
class ConsentText:
    version: str
    en: str
    zh_hans: str

    def in_language(self, language: str | None) -> tuple[str, str]:
        """(language code, text) for the language the shopper sees."""
        if (language or "").lower().startswith("zh"):
            return "zh-hans", self.zh_hans
        return "en", self.en


# kind -> versions, oldest first; the last one is what the pages show today.
TEXTS: dict[str, tuple[ConsentText, ...]] = {
    Kind.LOCATION: (
        ConsentText(
            "location-2026-11",
            "Auric may use your device location to show nearby stores and pickup options. "
            "Your location is used for that search only and is not kept in your profile.",
            "Auric 可使用您设备的位置信息，为您显示附近门店和自提选项。位置信息仅用于该次查询，不会保存在您的资料中。",
        ),
    ),
    Kind.BIOMETRIC_STEP_UP: (
        ConsentText(
            "biometric-2026-11",
            "You may confirm high-value payments with your fingerprint or face on your own device (a passkey). "
            "Auric never receives or stores biometric data; a code from an authenticator app always works instead.",
            "您可在自己的设备上使用指纹或面容（通行密钥）确认大额支付。Auric 不会接收或保存任何生物识别数据；"
            "您也始终可以改用身份验证器应用中的验证码。",
        ),
    ),
    Kind.MARKETING: (
        ConsentText(
            "marketing-2026-11",
            "Auric may send you news about collections, events and offers by SMS, e-mail and app notifications. "
            "You can withdraw at any time.",
            "Auric 可通过短信、电子邮件和应用通知向您发送新品、活动和优惠信息。您可随时撤回。",
        ),
    ),
    Kind.SHARE_WITH_FRANCHISEES: (
        ConsentText(
            "franchisees-2026-11",
            "Auric may share your name, contact details and order history with the franchised store you buy from "
            "or pick up at, so that it can serve you (after-sales, resizing, cleaning).",
            "Auric 可将您的姓名、联系方式和订单记录提供给您购买或自提的加盟门店，以便其为您提供售后、改圈和清洗等服务。",
        ),
    ),
    Kind.CROSS_BORDER_TRANSFER: (
        ConsentText(
            "cross-border-2026-11",
            "Auric may transfer your order and contact details outside mainland China when you order for delivery "
            "abroad or use a service hosted abroad; the recipient, purpose and your rights are listed in the "
            "privacy notice.",
            "当您下单寄往境外或使用境外托管的服务时，Auric 可将您的订单和联系信息传输至中国大陆境外；"
            "接收方、目的及您的权利见隐私政策。",
        ),
    ),
    Kind.PERSONALISED_RECOMMENDATIONS: (
        ConsentText(
            "personalisation-2026-11",
            "Auric may suggest pieces based on what you viewed and bought. Switch this off to see the same "
            "suggestions as everyone else. Prices are the same for everyone either way.",
            "Auric 可根据您的浏览和购买记录为您推荐商品。关闭后，您将看到与其他人相同的推荐。无论开关与否，价格对所有人都相同。",
        ),
    ),
}


def current_text(kind: str) -> ConsentText:
    return TEXTS[_check_kind(kind)][-1]


def _check_kind(kind: Any) -> str:
    if kind not in KINDS:
        raise ValidationFailed(f"Unknown consent: {kind}", errors={"kind": [f"One of {', '.join(KINDS)}"]})
    return str(kind)


def _text_for(kind: str, version: str) -> ConsentText:
    for text in TEXTS[kind]:
        if text.version == version:
            return text
    raise ValidationFailed(
        "This consent text version does not exist",
        errors={"text_version": [f"Current version: {current_text(kind).version}"]},
    )


def _check_user(user: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ValidationFailed("Consents belong to an active account", errors={"user": ["Sign in first"]})


def _check_channel(channel: str) -> str:
    if channel not in Channel.values:
        raise ValidationFailed(
            f"Unknown channel: {channel}", errors={"channel": [f"One of {', '.join(Channel.values)}"]}
        )
    return channel


def grant(
    user: Any, kind: str, text_version: str, *, channel: str = Channel.WEB, language: str | None = None
) -> Consent:
    """The shopper agrees to `kind` as worded by `text_version` (stored verbatim, in the language shown)."""
    kind = _check_kind(kind)
    _check_user(user)
    text = _text_for(kind, text_version)
    shown_language, shown = text.in_language(language or translation.get_language())
    with transaction.atomic():
        return Consent.objects.create(
            user=user,
            kind=kind,
            granted=True,
            text_version=text.version,
            text=shown,
            language=shown_language,
            channel=_check_channel(channel),
        )


def withdraw(user: Any, kind: str, *, channel: str = Channel.WEB) -> Consent:
    """The shopper withdraws `kind` (or switches personalisation off). Always allowed; history is kept."""
    kind = _check_kind(kind)
    _check_user(user)
    with transaction.atomic():
        return Consent.objects.create(user=user, kind=kind, granted=False, channel=_check_channel(channel))


@dataclass(frozen=True)
class ConsentState:
    kind: str
    granted: bool
    is_default: bool
    text_version: str = ""
    at: datetime | None = None
    channel: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "granted": self.granted,
            "is_default": self.is_default,
            "text_version": self.text_version,
            "at": self.at.isoformat() if self.at else None,
            "channel": self.channel,
        }


def current(user: Any) -> dict[str, ConsentState]:
    """Each kind's state now (the latest row, or the default when the shopper never chose). One query."""
    states = {kind: ConsentState(kind=kind, granted=kind in DEFAULT_ON, is_default=True) for kind in KINDS}
    if user is None or not getattr(user, "is_authenticated", False):
        return {kind: ConsentState(kind=kind, granted=False, is_default=True) for kind in KINDS}
    for row in Consent.objects.filter(user=user).order_by("-at", "-id"):
        if states[row.kind].is_default and row.kind in states:
            states[row.kind] = ConsentState(
                kind=row.kind,
                granted=row.granted,
                is_default=False,
                text_version=row.text_version,
                at=row.at,
                channel=row.channel,
            )
    return states


def has_consent(user: Any, kind: str) -> bool:
    """Whether `kind` may be used for this user now. Anonymous visitors and closed accounts: never."""
    kind = _check_kind(kind)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    row = Consent.objects.filter(user=user, kind=kind).order_by("-at", "-id").values_list("granted", flat=True).first()
    return (kind in DEFAULT_ON) if row is None else bool(row)


def history(user: Any) -> list[dict[str, Any]]:
    """Every grant and withdrawal, newest first, with the text agreed to."""
    return [
        {
            "kind": row.kind,
            "granted": row.granted,
            "text_version": row.text_version,
            "text": row.text,
            "language": row.language,
            "channel": row.channel,
            "at": row.at.isoformat(),
        }
        for row in Consent.objects.filter(user=user).order_by("-at", "-id")
    ]
