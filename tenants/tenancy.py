"""`request.tenancy`: the one owner of a tenant API request's tenancy.

The middleware attaches it; DRF authentication only returns `(principal, TenantContext)` as `request.auth`, which
DRF also sets on the Django request, and this object reads it from there. It is the execute wrapper of every tenant
alias. A read-only request over the Data API sends each read as one statement that enters the tenant and reads
(tenants.one_statement: 1 call). Anything else, and a read that needs a transaction (inside atomic(), locking,
streamed, over 1 MiB, or on a session the one statement cannot trust), opens the alias's transaction on its first
query and sends app.enter_tenant*() as its first statement (which checks the membership or the API token and sets
the context with set_config(..., true)); every later query of the request runs in that transaction. The router reads
the alias from it (tenants.context.serving). Nothing else writes tenant state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time

from django.db import DatabaseError, OperationalError, connections

from dataapi_backend.dbapi import ResponseTooLarge

from . import one_statement
from .aliases import alias_for, default_alias, tenant_aliases, transport_of
from .conf import conf
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
log = logging.getLogger("tenants.tenancy")
TENANT_INACTIVE = "28H01"  # sql/10_tenant_context.sql: a proven member of a deactivated tenant


@dataclasses.dataclass(frozen=True)
class EnteredIdentity:
    """Tenant, user and role as the database confirmed them when entering (an API token's come from its record)."""

    tenant_id: str
    user_id: str | None
    role: str | None


# query_canceled (a statement timeout), lock_not_available (a lock timeout)
CANCELLED_BY_SESSION = ("57014", "55P03")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def refusal(exc: DatabaseError) -> Exception | None:
    """What the caller is told when an entering statement failed on its credentials (None: it did not)."""
    if login_refused(exc):
        return None  # the app role's own login, not the caller's credential: database_unavailable
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    if sqlstate == "28P01":
        return InvalidCredentials()
    if sqlstate == "28000":
        return TenantAccessDenied()
    if sqlstate == TENANT_INACTIVE:
        return TenantInactive()
    return None


class Tenancy:
    surface = "tenant-api"  # who runs its unit of work, for the log and the metric

    def __init__(self, request, *, read_only: bool | None = None, alias: str | None = None):
        self.request = request
        self.entered: EnteredIdentity | None = None
        # reads are sent one statement each while nothing opened a transaction (tenants.one_statement)
        self.read_only = request.method in SAFE_METHODS if read_only is None else read_only
        self._unit: UnitOfWork | None = None
        self._alias: str | None = alias

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
        connection = context["connection"]
        if connection.alias != self.alias:
            raise TenantContextMissing()  # a query on the other transport's alias: never for this tenant
        if self._unit is None:
            if self._reads_in_one_statement(connection, context["cursor"], sql, params, many):
                done, result = self._read_in_one_statement(execute, sql, params, context)
                if done:
                    return result
            self._open(lambda s, p: execute(s, p, False, context), context["cursor"], connection.timezone_name)
        return execute(sql, params, many, context)

    # -- one-statement reads --------------------------------------------------------------------------------------
    def _reads_in_one_statement(self, connection, cursor, sql, params, many) -> bool:
        driver_cursor = getattr(cursor, "cursor", None)
        return (
            self.read_only
            and conf.TENANT_ONE_STATEMENT_READS
            and self.context is not None
            and not connection.in_atomic_block  # the caller's transaction: its reads belong in it
            and hasattr(driver_cursor, "expect_preamble")  # the Data API driver (direct PostgreSQL: see docs)
            and not driver_cursor.stream  # a streamed read pages through a SQL cursor, in a transaction
            # a database whose sessions start in another zone than the connection's needs a transaction to set it
            and connection.connection.learn_zone_to_set() is None
            and one_statement.is_plain_read(sql, params, many)
        )

    def _read_in_one_statement(self, execute, sql, params, context) -> tuple[bool, object]:
        """Enter and read in one statement. (False, None) when the read must go through a transaction instead."""
        tenant = self.context
        assert tenant is not None
        connection = context["connection"]
        enter_sql, enter_params = entering(tenant, connection.timezone_name, read=True)
        text, all_params = one_statement.compose(enter_sql, enter_params, sql, params)
        context["cursor"].cursor.expect_preamble(one_statement.PREAMBLE_COLUMNS, self._accept)
        started = time.monotonic()
        try:
            return True, execute(text, all_params, False, context)
        except DatabaseError as exc:
            refused = refusal(exc)
            if refused is not None:
                raise refused from None
            sqlstate = getattr(exc.__cause__, "sqlstate", None)
            if sqlstate in CANCELLED_BY_SESSION and time.monotonic() - started >= 0.9 * conf.TENANT_STATEMENT_TIMEOUT:
                raise  # the read used its whole budget: once is enough (503, retryable)
            if sqlstate is not None or isinstance(exc.__cause__, ResponseTooLarge):
                # The database refused the statement: a session it cannot trust the read's parsing on (55H01; a
                # leftover search_path that hides a table, row_security off: refused while planning, before the
                # entering can check), a leftover timeout that cancelled it, a result over 1 MiB (paged in a
                # transaction), or the read's own error. Through a transaction, whose entering repairs the session:
                # a read's own error comes back from there. Nothing of the statement stands; a read repeats nothing.
                log.info("one-statement read refused (SQLSTATE %s): read in a transaction", sqlstate or "-")
                return False, None
            raise

    def _accept(self, established: tuple) -> None:
        """The identity a one-statement read entered, checked before its rows are handed back."""
        tenant_id, user_id, role = one_statement.entered_identity(established)
        tenant = self.context
        assert tenant is not None
        if tenant_id is None or tenant_id != tenant.tenant_id:
            raise InvalidCredentials()  # an API token whose tenant prefix does not match its record
        if tenant.token_hash is None and (
            user_id != tenant.user_id or (tenant.role is not None and role != tenant.role)
        ):
            raise TenantAccessDenied()  # entered as someone else than asserted: never served
        identity = EnteredIdentity(tenant_id, user_id, role)
        if self.entered is not None and self.entered != identity:
            raise TenantAccessDenied()  # a request is one identity throughout
        self.entered = identity

    # -- entering in a transaction --------------------------------------------------------------------------------
    def ensure_entered(self) -> EnteredIdentity:
        """Enter now (for code that needs the identity the database resolved, e.g. an API token's tenant before
        an INSERT). Still the transaction's first statement; no extra call when something enters later anyway, or
        when a one-statement read of this request entered already (its identity is the same)."""
        if self._unit is None and self.entered is None:
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
        self._unit = UnitOfWork(self.alias, self.surface, ends_transaction=True)
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
            refused = refusal(exc)
            if refused is not None:
                raise refused from None
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


class ReadOnlyBlock(Tenancy):
    """The tenancy of `tenant_block(context, read_only=True)` (commands, jobs that only read): each read is one
    statement, as in a safe-method request; anything else opens the block's transaction, entered first."""

    surface = "tenant-block"

    def __init__(self, context: TenantContext, alias: str):
        super().__init__(None, read_only=True, alias=alias)
        self._context = context

    @property
    def context(self) -> TenantContext | None:
        return self._context
