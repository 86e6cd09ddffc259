"""The identity provider's users as members of tenants: read from the seed's identity export (a JSON list, inline or
in a file, or a CSV file) with tenant_id, external_id, role and an optional email, checked entry by entry."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

from .models import Role
from .validators import is_valid_external_id, is_valid_tenant_id


class IdentityError(Exception):
    """The members given cannot be read; the message names every bad entry."""


@dataclasses.dataclass(frozen=True)
class Member:
    tenant_id: str
    external_id: str
    role: str
    email: str = ""


def read_members(source: str | None, option: str = "--members") -> list[Member]:
    """`source` is inline JSON (it starts with `[`: what a management event carries) or a path to a JSON or CSV
    (header row) file. Every entry is checked; one error lists all bad entries."""
    if not source:
        return []
    if source.lstrip().startswith("["):
        rows = _json(source, option)
    else:
        file = Path(source)
        if not file.is_file():
            raise IdentityError(f"{option} {source}: no such file (or give the JSON list itself)")
        if file.suffix.lower() == ".json":
            rows = _json(file.read_text(), f"{option} {source}")
        else:
            with open(file, newline="") as fh:
                rows = list(csv.DictReader(fh))
    members, errors = [], []
    roles = set(Role.values)
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            errors.append(f"entry {number}: not an object")
            continue
        tenant_id, external_id = row.get("tenant_id"), row.get("external_id")
        role = row.get("role") or Role.STAFF
        if not is_valid_tenant_id(tenant_id):
            errors.append(f"entry {number}: tenant_id {tenant_id!r} is not a valid tenant id")
        elif not is_valid_external_id(external_id):
            errors.append(f"entry {number}: external_id {external_id!r} is not a valid external id")
        elif role not in roles:
            errors.append(f"entry {number}: role {role!r} is not one of {', '.join(sorted(roles))}")
        else:
            members.append(Member(tenant_id, external_id, role, row.get("email") or ""))
    if errors:
        raise IdentityError(f"{option}:\n  " + "\n  ".join(errors))
    return members


def _json(text: str, where: str) -> list:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IdentityError(f"{where}: not JSON ({exc})") from None
    if not isinstance(rows, list):
        raise IdentityError(f"{where}: expected a JSON list of objects")
    return rows
