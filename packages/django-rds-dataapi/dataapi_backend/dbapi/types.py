"""PEP 249's type objects and constructors: what a column's `type_code` (a PostgreSQL type OID, as psycopg reports
it) compares equal to, and the constructors of parameter values."""

from __future__ import annotations

import datetime as _dt

Date = _dt.date
Time = _dt.time
Timestamp = _dt.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> _dt.date:  # noqa: N802 - PEP 249 names
    return _dt.date.fromtimestamp(ticks)


def TimeFromTicks(ticks: float) -> _dt.time:  # noqa: N802
    return _dt.datetime.fromtimestamp(ticks).time()


def TimestampFromTicks(ticks: float) -> _dt.datetime:  # noqa: N802
    return _dt.datetime.fromtimestamp(ticks)


class _TypeObject(frozenset[int]):
    def __eq__(self, other: object) -> bool:
        return other in self if isinstance(other, int) else frozenset.__eq__(self, other)

    __hash__ = frozenset.__hash__


STRING = _TypeObject({25, 1043, 1042, 19, 18})
BINARY = _TypeObject({17})
NUMBER = _TypeObject({20, 21, 23, 26, 700, 701, 1700, 790})
DATETIME = _TypeObject({1082, 1083, 1114, 1184, 1186, 1266})
ROWID = _TypeObject({26})
