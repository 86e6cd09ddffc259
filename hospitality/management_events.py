"""The management function's events: `{"manage": ["migrate", "--noinput"]}` runs one allow-listed command as the
schema owner and answers `{"exit_status", "output", "seconds"}`, whatever happens.

What may run is the operator's toolbox from an empty cluster to a serving deployment (roles, migrations, policies,
keys, the first staff user, tenants, members, tokens, the seed's adoption), and nothing that becomes arbitrary
code or a wiped database as the schema owner (`shell`, `dbshell`, `flush`). Arguments are parsed by the command's
own parser with abbreviations off before anything runs, and the guards decide on those parsed options, never on
the strings (`--rev` would otherwise be `--revert`): `migrate` only moves forwards, and `adopt_seed_database
--revert` or `--finalize` runs only as a dry run, unless the event says `"allow_backwards": true` (the result then
lists what was unapplied); migrate never fakes or prunes migration records. `--help` is answered in the result.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time

log = logging.getLogger("hospitality.management")

MANAGEMENT_COMMANDS = frozenset(
    {
        "check",
        "migrate",
        "showmigrations",
        "sqlmigrate",
        "bootstrap_database",
        "rls_apply",
        "rls_verify",
        "context_keys",
        "ensure_staff_user",
        "add_member",
        "issue_token",
        "rotate_token",
        "revoke_token",
        "list_tenants",
        "list_members",
        "list_tokens",
        "deactivate_tenant",
        "reactivate_tenant",
        "adopt_seed_database",
    }
)
# What shuts a client out at once: runs when the event names its target in "confirm" (or says allow_backwards).
CONFIRMED_TARGET = {"revoke_token": "token_id", "deactivate_tenant": "tenant"}
REFUSED_MIGRATE_OPTIONS = {"fake": "--fake", "prune": "--prune", "run_syncdb": "--run-syncdb"}


class Refused(Exception):
    """The event asks for something this function does not do; nothing ran."""


def parse(name: str, args: list[str]):
    """`args` as the command itself will read them: its own parser, with abbreviations off (argparse would take
    `--rev` for `--revert`), so that a guard decides on exactly what the command then runs. Raises CommandError with
    the parser's message for what the parser refuses (an unknown option, a prefix, a bad value); `--help` prints
    to the current stdout and raises SystemExit(0)."""
    from django.core.management import get_commands, load_command_class

    parser = load_command_class(get_commands()[name], name).create_parser("manage", name)
    parser.allow_abbrev = False
    return parser.parse_args(args)


def backwards_migrations(options) -> list[str]:
    """What `migrate` with these parsed options would unapply, from the migration plan (nothing runs). Refuses the
    options that write migration records without running them."""
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    for option, flag in REFUSED_MIGRATE_OPTIONS.items():
        if getattr(options, option, False):
            raise Refused(f"migrate {flag} is not run by the management function (it edits migration records)")
    executor = MigrationExecutor(connections[options.database])
    if options.app_label and options.migration_name:
        if options.migration_name == "zero":
            targets = [(options.app_label, None)]
        else:
            migration = executor.loader.get_migration_by_prefix(options.app_label, options.migration_name)
            targets = [(migration.app_label, migration.name)]
    elif options.app_label:
        targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] == options.app_label]
    else:
        targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, backwards in executor.migration_plan(targets) if backwards]


def guard(name: str, options, event: dict, result: dict) -> None:
    """Refuse (nothing runs) what would drop data or cannot be undone unless the event says `allow_backwards`, and
    what shuts a client out unless the event confirms its target."""
    allowed = event.get("allow_backwards") is True
    if name in CONFIRMED_TARGET:
        target = str(getattr(options, CONFIRMED_TARGET[name]))
        if not allowed and event.get("confirm") != target:
            raise Refused(
                f"{name} {target} shuts its holders out from the next request on; nothing was changed. Send the "
                f'event again with "confirm": "{target}" to run it.'
            )
    if name == "migrate":
        unapplied = backwards_migrations(options)
        if unapplied and not allowed:
            raise Refused(
                f"this migrate would unapply {len(unapplied)} migration(s) and may drop data: "
                f"{', '.join(unapplied)}; nothing was changed. Send the event again with "
                '"allow_backwards": true to run it.'
            )
        if unapplied:
            result["unapplied"] = unapplied
    if name == "adopt_seed_database" and options.revert and not options.dry_run and not allowed:
        raise Refused(
            "adopt_seed_database --revert drops this project's tables (users, tenants, tokens) and gives the "
            'database back to the seed; nothing was changed. Try it with "--dry-run", then send the event '
            'again with "allow_backwards": true to run it.'
        )
    if name == "adopt_seed_database" and options.finalize and not options.dry_run and not allowed:
        raise Refused(
            "adopt_seed_database --finalize closes the seed app's window for good and drops the way back (--revert); "
            'nothing was changed. Try it with "--dry-run", then send the event again with "allow_backwards": true '
            "to run it."
        )


def run(event) -> dict:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    argv = event.get("manage") if isinstance(event, dict) else None
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        return {"exit_status": 2, "output": 'expected an event like {"manage": ["migrate", "--noinput"]}'}
    name, args = argv[0], argv[1:]
    if name not in MANAGEMENT_COMMANDS:
        allowed = ", ".join(sorted(MANAGEMENT_COMMANDS))
        return {"exit_status": 2, "output": f"{name!r} is not a command this function runs; allowed: {allowed}"}
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    result: dict = {}
    try:
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                options = parse(name, args)
        except SystemExit as exc:  # --help (or -h): the parser printed it; the command does not run
            status = exc.code if isinstance(exc.code, int) else 0
        else:
            guard(name, options, event, result)
            call_command(name, *args, stdout=out, stderr=err, no_color=True)
            status = 0
    except Refused as exc:
        err.write(f"refused: {exc}\n")
        status = 2
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
        status = exc.returncode
    except SystemExit as exc:  # a command that exits itself (rls_verify exits 1 on findings)
        status = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # an operator always gets an answer; the traceback goes to the logs
        log.exception("management command %s failed", name)
        err.write(f"error: {type(exc).__name__}: {exc} (traceback in the function's logs)\n")
        status = 1
    return {
        "exit_status": status,
        "output": out.getvalue() + err.getvalue(),
        "seconds": round(time.monotonic() - started, 3),
        **result,
    }
