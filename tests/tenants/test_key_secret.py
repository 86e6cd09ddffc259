"""The signing keys' secret as tenants/key_secret.py reads and writes it: the template's plain key is key-1, the
rotated JSON lists the signing key first, and what cannot be used is refused with the reason."""

import datetime

import pytest

from tenants.key_secret import KeySecretError, KeySet

SECRET_A, SECRET_B = "a" * 48, "b" * 48


def test_the_templates_plain_key_is_key_1():
    keys = KeySet.parse(f"  {SECRET_A}\n")
    assert keys.ordered() == [("key-1", SECRET_A.encode())] and keys.switched_at is None


def test_a_rotated_secret_lists_its_signing_key_first_and_round_trips():
    keys = KeySet({"key-1": SECRET_A, "key-2": SECRET_B}, "key-2", datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC))
    again = KeySet.parse(keys.dump())
    assert again == keys and [k for k, _ in again.ordered()] == ["key-2", "key-1"]
    grown, added = again.with_new_key()
    assert added == "key-3" and set(grown.keys) == {"key-1", "key-2", "key-3"} and grown.signing == "key-2"


def test_a_switch_time_written_without_its_zone_is_utc():
    text = f'{{"signing": "key-1", "keys": {{"key-1": "{SECRET_A}"}}, "switched_at": "2026-12-07T10:00:00"}}'
    assert KeySet.parse(text).switched_at == datetime.datetime(2026, 12, 7, 10, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{"keys": {}}', "not {'signing', 'keys'} JSON"),
        ('{"signing": "key-2", "keys": {"key-1": "' + SECRET_A + '"}}', "'key-2' is not among its keys"),
        ('{"signing": "key-1", "keys": {"key-1": "short"}}', "shorter than 32 characters"),
        ("{not json", "not {'signing', 'keys'} JSON"),
    ],
)
def test_what_cannot_sign_is_refused_with_the_reason(text, reason):
    with pytest.raises(KeySecretError, match=reason.replace("{", r"\{").replace("}", r"\}")):
        KeySet.parse(text)
