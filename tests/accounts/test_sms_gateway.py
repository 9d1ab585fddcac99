"""The SMS backends: the console outbox, and Tencent Cloud SMS signed with TC3-HMAC-SHA256 — checked
against the worked example of Tencent Cloud's "Signature v3" document and against a test server on
localhost that receives exactly what the backend sends."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from auric.accounts import sms

MESSAGE = sms.SmsMessage(text="[Auric] Your sign-in code is 123456.", template="sign_in_code", params=("123456", "5"))


@pytest.fixture(autouse=True)
def empty_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


# --- console ------------------------------------------------------------------------------------


def test_the_console_backend_is_the_default_keeps_an_outbox_and_logs_the_phone_masked(caplog, settings):
    assert settings.AURIC_SMS_BACKEND == "auric.accounts.sms.ConsoleBackend"

    with caplog.at_level(logging.WARNING, logger="auric.sms"):
        reference = sms.send("13800138000", MESSAGE)

    assert reference == "console-1"
    assert [(m.phone, m.message) for m in sms.outbox] == [("13800138000", MESSAGE)]
    assert "138****8000" in caplog.text and "13800138000" not in caplog.text
    assert "123456" in caplog.text  # a developer reads the code here


# --- TC3-HMAC-SHA256: Tencent Cloud's documented worked example ---------------------------------

# Tencent Cloud API 3.0, "Signature v3": DescribeInstances on CVM with these example credentials.
DOC_SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
DOC_SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
DOC_PAYLOAD = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'


def test_tc3_signing_reproduces_the_documented_worked_example():
    signed = sms.tc3_sign(
        secret_id=DOC_SECRET_ID,
        secret_key=DOC_SECRET_KEY,
        service="cvm",
        host="cvm.tencentcloudapi.com",
        payload=DOC_PAYLOAD,
        timestamp=1551113065,
    )

    assert signed.canonical_request == (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
        "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    )
    assert signed.string_to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    assert signed.signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    assert signed.authorization == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_the_credential_date_is_the_utc_date_not_the_shanghai_one():
    # 1551113065 is 2019-02-26 00:44:25 in Shanghai but 2019-02-25 in UTC (the document's warning).
    signed = sms.tc3_sign(
        secret_id="id",
        secret_key="key",
        service="sms",
        host="sms.tencentcloudapi.com",
        payload=b"{}",
        timestamp=1551113065,
    )

    assert "\n2019-02-25/sms/tc3_request\n" in signed.string_to_sign


# --- Tencent Cloud SMS against a localhost server ---------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    answer: dict[str, Any] = {}
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        data = json.dumps(type(self).answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway():
    Recorder.received = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    backend = sms.TencentCloudBackend(
        secret_id="AKIDtest",
        secret_key="test-secret-key",
        sdk_app_id="1400000001",
        sign_name="奥瑞克",
        templates={"sign_in_code": "449739"},
        endpoint=f"http://127.0.0.1:{server.server_address[1]}/",
    )
    yield backend
    server.shutdown()
    server.server_close()


OK_ANSWER = {
    "Response": {
        "SendStatusSet": [
            {
                "SerialNo": "5000:1045710669157053657849499619",
                "PhoneNumber": "+8613800138000",
                "Fee": 1,
                "SessionContext": "",
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": "CN",
            }
        ],
        "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279",
    }
}


def test_send_posts_a_signed_sendsms_request_and_returns_the_serial_number(gateway):
    Recorder.answer = OK_ANSWER

    reference = gateway.send("13800138000", MESSAGE)

    assert reference == "5000:1045710669157053657849499619"
    [(headers, body)] = Recorder.received
    assert json.loads(body) == {
        "PhoneNumberSet": ["+8613800138000"],
        "SmsSdkAppId": "1400000001",
        "SignName": "奥瑞克",
        "TemplateId": "449739",
        "TemplateParamSet": ["123456", "5"],
    }
    assert headers["x-tc-action"] == "SendSms" and headers["x-tc-version"] == "2021-01-11"
    assert headers["x-tc-region"] == "ap-guangzhou"
    assert headers["content-type"] == "application/json; charset=utf-8"
    # The signature covers exactly the bytes that arrived, at the timestamp that was sent.
    expected = sms.tc3_sign(
        secret_id="AKIDtest",
        secret_key="test-secret-key",
        service="sms",
        host=headers["host"],
        payload=body,
        timestamp=int(headers["x-tc-timestamp"]),
    )
    assert headers["authorization"] == expected.authorization


def test_a_refusal_by_the_gateway_raises_sms_error(gateway):
    Recorder.answer = {
        "Response": {
            "Error": {
                "Code": "AuthFailure.SignatureFailure",
                "Message": "The provided credentials could not be validated.",
            },
            "RequestId": "b1",
        }
    }

    with pytest.raises(sms.SmsError, match="SignatureFailure"):
        gateway.send("13800138000", MESSAGE)


def test_a_number_the_gateway_did_not_send_to_raises_sms_error(gateway):
    Recorder.answer = {
        "Response": {
            "SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit"}],
            "RequestId": "c1",
        }
    }

    with pytest.raises(sms.SmsError, match="PhoneNumberDailyLimit"):
        gateway.send("13800138000", MESSAGE)


def test_an_unreachable_gateway_raises_sms_error():
    backend = sms.TencentCloudBackend(
        secret_id="a",
        secret_key="b",
        sdk_app_id="1",
        sign_name="s",
        templates={"sign_in_code": "1"},
        endpoint="http://127.0.0.1:9/",
        timeout=2,
    )

    with pytest.raises(sms.SmsError, match="could not be reached"):
        backend.send("13800138000", MESSAGE)


def test_a_message_without_a_configured_template_is_not_sent(gateway):
    with pytest.raises(sms.SmsError, match="no Tencent Cloud template"):
        gateway.send("13800138000", sms.SmsMessage(text="hello", template="marketing"))
    assert Recorder.received == []


def test_the_tencent_backend_needs_its_credentials(settings):
    settings.AURIC_SMS_TENCENT = {"secret_id": "", "secret_key": "", "sdk_app_id": "", "sign_name": ""}

    with pytest.raises(Exception, match="AURIC_SMS_TENCENT needs secret_id"):
        sms.TencentCloudBackend.from_settings()
