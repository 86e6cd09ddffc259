"""Bad input: hypothesis-generated bodies and query strings against every endpoint; never a server error."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import A

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=8,
)
FIELDS = [
    "entity",
    "property",
    "room",
    "parent",
    "guest_id",
    "guest_name",
    "guest_email",
    "check_in",
    "check_out",
    "party_size",
    "status",
    "total_amount",
    "metadata",
    "name",
    "entity_type",
    "is_active",
    "external_id",
    "relationship_type",
    "tenant_id",
    "id",
]
BODY = st.dictionaries(
    st.sampled_from(FIELDS), JSON | st.sampled_from(["2026-01-01", "-1", "1e309", "\x00"]), max_size=8
)
PATHS = ["/api/bookings/", "/api/entities/", "/api/relationships/"]
QUERY = st.dictionaries(
    st.sampled_from(
        [
            "page",
            "page_size",
            "ordering",
            "status",
            "property",
            "room",
            "guest_id",
            "check_in_from",
            "search",
            "is_active",
            "entity_type",
            "guest_email",
        ]
    ),
    st.text(max_size=20),
    max_size=4,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(PATHS), body=BODY)
def test_fuzzed_writes_never_500(api, world, path, body):
    response = api.post(path, body, content_type="application/json", **world.auth("ann", A))
    assert response.status_code < 500, response.content
    if response.status_code == 201:
        api.delete(f"{path}{response.json()['id']}/", **world.auth("ann", A))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(PATHS), query=QUERY)
def test_fuzzed_queries_never_500(api, world, path, query):
    response = api.get(path, query, **world.auth("ann", A))
    assert response.status_code < 500, response.content


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(item=st.text(max_size=40), method=st.sampled_from(["get", "patch", "delete"]))
def test_fuzzed_ids_never_500(api, world, item, method):
    response = getattr(api, method)(f"/api/bookings/{item}/", content_type="application/json", **world.auth("ann", A))
    assert response.status_code < 500
