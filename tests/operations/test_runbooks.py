"""Every management event the docs show (docs/runbooks.md's tables, docs/aws.md, docs/seed-migration.md) is one the
function runs as printed: an allow-listed command whose arguments its own parser accepts, with abbreviations off,
and whose guard lets it through given what the event says. The sequences marked *tested* in docs/runbooks.md run in
order on the packaged artifact (tests/deploy/test_lambda_artifact.py, tests/seed/test_adoption.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hospitality.management_events import CONFIRMED_TARGET, MANAGEMENT_COMMANDS, parse

DOCS = Path(__file__).resolve().parents[2] / "docs"
# a JSON object that starts with "manage", inside backticks or single quotes (tables escape | as \|)
EVENT = re.compile(r"""[`'](\{"manage": \[.*?\](?:, "[a-z_]+": (?:true|"[^"]*"))*\})[`']""")


def documented_events() -> list[tuple[str, dict]]:
    found = []
    for page in sorted(DOCS.glob("*.md")):
        for match in EVENT.finditer(page.read_text()):
            event = json.loads(match[1].replace("\\|", "|"))
            if not event["manage"][0].startswith("<"):  # `{"manage": ["<command>", "--help"]}`: a pattern
                found.append((page.name, event))
    return found


EVENTS = documented_events()


def test_the_runbooks_show_every_operator_task():
    """Every command the function runs appears in a runbook, but the diagnostics that need none."""
    shown = {event["manage"][0] for page, event in EVENTS if page == "runbooks.md"}
    assert MANAGEMENT_COMMANDS - {"check", "sqlmigrate"} - shown == set()


@pytest.mark.parametrize("page, event", EVENTS, ids=[f"{p}:{' '.join(e['manage'][:3])}" for p, e in EVENTS])
def test_a_documented_event_runs_as_printed(page, event):
    name, *args = event["manage"]
    assert name in MANAGEMENT_COMMANDS, f"{page} shows {name}, which the function does not run"
    options = parse(name, args)  # the parser's own error (SystemExit/CommandError) fails the test with its words
    if name in CONFIRMED_TARGET and not event.get("allow_backwards"):
        assert event.get("confirm") == str(getattr(options, CONFIRMED_TARGET[name])), f"{page}: {event}"
    if name == "adopt_seed_database" and (options.revert or options.finalize) and not options.dry_run:
        assert event.get("allow_backwards") is True, f"{page}: {event}"
