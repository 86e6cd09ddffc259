"""`request.tenancy`: the one owner of a tenant API request's tenancy.

The middleware attaches it; DRF authentication only returns `(principal, TenantContext)` as `request.auth`, which
DRF also sets on the Django request, and this object reads it from there. It is the execute wrapper of every tenant
alias: on the request's first query it opens the alias's transaction and sends app.enter_tenant*() as its first
statement (which checks the membership or the API token and sets the context with set_config(..., true)). The
router reads the alias from it (tenants.context.serving). Nothing else writes tenant state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging

from django.db import DatabaseError, OperationalError, connections

from .aliases import alias_for, default_alias, tenant_aliases, transport_of
from .context import SessionReset, TenantContext, entering, serving
from .exceptions import (
    InvalidCredentials,
    TenantAccessDenied,
    TenantContextMissing,
    TenantInactive,
    login_refused,
)
from .unit_of_work import UnitOfWork

transport_log = logging.getLogger("tenants.transport")
TENANT_INACTIVE = "28H01"  # sql/10_tenant_context.sql: a proven member of a deactivated tenant


@dataclasses.dataclass(frozen=True)
class EnteredIdentity:
    """Tenant, user and role as the database confirmed them when entering (an API token's come from its record)."""

    tenant_id: str
    user_id: str | None
    role: str | None


# query_canceled (a statement timeout), lock_not_available (a lock timeout)
CANCELLED_BY_SESSION = ("57014", "55P03")


class Tenancy:
    def __init__(self, request):
        self.request = request
        self.entered: EnteredIdentity | None = None
        self._unit: UnitOfWork | None = None
        self._alias: str | None = None

    @property
    def context(self) -> TenantContext | None:
        """What the request's credentials assert (None until authenticated, or without tenant credentials)."""
        auth = getattr(self.request, "auth", None)
        return auth if isinstance(auth, TenantContext) else None

    @property
    def alias(self) -> str:
        """The tenant alias (transport) serving this request's tenant; fixed once the tenant is known."""
        if self._alias is None:
            context = self.context
            if context is None:
                return default_alias()
            self._alias = alias_for(context.tenant_id)
            # the seed's rollout line, per request (on with DEBUG_DATA_API): which transport serves this tenant
            transport_log.debug(
                "[DB] Using %s", "Data API" if transport_of(self._alias) == "data-api" else "traditional pg"
            )
        return self._alias

    @property
    def tenant_id(self) -> str | None:
        """For logs: the confirmed tenant, else the asserted one."""
        if self.entered is not None:
            return self.entered.tenant_id
        return self.context.tenant_id if self.context is not None else None

    # -- entering ------------------------------------------------------------------------------------------------
    def __call__(self, execute, sql, params, many, context):
        """Execute wrapper on every tenant alias: only the chosen alias is ever used, entered first."""
        if context["connection"].alias != self.alias:
            raise TenantContextMissing()  # a query on the other transport's alias: never for this tenant
        if self._unit is None:
            connection = context["connection"]
            self._open(lambda s, p: execute(s, p, False, context), context["cursor"], connection.timezone_name)
        return execute(sql, params, many, context)

    def ensure_entered(self) -> EnteredIdentity:
        """Enter now (for code that needs the identity the database resolved, e.g. an API token's tenant before
        an INSERT). Still the transaction's first statement; no extra call when something enters later anyway."""
        if self._unit is None:
            connection = connections[self.alias]
            with connection.cursor() as cursor:
                self._open(lambda s, p: cursor.execute(s, p), cursor, connection.timezone_name)
        assert self.entered is not None
        return self.entered

    def _open(self, run, cursor, time_zone: str | None) -> None:
        """Begin the transaction and enter the tenant."""
        self._begin()
        try:
            self._enter(run, cursor, time_zone)
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) not in CANCELLED_BY_SESSION:
                raise
            # A statement_timeout or lock_timeout left on the pooled session can cancel the entering statement
            # itself, before it resets them. Once more in a new transaction whose first statement is RESET ALL (a
            # utility statement, done in microseconds): the entering statement then runs under no leftover bound,
            # and committed with the request, the reset heals the session. Nothing ran yet, so nothing repeats.
            self.finish(False)
            self._begin()
            run("RESET ALL", None)
            self._enter(run, cursor, time_zone)

    def _begin(self) -> None:
        if self.context is None:
            raise TenantContextMissing()  # fail closed: no tenant, no query
        # the unit is this request's before it begins: a savepoint its atomic() sends (inside a block the view
        # opened) passes the execute wrapper as the unit's own statement
        self._unit = UnitOfWork(self.alias, "tenant-api", ends_transaction=True)
        self._unit.begin()

    def _enter(self, run, cursor, time_zone: str | None) -> None:
        context = self.context
        assert context is not None
        enter_sql, enter_params = entering(context, time_zone)
        try:
            run(enter_sql, enter_params)
            tenant_id, user_id, role, session_reset = cursor.fetchone()
            if tenant_id != context.tenant_id:
                raise InvalidCredentials()  # an API token whose tenant prefix does not match its record
        except DatabaseError as exc:
            if login_refused(exc):
                raise  # the app role's own login, not the caller's credential: database_unavailable
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if sqlstate == "28P01":
                raise InvalidCredentials() from None
            if sqlstate == "28000":
                raise TenantAccessDenied() from None
            if sqlstate == TENANT_INACTIVE:
                raise TenantInactive() from None
            raise
        if session_reset:
            # Committed now, so that the session's repaired defaults outlive this transaction, which began
            # read-only and cannot serve the request: the client retries (503), on a clean session.
            self.finish(True)
            raise SessionReset()
        self.entered = EnteredIdentity(tenant_id, user_id, role)

    def finish(self, success: bool) -> None:
        """Commit (success) or roll back the request's transaction, if it began. Raises what the commit raises, and
        UnitOfWorkLost when the transaction it began is not the one there is to commit."""
        unit, self._unit = self._unit, None
        if unit is not None:
            unit.finish(success)


@contextlib.contextmanager
def bound(tenancy: Tenancy):
    """The request's tenancy for the router, and its entering wrapper on every tenant alias, for the block."""
    with serving(tenancy), contextlib.ExitStack() as stack:
        for alias in tenant_aliases():
            stack.enter_context(connections[alias].execute_wrapper(tenancy))
        yield tenancy
