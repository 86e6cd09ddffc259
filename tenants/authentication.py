"""DRF authentication for tenant apps. Each class returns None when its scheme does not apply, raises
AuthenticationFailed (401 with WWW-Authenticate) when it applies and fails, and otherwise returns
(TenantPrincipal, TenantContext): request.tenancy enters that context in the database on the first query."""

from __future__ import annotations

import dataclasses
import hashlib
import time

from rest_framework import authentication

from .conf import conf
from .context import TenantContext
from .exceptions import InvalidCredentials, InvalidTenantId
from .validators import is_valid_external_id, is_valid_tenant_id

MAX_HEADER = 16384  # room for a 10 kB claim to reach validation (400), not a header error


@dataclasses.dataclass(frozen=True)
class TenantPrincipal:
    """request.user for tenant API calls: who the credentials say is calling (checked by the database)."""

    context: TenantContext
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False  # a tenant credential never reaches the admin

    @property
    def pk(self):
        return self.context.user_id


def _authenticated(context: TenantContext) -> tuple[TenantPrincipal, TenantContext]:
    """DRF's contract: (user, auth). The request's tenancy reads the context from request.auth."""
    return TenantPrincipal(context), context


def _context(tenant_id, user_id, role, *, external: bool = False) -> TenantContext:
    """external: user_id is the identity provider's text id (TENANT_EXTERNAL_IDENTITIES), matched against
    Membership.external_id by the database; otherwise a Django user id."""
    if not is_valid_tenant_id(tenant_id):
        raise InvalidTenantId()
    if external:
        if not is_valid_external_id(user_id):
            raise InvalidCredentials("The credentials do not name a valid user.")
    elif not isinstance(user_id, (str, int)) or not str(user_id).isdigit() or len(str(user_id)) > 18:
        raise InvalidCredentials("The credentials do not name a valid user.")
    return TenantContext(tenant_id=tenant_id, user_id=str(user_id), role=role, external=external)


def mint_jwt(tenant_id: str, user_id: str, role: str, lifetime: int | None = None) -> str:
    """A tenant JWT this server accepts (local development, the demo, a trusted CLI): the claims
    JWTAuthentication reads, living `lifetime` seconds, at most TENANT_JWT_MAX_LIFETIME (the default). Only for a
    shared-secret algorithm: with a public key, the identity provider holds the signing key."""
    if not conf.TENANT_JWT_SECRET or not conf.TENANT_JWT_ALGORITHM.startswith("HS"):
        raise ValueError("this server verifies JWTs with a public key; the identity provider issues them")
    lifetime = conf.TENANT_JWT_MAX_LIFETIME if lifetime is None else lifetime
    if not 1 <= lifetime <= conf.TENANT_JWT_MAX_LIFETIME:
        raise ValueError(f"a lifetime of 1 to {conf.TENANT_JWT_MAX_LIFETIME} seconds (TENANT_JWT_MAX_LIFETIME)")
    now = int(time.time())
    claims = {"tenantId": tenant_id, "userId": user_id, "role": role, "iat": now, "exp": now + lifetime}
    if conf.TENANT_JWT_ISSUER:
        claims["iss"] = conf.TENANT_JWT_ISSUER
    if conf.TENANT_JWT_AUDIENCE:
        claims["aud"] = conf.TENANT_JWT_AUDIENCE
    import jwt

    return jwt.encode(claims, conf.TENANT_JWT_SECRET, algorithm=conf.TENANT_JWT_ALGORITHM)


class JWTAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <JWT>` with claims tenantId, userId, role; algorithm, issuer, audience and expiry
    pinned (no `alg=none`, no HS/RS confusion: only the configured algorithm is accepted)."""

    keyword = "Bearer"

    def authenticate(self, request):
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2 or len(auth[1]) > MAX_HEADER:
            raise InvalidCredentials("Malformed Bearer header.")
        algorithm = conf.TENANT_JWT_ALGORITHM
        key = conf.TENANT_JWT_PUBLIC_KEY if algorithm.startswith(("RS", "ES", "PS", "Ed")) else conf.TENANT_JWT_SECRET
        if not key:
            raise InvalidCredentials("JWT authentication is not configured on this server.")
        # iss and aud are pinned unless the operator set them to "" explicitly (identity layers such as the seed's
        # that issue neither); exp is always required.
        issuer, audience = conf.TENANT_JWT_ISSUER, conf.TENANT_JWT_AUDIENCE
        required = [
            "exp",
            "iat",
            "tenantId",
            "userId",
            "role",
            *(["iss"] if issuer else []),
            *(["aud"] if audience else []),
        ]
        # Imported here, not with the module: PyJWT loads cryptography's asymmetric algorithms (about 25 ms of a
        # cold start that API-token and unauthenticated requests never need).
        import jwt

        try:
            claims = jwt.decode(
                auth[1].decode(),
                key,
                algorithms=[algorithm],
                audience=audience or None,
                issuer=issuer or None,
                options={"require": required, "verify_aud": bool(audience)},
            )
        except (jwt.PyJWTError, UnicodeDecodeError):
            raise InvalidCredentials() from None
        if not isinstance(claims["role"], str):
            raise InvalidCredentials()
        if claims["exp"] - claims["iat"] > conf.TENANT_JWT_MAX_LIFETIME:
            raise InvalidCredentials("The token lives longer than this server accepts.")
        return _authenticated(
            _context(claims["tenantId"], claims["userId"], claims["role"], external=conf.TENANT_EXTERNAL_IDENTITIES)
        )

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token hsp_...`: only the SHA-256 travels to the database, which resolves tenant, user and
    role in the same statement that enters the tenant."""

    keyword = "Token"

    def authenticate(self, request):
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2 or not auth[1].startswith(b"hsp_") or len(auth[1]) > 160 or b"." not in auth[1]:
            raise InvalidCredentials("Malformed token.")
        tenant_hint = auth[1][4:].split(b".", 1)[0].decode(errors="replace")
        if not is_valid_tenant_id(tenant_hint):
            raise InvalidCredentials("Malformed token.")
        digest = hashlib.sha256(auth[1]).hexdigest()
        return _authenticated(TenantContext(tenant_id=tenant_hint, user_id=None, role=None, token_hash=digest))

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class UpstreamHeaderAuthentication(authentication.BaseAuthentication):
    """`X-Tenant-Id` / `X-User-Id` (/ `X-User-Role`), only when TRUST_UPSTREAM_TENANT_HEADERS says an upstream
    authenticator sets them. Membership is still checked by the database."""

    def authenticate(self, request):
        if not conf.TRUST_UPSTREAM_TENANT_HEADERS:
            return None
        tenant_id = request.headers.get("X-Tenant-Id")
        user_id = request.headers.get("X-User-Id")
        if tenant_id is None and user_id is None:
            return None
        if tenant_id is None or user_id is None:
            raise InvalidCredentials("X-Tenant-Id and X-User-Id must be sent together.")
        return _authenticated(
            _context(tenant_id, user_id, request.headers.get("X-User-Role"), external=conf.TENANT_EXTERNAL_IDENTITIES)
        )


class TenantSessionAuthentication(authentication.SessionAuthentication):
    """Browser users (the browsable API): a logged-in Django session plus `X-Tenant-Id` or `?tenant=`; the role is
    the membership's."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        tenant_id = request.headers.get("X-Tenant-Id") or request.query_params.get("tenant")
        if tenant_id is None:
            return None
        return _authenticated(_context(tenant_id, user.pk, None))
