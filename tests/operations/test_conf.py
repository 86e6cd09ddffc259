"""operations/conf.py: each setting operations reads, typed, with its default when the project defines none."""

import pytest

from operations.conf import conf

DEFAULTS = {
    "HOSPITALITY_FUNCTION": "all",
    "HEALTH_TOKEN": "",
    "HEALTH_CACHE_SECONDS": 5.0,
    "APP_VERSION": "dev",
    "DATA_API_METRICS_FILE": "",
    "DATA_API_METRICS_INTERVAL": 300,
    "CLOUDWATCH_METRICS": False,
    "AWS_REGION": "us-east-1",
}


@pytest.mark.parametrize("name", DEFAULTS)
def test_a_setting_is_read_at_use_with_its_default(settings, name):
    if hasattr(settings, name):
        delattr(settings, name)
    assert getattr(conf, name) == DEFAULTS[name]
    setattr(settings, name, "set")
    assert getattr(conf, name) == "set"


def test_every_setting_operations_reads_is_here():
    import pathlib
    import re

    sources = pathlib.Path(__file__).resolve().parents[2] / "operations"
    read = {
        name
        for path in sources.rglob("*.py")
        if path.name != "conf.py"
        for name in re.findall(r"\bsettings\.([A-Z_]+)", path.read_text())
    }
    assert read <= {"DATABASES", "BASE_DIR", "DEBUG"}, read  # Django's own; the rest through conf
