"""Helpers for the conformance tests (no emulator internals)."""

import json
import urllib.request

FAKE_SIGV4 = (
    "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/rds-data/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


def error_of(excinfo) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def raw_post(endpoint: str, path: str, body: bytes, authorization: str | None = FAKE_SIGV4):
    """POST without boto3 (malformed bodies, missing signatures). Returns (status, error type header, json body)."""
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    req = urllib.request.Request(endpoint + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, None, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers.get("x-amzn-ErrorType"), json.loads(exc.read() or b"{}")
