"""The tenant context of a unit of work, and the scopes the database router reads.

A TenantContext is what app.enter_tenant() receives: tenant, user, role and custom variables. It is entered as the
first statement of the tenant alias's transaction (see tenancy.Tenancy and tenant_block()); nothing is ever set at
session level.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import hmac
import json
import time
from typing import Protocol

from django.db import OperationalError

from .conf import conf
from .key_secret import configured_keys
from .validators import is_valid_tenant_id

TENANT_SCOPE, TRUSTED_SCOPE = "tenant", "trusted"
CONTEXT_LIFETIME = 60  # seconds a signed assertion stays valid (the database refuses more than 600)


class ServesTenant(Protocol):
    """The current unit of work as the router sees it: a request's Tenancy, or a tenant_block()."""

    @property
    def alias(self) -> str: ...


@dataclasses.dataclass(frozen=True)
class _Block:
    alias: str


@dataclasses.dataclass(frozen=True)
class Work:
    """The unit of work in progress, as the router and the scopes see it: which scope (tenant, trusted), which
    unit serves tenant models (a request's Tenancy, a tenant block) and the tenant of a tenant block. Changed only
    by the context managers below, each restoring what was there."""

    scope: str | None = None
    unit: ServesTenant | None = None
    block: TenantContext | None = None


_work: contextvars.ContextVar[Work] = contextvars.ContextVar("hospitality_unit_of_work", default=Work())  # noqa: B039 - frozen


class SessionReset(OperationalError):
    """The pooled session began this transaction with defaults left on it (read-only, another isolation); they are
    put back for the session's next transaction, which the caller may retry."""

    def __init__(self):
        super().__init__("the database session had to be reset; nothing was saved, retry")


class TenantContextError(RuntimeError):
    """Misuse of tenant scopes (nesting another tenant, tenant models outside any scope)."""


@dataclasses.dataclass(frozen=True)
class TenantContext:
    tenant_id: str | None
    user_id: str | None
    role: str | None
    variables: dict = dataclasses.field(default_factory=dict)
    token_hash: str | None = None  # API token: identity resolved by the database in the same statement
    # user_id is the identity provider's text id (Membership.external_id), not a Django user id: seed-style JWTs
    # and upstream headers when TENANT_EXTERNAL_IDENTITIES is on
    external: bool = False

    def __post_init__(self):
        # an API token's tenant comes from the database; the token's own prefix is only a routing hint
        if (self.token_hash is None or self.tenant_id is not None) and not is_valid_tenant_id(self.tenant_id):
            raise ValueError("invalid tenant id")

    def enter_statement(
        self, time_zone: str | None, statement_ms: int, key: tuple[str, bytes], *, read: bool = False
    ) -> tuple[str, list]:
        """The entering statement: pins the transaction's settings (search_path, row_security, `statement_ms`: the
        timeout budget, `time_zone`: the connection's zone, ...) and enters, the assertion signed with `key`; it
        answers (tenant, user, role, session_reset). `read`: the entering part of a one-statement read (the
        app.read_as_tenant_* functions, answering tenant, user and role), which first checks that the session
        already holds what the pin sets."""
        columns, way_in = (
            ("tenant_id, user_id, role", "read_as_tenant")
            if read
            else (
                "tenant_id, user_id, role, session_reset",
                "enter_tenant",
            )
        )
        if self.token_hash is not None:
            return (
                f"SELECT {columns} FROM app.{way_in}_with_token(%s, %s, %s)",
                [self.token_hash, statement_ms, time_zone],
            )
        assertion, signature = self.signed(key)
        return (
            f"SELECT {columns} FROM app.{way_in}_with_assertion(%s, %s, %s::jsonb, %s, %s)",
            [assertion, signature, json.dumps(self.variables), statement_ms, time_zone],
        )

    def signed(self, key: tuple[str, bytes]) -> tuple[str, str]:
        """What this application asserts, signed with `key` (key id, secret): the database enters the tenant only if
        the signature verifies under a key it holds and the membership exists. Short-lived, so a captured assertion
        is soon worthless."""
        kid, secret = key
        assertion = json.dumps(
            {
                "kid": kid,
                "tenant": self.tenant_id,
                "user": self.user_id,
                "role": self.role,
                "external": self.external,
                "exp": int(time.time()) + CONTEXT_LIFETIME,
            },
            separators=(",", ":"),
        )
        return assertion, hmac.new(secret, assertion.encode(), hashlib.sha256).hexdigest()


