"""The context-signing keys kept in a Secrets Manager secret (TENANT_CONTEXT_KEYS_SECRET_ARN), so that a key is
rotated by changing the secret, never the deployment.

The secret holds either one key as a plain string (what the template generates: key id `key-1`), or
`{"signing": "key-2", "keys": {"key-1": "...", "key-2": "..."}, "switched_at": "<ISO time>"}` once rotated.
Processes read it when they first sign and again every TENANT_CONTEXT_KEYS_REFRESH seconds, so every instance
signs with the new key within that time of a switch; `manage.py context_keys rotate` adds, switches and retires.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import logging
import re
import secrets
import threading
import time

from .conf import conf

log = logging.getLogger("tenants.key_secret")
FIRST_KEY_ID = "key-1"
MIN_SECRET_LENGTH = 32


class KeySecretError(Exception):
    """The secret cannot be read or does not hold keys; the message says which and why."""


@dataclasses.dataclass
class KeySet:
    keys: dict[str, str]
    signing: str
    switched_at: datetime.datetime | None = None

    @classmethod
    def parse(cls, text: str) -> KeySet:
        text = text.strip()
        if not text.startswith("{"):
            found = cls({FIRST_KEY_ID: text}, FIRST_KEY_ID)
        else:
            try:
                data = json.loads(text)
                found = cls(
                    {str(k): str(v) for k, v in data["keys"].items()},
                    str(data["signing"]),
                    _aware(datetime.datetime.fromisoformat(data["switched_at"])) if data.get("switched_at") else None,
                )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise KeySecretError(f"not {{'signing', 'keys'}} JSON nor one plain key ({exc})") from None
        if found.signing not in found.keys:
            raise KeySecretError(f"the signing key {found.signing!r} is not among its keys")
        short = [k for k, v in found.keys.items() if len(v) < MIN_SECRET_LENGTH]
        if short:
            raise KeySecretError(f"the secret of key {', '.join(short)} is shorter than {MIN_SECRET_LENGTH} characters")
        return found

    def dump(self) -> str:
        return json.dumps(
            {
                "signing": self.signing,
                "keys": self.keys,
                "switched_at": self.switched_at.isoformat() if self.switched_at else None,
            }
        )

    def ordered(self) -> list[tuple[str, bytes]]:
        """(key id, secret) with the signing key first, as TENANT_CONTEXT_KEYS lists them."""
        rest = sorted(k for k in self.keys if k != self.signing)
        return [(k, self.keys[k].encode()) for k in (self.signing, *rest)]

    def next_key_id(self) -> str:
        numbers = [int(m[1]) for k in self.keys if (m := re.fullmatch(r"key-(\d+)", k))]
        return f"key-{max(numbers, default=0) + 1}"

    def with_new_key(self) -> tuple[KeySet, str]:
        kid = self.next_key_id()
        return KeySet({**self.keys, kid: secrets.token_urlsafe(48)}, self.signing, self.switched_at), kid


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """A time written without its zone (by hand) is UTC, as the command writes it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


@functools.cache
def client():
    """One Secrets Manager client per process (creating one costs tens of milliseconds); a restored snapshot
    drops it with the keys (_Cache.forget), so the next is made with the restored environment's credentials."""
    import boto3

    return boto3.client("secretsmanager")


def fetch(arn: str) -> KeySet:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        text = client().get_secret_value(SecretId=arn)["SecretString"]
    except (BotoCoreError, ClientError) as exc:  # credentials, the network, access, a missing secret
        raise KeySecretError(f"cannot read {arn}: {type(exc).__name__}: {exc}") from None
    try:
        return KeySet.parse(text)
    except KeySecretError as exc:
        raise KeySecretError(f"{arn}: {exc}") from None


def store(arn: str, keys: KeySet) -> None:
    client().put_secret_value(SecretId=arn, SecretString=keys.dump())


class _Cache:
    """The secret's keys in this process, read again once they are older than the refresh interval. A failed
    re-read keeps the keys it has (logged); without any, signing fails and the request is refused."""

    def __init__(self):
        self.lock = threading.Lock()
        self.keys: list[tuple[str, bytes]] | None = None
        self.read_at = 0.0

    def get(self, arn: str) -> list[tuple[str, bytes]]:
        with self.lock:
            if self.keys is None or time.monotonic() - self.read_at >= conf.TENANT_CONTEXT_KEYS_REFRESH:
                try:
                    self.keys = fetch(arn).ordered()
                except KeySecretError:
                    if self.keys is None:
                        raise
                    log.exception("context keys: keeping the keys read before")
                self.read_at = time.monotonic()
            return self.keys

    def forget(self) -> None:
        with self.lock:
            self.keys, self.read_at = None, 0.0
            client.cache_clear()


cache = _Cache()


def configured_keys() -> list[tuple[str, bytes]]:
    """The keys this process signs with (the first) and installs: the secret's, then TENANT_CONTEXT_KEYS'."""
    arn = conf.TENANT_CONTEXT_KEYS_SECRET_ARN
    listed = list(conf.TENANT_CONTEXT_KEYS)
    if not arn:
        return listed
    from_secret = cache.get(arn)
    ids = {k for k, _ in from_secret}
    return from_secret + [(k, s) for k, s in listed if k not in ids]
