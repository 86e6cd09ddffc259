"""Transaction-control SQL that can wait for the transaction's next statement, and the time zone the transaction
runs in: what a Connection sends just before each statement of an open transaction.

Every statement over the Data API is a call (~1 ms here, a network round trip on AWS), and Django's TestCase wraps
each test in a savepoint and ends it with check_constraints() (SET CONSTRAINTS ALL IMMEDIATE, then ALL DEFERRED), a
ROLLBACK TO the savepoint and its RELEASE; the next test makes a new one. What PostgreSQL does makes most of that
free without changing any outcome:
  - a savepoint released or rolled back to before anything ran in it never needs sending;
  - SET CONSTRAINTS ALL DEFERRED can wait: a ROLLBACK TO an earlier savepoint undoes it (PostgreSQL reverts
    constraint modes with the subtransaction) and at COMMIT or ROLLBACK nothing is left to check under it; RELEASE
    keeps it, as PostgreSQL keeps the mode;
  - RELEASE of the savepoint just rolled back to, then a new SAVEPOINT, with nothing in between: the rolled-back
    savepoint is already exactly such a new one (empty, at the same point), so it stays and the new name stands for
    it. Otherwise the RELEASE goes out before whatever comes next.
The time zone (psycopg's session time zone; there is no session here) is set in the transaction with
set_config(..., true) before a statement when it is not the one the transaction runs in; a ROLLBACK TO restores the
zone the savepoint was made in, as PostgreSQL reverts set_config with the subtransaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

DEFERRED_CONSTRAINTS = re.compile(r"^\s*SET\s+CONSTRAINTS\s+ALL\s+DEFERRED\s*;?\s*$", re.IGNORECASE)
SAVEPOINT_SQL = re.compile(
    r"^\s*(?P<verb>SAVEPOINT|RELEASE(?:\s+SAVEPOINT)?|ROLLBACK\s+TO(?:\s+SAVEPOINT)?)\s+(?P<name>\"[^\"]+\"|\w+)\s*;?\s*$",
    re.IGNORECASE,
)
SET_TIME_ZONE = "SELECT set_config('TimeZone', :zone, true)"
_UTC = {"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT", "Etc/GMT0", "GMT0"}


def same_zone(a: str, b: str | None) -> bool:
    return a == b or (a in _UTC and b in _UTC)


# Sends one statement in the open transaction: (sql, parameters)
Send = Callable[[str, list[dict[str, Any]]], object]


class TransactionControl:
    """The state of one open transaction that decides what goes out before its next statement."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """The transaction ended (or none began): nothing waits, its zone is unknown."""
        # (kind, savepoint name, SQL) asked for since the last statement, in order; kind "savepoint", "release", "mode"
        self.pending: list[tuple[str, str | None, str]] = []
        self.aliases: dict[str, str] = {}  # savepoint names standing for another, still established savepoint
        self.rewinding: str | None = None  # the savepoint the statement being sent rolls back to
        self.rewound: str | None = None  # the savepoint the last statement sent rolled back to
        self.zone: str | None = None  # the TimeZone the transaction runs in now
        self.savepoint_zones: dict[str, str | None] = {}  # ... and at each savepoint sent

    def plan(self, sql: str, *, failed: bool) -> str | None:
        """The SQL to send now for this statement of the open transaction (itself, or naming the savepoint it
        really means), or None when it waits for the next statement and may never need a call."""
        match = SAVEPOINT_SQL.match(sql)
        verb = match["verb"].upper().split()[0] if match else "SET" if DEFERRED_CONSTRAINTS.match(sql) else None
        if verb is None:
            return sql
        if failed:
            # PostgreSQL's answer must come now (refusal; or ROLLBACK TO, which ends the failure), nothing waits
            return sql if match is None or verb == "SAVEPOINT" else self._sent(verb, match["name"])
        if verb == "SET":
            self.pending.append(("mode", None, sql))
            return None
        assert match is not None
        name = match["name"]
        if verb == "SAVEPOINT":
            if [kind for kind, _, _ in self.pending] == ["release"]:
                self.aliases[name] = str(self.pending.pop()[1])
            else:
                self.pending.append(("savepoint", name, f"SAVEPOINT {name}"))
            return None
        real = self.aliases.pop(name, name) if verb == "RELEASE" else self.aliases.get(name, name)
        if real in [n for kind, n, _ in self.pending if kind == "savepoint"]:
            # Both end the savepoints made after it (the latest of the name, as in PostgreSQL); ROLLBACK TO also
            # undoes the constraint modes set after it and keeps the savepoint itself.
            at = max(i for i, (kind, n, _) in enumerate(self.pending) if kind == "savepoint" and n == real)
            later = self.pending[at + 1 :]
            kept = [] if verb == "ROLLBACK" else [item for item in later if item[0] != "savepoint"]
            self.pending = self.pending[: at + (verb == "ROLLBACK")] + kept
            return None
        if verb == "RELEASE" and self.rewound == real and not self.pending:
            self.pending.append(("release", real, f"RELEASE SAVEPOINT {real}"))
            return None
        return self._sent(verb, name, real)

    def _sent(self, verb: str, name: str, real: str | None = None) -> str:
        """ROLLBACK TO / RELEASE of a savepoint already sent (everything waiting is newer than it)."""
        if real is None:
            real = self.aliases.pop(name, name) if verb == "RELEASE" else self.aliases.get(name, name)
        if verb == "ROLLBACK":
            self.pending = []
            self.rewinding = real
            return f"ROLLBACK TO SAVEPOINT {real}"
        self.pending = [item for item in self.pending if item[0] == "mode"]
        return f"RELEASE SAVEPOINT {real}"

    def before_statement(self, send: Send, *, zone: str | None, failed: bool) -> None:
        """Send what must precede the next statement: the time zone if the transaction is not in it, then what
        waits, in order."""
        if self.rewinding is not None:
            # a ROLLBACK TO goes out: it leaves the zone the savepoint was made in (setting one now is undone)
            self.zone = self.savepoint_zones.get(self.rewinding)
        elif zone is not None and not failed and not same_zone(zone, self.zone):
            # the zone changed (Django's settings, DATABASES' TIME_ZONE) or the transaction began in another
            send(SET_TIME_ZONE, [{"name": "zone", "value": {"stringValue": zone}}])
            self.zone = zone
        pending, self.pending = self.pending, []
        for kind, name, sql in pending:
            send(sql, [])
            if kind == "release":
                self.aliases = {alias: real for alias, real in self.aliases.items() if real != name}
                self.savepoint_zones.pop(str(name), None)
            elif kind == "savepoint":
                self.savepoint_zones[str(name)] = self.zone
        self.rewound, self.rewinding = self.rewinding, None
