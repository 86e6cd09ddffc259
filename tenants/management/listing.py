"""Read-only commands that list what operators manage (tenants, members, tokens): a table for a person, or one JSON
document with --json for a script or a management event's result. Never a secret: tokens by id and hint only."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand

from ..context import trusted_scope


class ListingCommand(BaseCommand):
    columns: tuple[str, ...] = ()
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON document instead of a table")

    def rows(self, **options) -> list[dict]:
        raise NotImplementedError

    def handle(self, *args, **options):
        as_json = options.pop("json")
        with trusted_scope():
            rows = self.rows(**options)
        if as_json:
            self.stdout.write(_json(rows))
            return
        cells = [[_text(row[c]) for c in self.columns] for row in rows]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(self.columns)]
        self.stdout.write("  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)).rstrip())
        for row in cells:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        self.stdout.write(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")


def _text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _json(rows: list[dict]) -> str:
    return json.dumps(rows, default=lambda v: v.isoformat() if isinstance(v, datetime.datetime) else str(v))
