"""Sending text messages: one interface, a console backend by default, Tencent Cloud SMS in production.

`send(phone, message)` hands an `SmsMessage` to the backend named by `AURIC_SMS_BACKEND` (a dotted
path of a class with `from_settings()` and `send(phone, message)`):

- `auric.accounts.sms.ConsoleBackend` (default): sends nothing; logs the text on logger `auric.sms`
  and appends it to the in-memory `outbox`, which tests read (like Django's locmem mail backend).
- `auric.accounts.sms.TencentCloudBackend`: Tencent Cloud SMS `SendSms` (API 2021-01-11) over HTTPS,
  signed with TC3-HMAC-SHA256 as documented in Tencent Cloud's "Signature v3" (standard library
  only; `tests/accounts/test_sms_gateway.py` checks the signing against the documented worked
  example). Mainland China SMS may only carry approved templates, so a message names a template
  (`AURIC_SMS_TENCENT["templates"]` maps our template names to Tencent template ids) and its
  parameters; the text is what the console backend shows.

A backend raises `SmsError` when the gateway refuses or cannot be reached.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib import import_module
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from auric.privacy.vault import mask_phone

logger = logging.getLogger("auric.sms")


class SmsError(Exception):
    """The message was not accepted for delivery."""


@dataclass(frozen=True)
class SmsMessage:
    text: str  # the whole message, for backends that send free text (and the console)
    template: str = ""  # our template name, e.g. "sign_in_code"
    params: tuple[str, ...] = ()  # the template's parameters, in order


class SmsBackend(Protocol):
    def send(self, phone: str, message: SmsMessage) -> str:
        """Send; returns the gateway's reference for the message. Raises SmsError."""


@dataclass(frozen=True)
class SentSms:
    phone: str
    message: SmsMessage
    at: datetime


# What the console backend "sent", oldest first; tests clear it.
outbox: list[SentSms] = []


class ConsoleBackend:
    """Sends nothing: logs the message (phone masked) and keeps it in `outbox`. For laptops and tests."""

    @classmethod
    def from_settings(cls) -> ConsoleBackend:
        return cls()

    def send(self, phone: str, message: SmsMessage) -> str:
        outbox.append(SentSms(phone=phone, message=message, at=datetime.now(UTC)))
        # WARNING so it shows with the default log level: this is the only place a developer sees the code.
        logger.warning("SMS to %s (console backend, not sent): %s", mask_phone(phone), message.text)
        return f"console-{len(outbox)}"


# --- Tencent Cloud SMS (TC3-HMAC-SHA256) --------------------------------------------------------

TC3_ALGORITHM = "TC3-HMAC-SHA256"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


@dataclass(frozen=True)
class Tc3Signature:
    canonical_request: str
    string_to_sign: str
    signature: str
    authorization: str