def entering(context: TenantContext, time_zone: str | None, *, read: bool = False) -> tuple[str, list]:
    """`context`'s entering statement with this application's budget and signing key (the first configured)."""
    return context.enter_statement(
        time_zone, int(conf.TENANT_STATEMENT_TIMEOUT * 1000), (configured_keys() or [("", b"")])[0], read=read
    )


def current_scope() -> str | None:
    return _work.get().scope


def current_tenant_alias() -> str | None:
    unit = _work.get().unit
    return unit.alias if unit is not None else None


@contextlib.contextmanager
def _working(**changes):
    token = _work.set(dataclasses.replace(_work.get(), **changes))
    try:
        yield
    finally:
        _work.reset(token)


def serving(unit: ServesTenant):
    """Route tenant models to `unit.alias` for the block."""
    return _working(unit=unit)


def scope(name: str):
    return _working(scope=name)


def trusted_scope():
    """Admin views and operator commands: tenant models go to the trusted alias (BYPASSRLS role)."""
    return scope(TRUSTED_SCOPE)


@contextlib.contextmanager
def tenant_block(context: TenantContext, using: str | None = None, *, read_only: bool = False):
    """Run code as one tenant outside a request (commands, jobs): one transaction on the tenant alias whose first
    statement enters the tenant. Nesting another tenant is refused; nesting the same tenant is a no-op.
    `read_only`: over the Data API each read is one statement that enters and reads (no transaction: what a read
    sees is that statement's snapshot, as each statement's under READ COMMITTED), anything else a transaction as
    without it (tenancy.ReadOnlyBlock)."""
    from django.db import connections

    outer = _work.get().block
    if outer is not None:
        if (outer.tenant_id, outer.user_id) != (context.tenant_id, context.user_id):
            raise TenantContextError("a nested tenant block for another tenant is refused; finish the outer block")
        yield
        return
    if current_scope() == TENANT_SCOPE:
        raise TenantContextError("a nested tenant block inside a tenant request is refused")
    from .aliases import alias_for
    from .unit_of_work import UnitOfWork

    alias = using or alias_for(context.tenant_id)
    if read_only:
        with _read_only_block(context, alias):
            yield
        return
    unit = UnitOfWork(alias, "tenant-block", outermost=True)
    with _working(scope=TENANT_SCOPE, unit=_Block(alias), block=context):
        unit.begin()
        try:
            sql, params = entering(context, connections[alias].timezone_name)
            with connections[alias].cursor() as cursor:
                cursor.execute(sql, params)
                if cursor.fetchone()[3]:
                    # the session began this transaction read-only (left so by someone with the app role's
                    # secret): its defaults are put back for the next transaction, this one cannot write
                    raise SessionReset()
            yield
        except BaseException:
            unit.finish(False)
            raise
        unit.finish(True)  # raises UnitOfWorkLost rather than return after a commit that did not happen


@contextlib.contextmanager
def _read_only_block(context: TenantContext, alias: str):
    from django.db import connections
    from django.db.transaction import TransactionManagementError

    from .tenancy import ReadOnlyBlock

    connection = connections[alias]
    if connection.in_atomic_block:
        raise TransactionManagementError(
            f"a read-only tenant block must own what it runs on {alias!r}, which is already inside an atomic block"
        )
    reads = ReadOnlyBlock(context, alias)
    success = False
    with _working(scope=TENANT_SCOPE, unit=reads, block=context), connection.execute_wrapper(reads):
        try:
            yield
            success = True
        finally:
            reads.finish(success)
