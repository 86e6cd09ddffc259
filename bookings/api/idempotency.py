"""`Idempotency-Key` on the tenant API's writes (POST, PUT, PATCH, DELETE).

The key is claimed before the write, in the request's transaction (INSERT … ON CONFLICT DO NOTHING on
tenants.IdempotencyKey, under RLS), and the claim is given the first successful outcome in the same transaction,
so it exists exactly when the write was committed. A twin sent while the first is in flight waits on the claim:
once the first commits it gets that outcome back (`Idempotent-Replayed: true`), once it rolls back it runs itself.
A retry with the same key and the same request gets the stored response and writes nothing; the same key with
another request is a 422. A failed request stores nothing (its transaction rolled back), so retrying it runs it
again. Keys live 24 hours.

This is what makes "retry on any error" safe, including after 502 `commit_outcome_unknown`: if that commit did land,
the retry finds its stored response; if it did not, the retry writes. Cost: the claim and, for a successful write,
its outcome, both inside the request's existing transaction (no extra Data API transaction); a replay reads the
stored outcome instead.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.db import DatabaseError, connections, router
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tenants.models import IdempotencyKey
from tenants.validators import is_valid_external_id

LIFETIME = datetime.timedelta(hours=24)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for a different request."
    default_code = "idempotency_key_reused"


class IdempotencyKeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is in progress; retry later."
    default_code = "idempotency_key_in_use"


class _Replay(Exception):
    def __init__(self, stored: IdempotencyKey):
        self.stored = stored


def request_digest(request) -> str:
    canonical = json.dumps([request.method, request.path, request.data], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


CLAIM = (
    "INSERT INTO api_idempotency_keys (tenant_id, key, request_hash, status, body, created_at, expires_at) "
    "VALUES (%s, %s, %s, 0, NULL, now(), now() + make_interval(secs => %s)) ON CONFLICT (tenant_id, key) DO NOTHING "
    "RETURNING id"
)


class IdempotentWrites:
    """Mixin for the tenant API's views (before APIView in the bases)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency = None
        key = request.headers.get("Idempotency-Key")
        if key is None or request.method not in WRITE_METHODS:
            return
        if not is_valid_external_id(key):  # 1-200 printable characters, no spaces
            raise exceptions.ValidationError({"Idempotency-Key": ["1-200 printable characters without spaces."]})
        digest = request_digest(request)
        tenant_id = request.tenancy.ensure_entered().tenant_id
        for _attempt in range(3):
            if self._claim(tenant_id, key, digest):
                self._idempotency = key
                return
            stored = IdempotencyKey.objects.filter(key=key).first()
            if stored is None:  # the claim it met was rolled back in between: claim again
                continue
            if stored.expires_at <= timezone.now():
                stored.delete()
                continue
            if stored.request_hash != digest:
                raise IdempotencyKeyReused()
            if not stored.status:  # committed without an outcome: never written so (see finalize_response)
                break
            raise _Replay(stored)
        raise IdempotencyKeyInUse()

    @staticmethod
    def _claim(tenant_id: str, key: str, digest: str) -> bool:
        """True when this request now holds the key; False when another one has it (this waited for it to end)."""
        with connections[router.db_for_write(IdempotencyKey)].cursor() as cursor:
            cursor.execute(CLAIM, [tenant_id, key, digest, int(LIFETIME.total_seconds())])
            return cursor.fetchone() is not None

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return Response(exc.stored.body, status=exc.stored.status, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "_idempotency", None)
        if not key:
            return response
        try:
            if 200 <= response.status_code < 300:
                body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
                IdempotencyKey.objects.filter(key=key).update(status=response.status_code, body=body)
            elif response.status_code < 400:  # committed, yet not an outcome to replay: give the key back
                IdempotencyKey.objects.filter(key=key).delete()
            # 4xx and 5xx: the request's transaction rolls back, and the claim with it
        except DatabaseError as exc:  # the outcome could not be stored (e.g. the Data API): the API's answer for it
            response = super().finalize_response(request, self.handle_exception(exc), *args, **kwargs)
        return response
