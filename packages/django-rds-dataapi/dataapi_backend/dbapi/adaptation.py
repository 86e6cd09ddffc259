"""How values cross between Python and one connection's SQL: one frozen value per connection (psycopg keeps the
same per connection in its adapters map), replaced whole when Django's time zone changes, and passed explicitly to
parameter translation (params.translate) and result decoding (results.column_converter)."""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass(frozen=True)
class Adaptation:
    # the zone aware datetimes come back in; None: naive datetimes (Django's USE_TZ=False)
    result_zone: dt.tzinfo | None = dt.timezone.utc
    # what naive datetimes mean, sent and received (USE_TZ=False: TIME_ZONE); None: UTC
    naive_zone: dt.tzinfo | None = None
    # The zone SQL runs in (what psycopg sets as its session time zone; Django's timezone_name): it decides date
    # casts, truncation and extraction of timestamptz values and implicit date/timestamp casts. None: the server's
    # default. There is no session to set it on, so a transaction sets it for itself (set_config(..., true)) unless
    # new sessions already start in it (the database's default TimeZone, learned once).
    sql_zone: str | None = None
    # json/jsonb columns come back as their text (Django's JSONField decodes them itself)
    json_as_text: bool = False
