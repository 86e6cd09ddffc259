"""The drop-in TypeScript module (clients/typescript: the seed's `withRLS(context, fn)` for drizzle-orm's
aws-data-api/pg driver) runs its own tests (`node --test`) against this database through the emulator, after its
types are checked (`tsc --noEmit --strict` on the seed's usage), both installed with `npm ci` from its lockfile."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.seed_client import DROP_IN, _fingerprint, npm_ci
from tests.support import A, B

pytestmark = pytest.mark.emulator_only  # the module always talks to the Data API


@pytest.fixture(scope="module")
def installed():
    npm_ci(DROP_IN, _fingerprint(DROP_IN))
    return DROP_IN


def run(installed, *command: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(command),
        cwd=installed,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def tap_summary(done: subprocess.CompletedProcess) -> dict[str, str]:
    """node --test's TAP totals: `# pass 9` → {"pass": "9"}."""
    lines = done.stdout.splitlines()
    return dict(line[2:].split(" ", 1) for line in lines if line.startswith("# ") and " " in line[2:])


def test_the_seed_usage_type_checks(installed):
    checked = run(installed, shutil.which("npm") or "npm", "run", "--silent", "check-types")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_modules_own_tests_pass_against_the_database(installed, world):
    world_env = {
        "tenantA": A,
        "tenantB": B,
        "userA": str(world.users["ann"].pk),
        "bookingsA": len(world.bookings[A]),
    }
    tested = run(
        installed,
        "node",
        "--test",
        "--test-reporter=tap",
        "test/",
        TEST_WORLD=json.dumps(world_env),
        TENANT_CONTEXT_KEY=os.environ["SEED_CONTEXT_KEY"],
    )
    summary = tap_summary(tested)
    assert tested.returncode == 0 and summary.get("fail") == "0", tested.stdout[-4000:] + tested.stderr
    assert int(summary["pass"]) >= 9 and summary.get("skipped") == "0" and summary.get("cancelled") == "0"
    assert "# SKIP" not in tested.stdout  # a skipped suite is not counted in "skipped"


def test_npm_test_on_its_own_passes_and_says_where_the_database_tests_run(installed):
    """As the module's README says: `npm test` (`node --test test/`) without the project's test world runs the
    offline tests and skips the database ones, naming where they run."""
    alone = run(installed, "node", "--test", "--test-reporter=tap", "test/")
    summary = tap_summary(alone)
    assert alone.returncode == 0 and summary.get("fail") == "0", alone.stdout[-4000:] + alone.stderr
    said = "# SKIP no TEST_WORLD: run from the project's make test (tests/seed/test_typescript_client.py)"
    assert said in alone.stdout, alone.stdout
