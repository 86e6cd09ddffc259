"""UUID version 7 in Python (RFC 9562), the same layout as app.uuid_generate_v7() in SQL.

The ORM fills ids on the client: Django 5.2's bulk_create cannot return primary keys that come from a
db_default. The database default stays for rows written by other clients.
"""

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    ms = time.time_ns() // 1_000_000
    raw = bytearray(ms.to_bytes(6, "big") + os.urandom(10))
    raw[6] = (raw[6] & 0x0F) | 0x70  # version 7
    raw[8] = (raw[8] & 0x3F) | 0x80  # variant 10
    return uuid.UUID(bytes=bytes(raw))
