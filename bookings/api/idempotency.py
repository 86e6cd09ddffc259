"""`Idempotency-Key` on the tenant API's writes (POST, PUT, PATCH, DELETE).

The first successful outcome of a key is stored in the same transaction as the write (tenants.IdempotencyKey, under
RLS), so it exists exactly when the write was committed. A retry with the same key and the same request gets that
response back (`Idempotent-Replayed: true`) and writes nothing; the same key with another request is a 422. A
failed request stores nothing (its transaction rolled back), so retrying it runs it again. Keys live 24 hours.

This is what makes "retry on any error" safe, including after 502 `commit_outcome_unknown`: if that commit did land,
the retry finds its stored response; if it did not, the retry writes. Cost: one lookup statement and, for a
successful write, one insert, both inside the request's existing transaction (no extra Data API transaction).
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.db import DatabaseError, IntegrityError
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from tenants.exceptions import error_body
from tenants.models import IdempotencyKey
from tenants.validators import is_valid_external_id

LIFETIME = datetime.timedelta(hours=24)
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for a different request."
    default_code = "idempotency_key_reused"


class _Replay(Exception):
    def __init__(self, stored: IdempotencyKey):
        self.stored = stored


def request_digest(request) -> str:
    canonical = json.dumps([request.method, request.path, request.data], sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


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
        stored = IdempotencyKey.objects.filter(key=key).first()
        if stored is not None and stored.expires_at <= timezone.now():
            stored.delete()
            stored = None
        if stored is not None:
            if stored.request_hash != digest:
                raise IdempotencyKeyReused()
            raise _Replay(stored)
        self._idempotency = (key, digest)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return Response(exc.stored.body, status=exc.stored.status, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "_idempotency", None) and 200 <= response.status_code < 300:
            key, digest = self._idempotency
            body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
            tenant_id = request.tenancy.ensure_entered().tenant_id
            try:
                IdempotencyKey.objects.create(
                    tenant_id=tenant_id,
                    key=key,
                    request_hash=digest,
                    status=response.status_code,
                    body=body,
                    expires_at=timezone.now() + LIFETIME,
                )
            except IntegrityError:
                # the same key, in flight in another request: this one must not count (the middleware rolls back)
                response = Response(
                    error_body(
                        "A request with this Idempotency-Key is in progress; retry later.",
                        "idempotency_key_in_use",
                        retryable=True,
                    ),
                    status=status.HTTP_409_CONFLICT,
                )
                response = super().finalize_response(request, response, *args, **kwargs)
            except DatabaseError as exc:  # the insert failed (e.g. the Data API): the API's answer for it
                response = super().finalize_response(request, self.handle_exception(exc), *args, **kwargs)
        return response
