"""`manage.py dbshell` over the Data API: a small SQL shell (there is no psql protocol to hand over to).

    python -m dataapi_backend.shell --resource-arn ARN --secret-arn ARN --database NAME [--region R]
        [--endpoint-url URL] [-c SQL]

Statements end with `;` and run one call each (autocommit); BEGIN / COMMIT / ROLLBACK open and end a Data API
transaction. Rows print as an aligned table, as psql's default format. `\\q` or end of input quits; Ctrl-C drops the
statement being typed (a statement already sent cannot be cancelled over the Data API).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

import sqlparse

from . import dbapi, sql_script

_TRANSACTION_CONTROL = {"BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "ABORT"}


def statements(lines: Iterator[str]) -> Iterator[str]:
    """Statements from input lines, each as soon as it is complete: ended by a `;` outside strings, quoted
    identifiers, dollar-quoted bodies (a function's) and comments — the Data API runs one statement per call."""
    buffer = ""
    for line in lines:
        if not buffer.strip() and line.strip() in ("\\q", "exit", "quit"):
            return
        buffer += line
        if ";" not in line or sql_script.is_incomplete(buffer):
            continue
        parts = sqlparse.split(buffer)
        done = parts if parts and parts[-1].rstrip().endswith(";") else parts[:-1]
        buffer = "" if len(done) == len(parts) else parts[-1] + "\n"
        yield from _statement_texts("\n".join(done))
    yield from _statement_texts(buffer)


def _statement_texts(script: str) -> list[str]:
    """The statements without their final `;` (what the shell recognises BEGIN/COMMIT by)."""
    return [statement.rstrip(";").strip() for statement in sql_script.split(script)]


def render(description: Sequence[Any], rows: list[tuple[Any, ...]]) -> str:
    names = [column[0] for column in description]
    cells = [["" if value is None else str(value) for value in row] for row in rows]
    widths = [max([len(name), *(len(row[i]) for row in cells)]) for i, name in enumerate(names)]
    lines = [" | ".join(name.center(w) for name, w in zip(names, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
    return "\n".join(lines)


def run(connection: dbapi.Connection, sql: str, out: TextIO) -> None:
    verb = " ".join(sql.upper().split()[:2]) if sql.upper().startswith("START") else sql.upper().split()[0]
    if verb in _TRANSACTION_CONTROL:
        if verb in ("BEGIN", "START TRANSACTION"):
            connection.autocommit = False
        else:
            (connection.commit if verb in ("COMMIT", "END") else connection.rollback)()
            connection.autocommit = True
        print(verb, file=out)
        return
    cursor = connection.cursor()
    cursor.execute(sql)
    if cursor.description:
        print(render(cursor.description, cursor.fetchall()), file=out)
    else:
        print(f"OK, {max(cursor.rowcount, 0)} row(s) affected", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dataapi_backend.shell", description=__doc__.split("\n")[0])
    parser.add_argument("--resource-arn", required=True)
    parser.add_argument("--secret-arn", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--endpoint-url")
    parser.add_argument("-c", "--command", help="run this SQL and exit")
    args = parser.parse_args(argv)
    # dbshell ignores SIGINT while the shell runs (as for psql); the shell itself uses it to drop a statement
    signal.signal(signal.SIGINT, signal.default_int_handler)
    connection = dbapi.connect(
        resource_arn=args.resource_arn,
        secret_arn=args.secret_arn,
        database=args.database,
        region_name=args.region,
        endpoint_url=args.endpoint_url,
    )
    interactive = args.command is None and sys.stdin.isatty()

    def lines() -> Iterator[str]:
        if args.command is not None:
            yield args.command
            return
        while True:
            try:
                yield input(f"{args.database}=> ") + "\n" if interactive else next(sys.stdin)
            except KeyboardInterrupt:
                print("^C", file=sys.stderr)
            except (EOFError, StopIteration):
                return

    status = 0
    for sql in statements(lines()):
        try:
            run(connection, sql, sys.stdout)
        except KeyboardInterrupt:
            print("^C (the statement may still run on the server: the Data API cannot cancel it)", file=sys.stderr)
        except dbapi.Error as exc:
            status = 1
            print(f"ERROR: {exc}" + (f"\nSQLSTATE: {exc.sqlstate}" if exc.sqlstate else ""), file=sys.stderr)
            if connection.in_transaction and exc.sqlstate:
                print("the transaction is aborted; ROLLBACK to go on", file=sys.stderr)
    connection.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
