"""`tenants` in a project that defines none of its settings: every one has its default (tenants/conf.py), the
system checks say what is missing instead of failing, and an API token's entering statement carries the default
budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import django
django.setup()
from django.core import checks
from tenants.conf import DEFAULTS, conf
from tenants.context import TenantContext, entering
from tenants.models import hash_token
from tenants.authentication import JWTAuthentication
statement, params = entering(TenantContext(None, None, None, token_hash=hash_token("hsp_x.y")), "UTC")
print(json.dumps({
    "defaults": all(getattr(conf, name) == default for name, default in DEFAULTS.items()),
    "checks": sorted(m.id for m in checks.run_checks()),
    "statement": statement.split(" FROM ")[1].split("(")[0],
    "budget_ms": params[1],
}))
"""


def test_tenants_works_under_a_settings_module_that_defines_none_of_its_settings():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.tenants_alone.bare_settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["defaults"] is True
    assert "tenants.W001" in result["checks"]  # no JWT key: API tokens only, said as a warning
    assert not [c for c in result["checks"] if c.startswith("tenants.E") or c.startswith("tenants.C")]
    assert result["statement"] == "app.enter_tenant_with_token" and result["budget_ms"] == 15000
