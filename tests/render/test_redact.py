"""Redaction: one test per secret pattern, one per look-alike that must stay."""

from __future__ import annotations

import base64
import random
import uuid

import orjson
import pytest

from sessionview.render.redact import Redactor, redact

OPENAI = "sk-proj-" + "Ab3dE5gH7jK9mN1pQ3rS5tU7vW9xY1zA3bC5dE7f"
OPENAI_LEGACY = "sk-" + "T3BlbkFJ" + "x" * 20 + "9a8b7c6d5e4f3a2b1c0d"
ANTHROPIC = "sk-ant-api03-" + "aB1-cD2_eF3gH4iJ5kL6mN7oP8qR9sT0uV1wX2yZ3" * 2 + "-AA"
AWS = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
GITHUB_FINE = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_HOOK = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
GOOGLE = "AIzaSyD-1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    ("secret", "kind"),
    [
        (OPENAI, "openai_key"),
        (OPENAI_LEGACY, "openai_key"),
        (ANTHROPIC, "anthropic_key"),
        (AWS, "aws_access_key"),
        ("ASIAY34FZKBOKMUTVV7A", "aws_access_key"),
        (GITHUB, "github_token"),
        (GITHUB_FINE, "github_token"),
        (SLACK, "slack_token"),
        (GOOGLE, "google_api_key"),
        (JWT, "jwt"),
        (PRIVATE_KEY, "private_key"),
    ],
)
def test_each_token_pattern_is_replaced_whole_and_counted(secret: str, kind: str) -> None:
    text = f"here it is: {secret} (do not share)\nnext line"
    out, count = redact(text)
    assert out == f"here it is: [REDACTED:{kind}] (do not share)\nnext line"
    assert count == 1


@pytest.mark.parametrize("around", ["{}", "'{}'", '"{}"', "KEY={}", "?key={}&x=1", "({})", "`{}`"])
def test_a_token_is_found_between_quotes_brackets_and_after_an_equals_sign(around: str) -> None:
    out, count = redact(around.format(AWS))
    assert out == around.format("[REDACTED:aws_access_key]") and count == 1


def test_a_slack_webhook_url_is_replaced() -> None:
    out, count = redact(f"curl -X POST {SLACK_HOOK} -d @msg.json")
    assert out == "curl -X POST [REDACTED:slack_webhook] -d @msg.json" and count == 1


def test_a_private_key_cut_short_is_replaced_to_its_end() -> None:
    cut = PRIVATE_KEY.rsplit("\n", 1)[0]  # no END line: a truncated tool output
    out, count = redact("$ cat id_rsa\n" + cut)
    assert out == "$ cat id_rsa\n[REDACTED:private_key]" and count == 1


def test_a_private_key_inside_json_text_is_replaced_without_breaking_the_json() -> None:
    encoded = orjson.dumps({"out": PRIVATE_KEY, "after": "kept"}).decode()
    out, count = redact(encoded)
    assert count == 1
    assert orjson.loads(out) == {"out": "[REDACTED:private_key]", "after": "kept"}


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("password=hunter22", "password=[REDACTED:password]", "password"),
        ("DB_PASSWORD: s3cr3t!x", "DB_PASSWORD: [REDACTED:password]", "password"),
        ('{"password": "hunter2"}', '{"password": "[REDACTED:password]"}', "password"),
        ("mysql --password=Tr0ub4dor db", "mysql --password=[REDACTED:password] db", "password"),
        ("api_key = 'abcd1234'", "api_key = '[REDACTED:secret]'", "secret"),
        ("export GITHUB_TOKEN=abc123def456", "export GITHUB_TOKEN=[REDACTED:secret]", "secret"),
        ("client_secret: 9f8e7d6c5b", "client_secret: [REDACTED:secret]", "secret"),
        ('"aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG"', None, "secret"),
        ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345", None, "bearer_token"),
        ("postgres://admin:pa55w0rd@db.local/app", None, "url_password"),
    ],
)
def test_assignments_keep_the_name_and_lose_the_value(
    text: str, expected: str | None, kind: str
) -> None:
    redactor = Redactor()
    out = redactor.text(text)
    if expected is not None:
        assert out == expected
    assert f"[REDACTED:{kind}]" in out
    assert redactor.counts == {kind: 1}


def test_an_assignment_of_a_known_token_counts_once_as_that_token() -> None:
    redactor = Redactor()
    assert redactor.text(f"OPENAI_API_KEY={OPENAI}") == "OPENAI_API_KEY=[REDACTED:openai_key]"
    assert redactor.counts == {"openai_key": 1}


def test_counts_add_up_across_texts() -> None:
    redactor = Redactor()
    redactor.text(f"{AWS} and {GITHUB}")
    redactor.text(f"password=hunter22 {AWS}")
    assert redactor.counts == {"aws_access_key": 2, "github_token": 1, "password": 1}
    assert redactor.total == 4


def test_json_values_under_secret_keys_are_replaced_whole_and_strings_are_walked() -> None:
    redactor = Redactor()
    value = {
        "api_key": "abcd",
        "nested": [{"text": f"my key is {AWS}"}, 3, None, {"max_tokens": 4096}],
        "password": "",
        "token": None,
        "arguments": orjson.dumps({"password": "hunter2"}).decode(),
    }
    out = redactor.json(value)
    assert out == {
        "api_key": "[REDACTED:secret]",
        "nested": [{"text": "my key is [REDACTED:aws_access_key]"}, 3, None, {"max_tokens": 4096}],
        "password": "",
        "token": None,
        "arguments": '{"password":"[REDACTED:password]"}',
    }
    assert value["api_key"] == "abcd"  # the input is untouched
    assert redactor.total == 3


# --- look-alikes that are not secrets -------------------------------------------------


def _png_base64() -> str:
    rng = random.Random(7)
    body = bytes(rng.randrange(256) for _ in range(30_000))
    return base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + body).decode()


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("commit 3f6c2a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a fixes it", id="git-sha"),
        pytest.param(str(uuid.UUID(int=0x123456789ABCDEF0123456789ABCDEF)), id="uuid"),
        pytest.param("sha256:" + "ab" * 32, id="sha256"),
        pytest.param(_png_base64(), id="base64-image"),
        pytest.param("data:image/png;base64," + _png_base64(), id="data-url"),
        pytest.param(
            base64.urlsafe_b64encode(b"\xfb\xff" * 50 + b"AKIAIOSFODNN7EXAMPLE" * 3).decode(),
            id="base64url-blob",
        ),
        pytest.param("xAKIAIOSFODNN7EXAMPLE and AKIAIOSFODNN7EXAMPLEX", id="aws-inside-words"),
        pytest.param("pip install scikit-learn; task-1234; disk-usage", id="sk-words"),
        pytest.param("Enter your password below; the secret is out.", id="prose"),
        pytest.param("Password: required\ntoken: self.token\npasswordless login", id="words"),
        pytest.param("max_tokens=4096, total_tokens: 123456, prompt_tokens=99", id="tokens"),
        pytest.param("token = get_token()\napi_key = os.environ['API_KEY']", id="code"),
        pytest.param('password = "${DB_PASSWORD}"\nsecret: "********"', id="placeholders"),
        pytest.param("see https://example.com:8080/path@v2 and git@github.com:o/r", id="urls"),
        pytest.param("eyJhbGciOiJIUzI1NiJ9 is a header only", id="jwt-header"),
        pytest.param("the Bearer of bad news", id="bearer-word"),
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert redact(text) == (text, 0)
