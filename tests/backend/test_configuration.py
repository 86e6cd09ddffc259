"""OPTIONS mistakes raise ImproperlyConfigured naming the key; checks report an unreachable Data API."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from dataapi_backend.base import DatabaseWrapper
from dataapi_backend.validation import options_from_settings

CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:hospitality"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:hospitality/app-AbCdEf"


def settings_dict(**options):
    return {"NAME": "hospitality", "OPTIONS": {"resource_arn": CLUSTER, "secret_arn": SECRET, **options}}


@pytest.mark.parametrize(
    "options, message",
    [
        (
            {"resource_arn": None},
            "DATABASES['x']['OPTIONS']['resource_arn'] is required; set it to the ARN, e.g. "
            "arn:aws:rds:us-east-1:123456789012:cluster:hospitality",
        ),
        (
            {"secret_arn": "hospitality"},
            "DATABASES['x']['OPTIONS']['secret_arn']='hospitality' is not a valid ARN; "
            "expected e.g. arn:aws:secretsmanager:us-east-1:123456789012:secret:"
            "hospitality/app-AbCdEf",
        ),
        ({"endpoint_url": "localhost"}, "DATABASES['x']['OPTIONS']['endpoint_url']='localhost' is not an http(s) URL"),
        ({"retry_max_attempts": 0}, "DATABASES['x']['OPTIONS']['retry_max_attempts']=0 must be between 1 and 20"),
        ({"read_timeout": "soon"}, "DATABASES['x']['OPTIONS']['read_timeout']='soon' must be a number"),
        (
            {"pool": True},
            "DATABASES['x']['OPTIONS'] has unknown keys ['pool']; dataapi_backend accepts "
            "['connect_timeout', 'debug', 'endpoint_url', 'max_pool_connections', 'read_timeout', "
            "'region_name', 'resource_arn', 'retry_base_delay', 'retry_budget_seconds', 'retry_max_attempts', "
            "'retry_max_delay', 'secret_arn']",
        ),
    ],
)
def test_options_mistakes_name_the_key(options, message):
    with pytest.raises(ImproperlyConfigured) as excinfo:
        options_from_settings(settings_dict(**options), "x")
    assert str(excinfo.value) == message


def test_backend_only_options_never_reach_boto3():
    params = options_from_settings(settings_dict(retry_max_attempts=3, debug=True), "x")
    assert params["retry"].max_attempts == 3
    assert "retry_max_attempts" not in params


@pytest.mark.django_db(databases=["dataapi"])
def test_system_check_reports_an_unreachable_endpoint(settings):
    config = {**connections["dataapi"].settings_dict}
    config["OPTIONS"] = {**config["OPTIONS"], "endpoint_url": "http://127.0.0.1:9", "retry_max_attempts": 1}
    wrapper = DatabaseWrapper(config, alias="unreachable")
    issues = wrapper.validation.check()
    assert [i.id for i in issues] == ["dataapi_backend.E002"]


@pytest.mark.django_db(databases=["dataapi"])
def test_system_check_passes_against_the_emulator():
    assert connections["dataapi"].validation.check() == []


@pytest.mark.django_db(databases=["dataapi"])
def test_debug_logging_shows_sql_and_timing_but_redacts_values(caplog):
    config = {**connections["dataapi"].settings_dict}
    config["OPTIONS"] = {**config["OPTIONS"], "debug": True}
    wrapper = DatabaseWrapper(config, alias="debugged")
    with caplog.at_level(logging.DEBUG, logger="dataapi_backend"):
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT %s::text, %s", ["secret-value", 42])
    wrapper.close()
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("ExecuteStatement"))
    assert "sql=SELECT :p1::text, :p2::int4" in line
    assert "params=[p1:stringValue, p2:longValue]" in line
    assert "secret-value" not in line and "42" not in line.split("params=")[1]


def test_dbshell_explains_what_to_use_instead():
    from django.core.management.base import CommandError

    wrapper = DatabaseWrapper(settings_dict(endpoint_url="http://127.0.0.1:8765"), alias="x")
    with pytest.raises(CommandError, match="dbshell cannot open an interactive session over the RDS Data API"):
        wrapper.client.runshell([])
