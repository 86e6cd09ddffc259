"""Schemathesis against the API's own OpenAPI document: every operation under /api/ with generated valid and invalid
requests, through the whole stack (WSGI → middleware → DRF → the tenant alias → RLS). Each response must be no
server error, a documented status, the documented content type and headers, and match the documented schema.

Bounded: FUZZ_EXAMPLES examples per operation and mode: 20 in `make test` (about 850 requests per transport, within
its ten minutes), 60 in CI's longer step (`.ci/run`: about 2,500 requests, a minute and a half over the Data API);
derandomized, so each depth asks the same requests every run. Rows it creates are removed afterwards."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from bookings.models import Booking, Entity, TenantRelationship
from tenants.context import trusted_scope
from tests.support import A

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

schema = schemathesis.pytest.from_fixture("openapi")


@pytest.fixture
def openapi(world, db_access):
    with trusted_scope():
        before = {
            model: set(model.objects.filter(tenant_id=A).values_list("pk", flat=True))
            for model in (TenantRelationship, Booking, Entity)
        }
    yield schemathesis.openapi.from_wsgi("/schema/openapi.json", get_wsgi_application())
    with trusted_scope():  # children first: bookings and relationships reference entities
        for model, kept in before.items():
            model.objects.filter(tenant_id=A).exclude(pk__in=kept).delete()


@schema.include(path_regex=r"^/api/").parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_documented(case, world):
    token = world.auth("ann", A)["HTTP_AUTHORIZATION"]
    # Every check but "schema-valid data is accepted": a generated body names ids of rows that do not exist
    # (references cannot be expressed in OpenAPI), which the API rightly refuses with a documented 400.
    case.call_and_validate(headers={"Authorization": token}, excluded_checks=[positive_data_acceptance])
