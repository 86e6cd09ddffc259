"""The OpenAPI document describes what the API answers: list endpoints as the paginated object they return, and
every error status in the one error shape. Real responses are validated against the document's own schemas."""

from __future__ import annotations

import pytest
from openapi_schema_validator import OAS30Validator

from tests.support import A


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def validate(document: dict, instance, component: str) -> None:
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    OAS30Validator(schema).validate(instance)


def test_lists_are_documented_as_pages_and_errors_in_one_shape(document):
    for path in ("/api/bookings/", "/api/entities/", "/api/relationships/"):
        listing = document["paths"][path]["get"]["responses"]
        assert listing["200"]["content"]["application/json"]["schema"]["$ref"].startswith(
            "#/components/schemas/Paginated"
        )
        for status in ("400", "401", "403", "429", "503"):
            assert (
                listing[status]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorOutput"
            )
        create = document["paths"][path]["post"]["responses"]
        assert {"201", "400", "409", "413", "422", "502", "503"} <= set(create)


def test_real_responses_match_the_document(api, world, document):
    auth = world.auth("ann", A)
    validate(document, api.get("/api/bookings/?page_size=2", **auth).json(), "PaginatedBookingList")
    validate(document, api.get("/api/entities/", **auth).json(), "PaginatedEntityList")
    validate(document, api.get(f"/api/bookings/{world.bookings[A][0].pk}/", **auth).json(), "BookingOutput")
    for error in (
        api.get("/api/bookings/"),  # 401
        api.get("/api/bookings/?status=lost", **auth),  # 400
        api.get(f"/api/bookings/{world.bookings['tenant-beta-002'][0].pk}/", **auth),  # 404
        api.post("/api/entities/", "{", content_type="application/json", **auth),
    ):  # 400 parse
        assert error.status_code >= 400
        validate(document, error.json(), "ErrorOutput")
