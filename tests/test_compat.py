"""`make compat`'s machinery (compat/): what a third-party suite's settings become under it, and how its outcomes
are read and its Data API-only failures classified. The matrix itself is docs/compatibility.md, written by the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "compat"))

import run as compat  # noqa: E402

PROBE = """
import json, sys
from django.conf import settings
if sys.argv[1] == "configure":
    settings.configure(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3"},
                                  "other": {"ENGINE": "django.db.backends.mysql", "TEST": {"MIRROR": "default"}}})
print(json.dumps(settings.DATABASES))
"""


@pytest.mark.parametrize("how", ["configure", "module"])
@pytest.mark.parametrize("backend", ["dataapi", "postgresql"])
def test_every_alias_a_suite_configures_points_at_the_test_stack(tmp_path, how, backend):
    (tmp_path / "their_settings.py").write_text('DATABASES = {"default": {"ENGINE": "x"}, "other": {"ENGINE": "y"}}\n')
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "compat" / "site"), str(tmp_path)]),
        "COMPAT_BACKEND": backend,
        "COMPAT_APP": "their_app",
        "SUITE_DATABASE_URL": "postgres://suite:pw@127.0.0.1:5432/postgres",
        "DB_CLUSTER_ARN": "arn:aws:rds:us-east-1:000000000000:cluster:c",
        "DB_SUITE_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:000000000000:secret:s-AbCdEf",
        "DATA_API_ENDPOINT": "http://127.0.0.1:9",
        "DJANGO_SETTINGS_MODULE": "their_settings",
    }
    done = subprocess.run([sys.executable, "-c", PROBE, how], env=env, capture_output=True, text=True, check=True)
    databases = json.loads(done.stdout)
    assert sorted(databases) == ["default", "other"]
    for alias, config in databases.items():
        assert config["NAME"] == f"their_app_{alias}_{backend}"
        expected = "dataapi_backend" if backend == "dataapi" else "django.db.backends.postgresql"
        assert config["ENGINE"] == expected
    if how == "configure":
        assert databases["other"]["TEST"] == {"MIRROR": "default"}  # the suite's own test settings stay


def test_without_compat_backend_the_site_hook_changes_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPAT_")}
    env["PYTHONPATH"] = str(ROOT / "compat" / "site")
    done = subprocess.run([sys.executable, "-c", PROBE, "configure"], env=env, capture_output=True, text=True)
    assert json.loads(done.stdout)["default"] == {"ENGINE": "django.db.backends.sqlite3"}


def test_data_api_only_failures_are_named_by_cause():
    assert "custom type" in compat.cause_of(
        'column "path" is of type ltree but expression is of type character varying'
    )
    assert "multi-statement" in compat.cause_of("2 statements in one execute() outside a transaction: ...")
    assert compat.cause_of("KeyError: 'x'\nmore") == "not yet classified: `KeyError: 'x'`"


def test_junit_outcomes(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite><testcase classname="tests.A" name="ok"/>'
        '<testcase classname="tests.A" name="bad"><failure message="boom">trace</failure></testcase>'
        '<testcase classname="tests.A" name="skip"><skipped message="no"/></testcase></testsuite></testsuites>'
    )
    assert compat.read_junit(junit) == {
        "tests.A.ok": ("passed", ""),
        "tests.A.bad": ("failed", "boom"),
        "tests.A.skip": ("skipped", "no"),
    }
