"""SQL scripts as statements, one per Data API call (Aurora refuses several in one): split where PostgreSQL would end
them, so a `;` inside a string, a quoted identifier, a dollar-quoted body (a function's) or a comment ends nothing.
Comments are dropped, as Django's `prepare_sql_script` drops them, and so is anything left empty. The engine's
`prepare_sql_script`, the schema editor, the shell and whoever runs a script over the driver use this one split."""

from __future__ import annotations

import sqlparse


def split(script: str) -> list[str]:
    """The statements of `script`, in order, each with its own `;` where it had one."""
    pieces = (str(sqlparse.format(piece, strip_comments=True)).strip() for piece in sqlparse.split(script))
    return [piece for piece in pieces if piece.strip("; \t\r\n")]


def is_incomplete(text: str) -> bool:
    """A string, quoted identifier or dollar-quoted body begun and not yet closed (sqlparse leaves its opening quote
    or tag as an error token): a `;` seen so far may be inside it."""
    tokens = sqlparse.parse(text)[0].flatten()  # type: ignore[no-untyped-call]
    return any(token.ttype in sqlparse.tokens.Error for token in tokens)
