"""Commands that change data: one unit of work on the trusted alias (tenants.unit_of_work), whose output is shown
only once it committed. A token or a password printed for a row that was rolled back would be worthless, and an
operator reading it would believe it saved; a commit that did not happen is a CommandError, never exit status 0."""

from __future__ import annotations

import io
import sys

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError

from dataapi_backend.dbapi import UNKNOWN

from ..aliases import TRUSTED_ALIAS
from ..context import trusted_scope
from ..exceptions import outcome_of
from ..unit_of_work import UnitOfWork


class WritingCommand(BaseCommand):
    def execute(self, *args, **options):
        target = options.get("stdout") or sys.stdout
        held = io.StringIO()
        unit = UnitOfWork(TRUSTED_ALIAS, "command")
        with trusted_scope():
            unit.begin()
            try:
                output = super().execute(*args, **{**options, "stdout": held})
            except BaseException:
                unit.finish(False)
                raise
            try:
                unit.finish(True)
            except DatabaseError as exc:
                if outcome_of(exc) == UNKNOWN:
                    raise CommandError(
                        f"the database did not confirm the commit ({exc}): the change may or may not have been "
                        "saved; check before running the command again"
                    ) from exc
                raise CommandError(f"nothing was saved ({exc}); run the command again") from exc
        OutputWrapper(target).write(held.getvalue(), ending="")
        return output