def tc3_sign(
    *, secret_id: str, secret_key: str, service: str, host: str, payload: bytes, timestamp: int
) -> Tc3Signature:
    """Sign a POST of a JSON payload to a Tencent Cloud API 3.0 endpoint (Signature v3).

    The date in the credential scope is the UTC date of `timestamp` (Tencent's note: a local date
    fails every night around midnight)."""
    canonical_headers = f"content-type:{JSON_CONTENT_TYPE}\nhost:{host}\n"
    signed_headers = "content-type;host"
    canonical_request = "\n".join(("POST", "/", "", canonical_headers, signed_headers, _sha256_hex(payload)))
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join((TC3_ALGORITHM, str(timestamp), scope, _sha256_hex(canonical_request.encode("utf-8"))))
    key = _hmac_sha256(("TC3" + secret_key).encode("utf-8"), date)
    key = _hmac_sha256(key, service)
    key = _hmac_sha256(key, "tc3_request")
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    authorization = (
        f"{TC3_ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
    return Tc3Signature(canonical_request, string_to_sign, signature, authorization)


@dataclass(frozen=True)
class TencentCloudBackend:
    """Tencent Cloud SMS `SendSms` (version 2021-01-11): one number, one approved template."""

    secret_id: str
    secret_key: str
    sdk_app_id: str
    sign_name: str
    templates: Mapping[str, str] = field(default_factory=dict)
    region: str = "ap-guangzhou"
    endpoint: str = "https://sms.tencentcloudapi.com"
    timeout: float = 10.0

    SERVICE = "sms"
    ACTION = "SendSms"
    VERSION = "2021-01-11"

    @classmethod
    def from_settings(cls) -> TencentCloudBackend:
        config: dict[str, Any] = dict(getattr(settings, "AURIC_SMS_TENCENT", {}) or {})
        missing = [k for k in ("secret_id", "secret_key", "sdk_app_id", "sign_name") if not config.get(k)]
        if missing:
            raise ImproperlyConfigured(f"AURIC_SMS_TENCENT needs {', '.join(missing)}")
        return cls(**config)

    @property
    def host(self) -> str:
        return self.endpoint.split("://", 1)[-1].split("/", 1)[0]

    def request(self, phone: str, message: SmsMessage, *, timestamp: int | None = None) -> urllib.request.Request:
        if not self.endpoint.startswith(("https://", "http://")):
            raise SmsError("the SMS endpoint must be an http(s) URL")
        template_id = self.templates.get(message.template)
        if not template_id:
            raise SmsError(f"no Tencent Cloud template configured for {message.template!r}")
        body = {
            "PhoneNumberSet": [_e164(phone)],
            "SmsSdkAppId": self.sdk_app_id,
            "SignName": self.sign_name,
            "TemplateId": template_id,
            "TemplateParamSet": list(message.params),
        }
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        now = int(time.time()) if timestamp is None else timestamp
        signed = tc3_sign(
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            service=self.SERVICE,
            host=self.host,
            payload=payload,
            timestamp=now,
        )
        headers = {
            "Authorization": signed.authorization,
            "Content-Type": JSON_CONTENT_TYPE,
            "Host": self.host,
            "X-TC-Action": self.ACTION,
            "X-TC-Timestamp": str(now),
            "X-TC-Version": self.VERSION,
            "X-TC-Region": self.region,
        }
        return urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
            self.endpoint, data=payload, headers=headers, method="POST"
        )

    def send(self, phone: str, message: SmsMessage) -> str:
        request = self.request(phone, message)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # nosec B310 # noqa: S310 (scheme checked)
                answer = json.loads(response.read(65536).decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            logger.error("SMS gateway unreachable or answered garbage: %s", exc)
            raise SmsError("the SMS gateway could not be reached") from exc
        return _sent_reference(answer, phone)


def _e164(phone: str) -> str:
    """+86 and the 11 digits of a mainland mobile number (what `sms_login` accepts)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+86{digits[-11:]}"


def _sent_reference(answer: Any, phone: str) -> str:
    response = answer.get("Response") if isinstance(answer, dict) else None
    if not isinstance(response, dict):
        raise SmsError("the SMS gateway's answer has no Response")
    if error := response.get("Error"):
        logger.error("SMS gateway refused: %s (request %s)", error, response.get("RequestId"))
        raise SmsError(f"the SMS gateway refused: {error.get('Code', 'unknown')}")
    statuses = response.get("SendStatusSet") or []
    status = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
    if status.get("Code") != "Ok":
        logger.error("SMS to %s not sent: %s %s", mask_phone(phone), status.get("Code"), status.get("Message"))
        raise SmsError(f"the SMS was not sent: {status.get('Code', 'unknown')}")
    return str(status.get("SerialNo") or response.get("RequestId") or "")


# --- the interface ------------------------------------------------------------------------------


@cache
def _backend_class(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def backend() -> SmsBackend:
    path = str(getattr(settings, "AURIC_SMS_BACKEND", "auric.accounts.sms.ConsoleBackend"))
    return _backend_class(path).from_settings()


def send(phone: str, message: SmsMessage) -> str:
    """Send one message through the configured backend; returns its reference. Raises SmsError."""
    return backend().send(phone, message)
