"""OpenAPI annotations that cost nothing where no schema is served.

The tenant API function does not install drf_spectacular: importing it (with the DRF test utilities and YAML it
pulls in) is ~20 ms of every cold start, for a schema that only the staff function serves at /docs/. There, and in
the all-in-one process, the real decorator records the annotations, and the tenant authentication schemes are
described so that the docs page can send credentials ("Authorize", then "Try it out").
"""

from django.conf import settings

if "drf_spectacular" in settings.INSTALLED_APPS:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
    from drf_spectacular.utils import extend_schema, extend_schema_view

    class JWTScheme(OpenApiAuthenticationExtension):
        target_class = "tenants.authentication.JWTAuthentication"
        name = "tenantJWT"

        def get_security_definition(self, auto_schema):
            return {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "A tenant JWT: claims tenantId, userId, role, exp (iss/aud as configured).",
            }

    class ApiTokenScheme(OpenApiAuthenticationExtension):
        target_class = "tenants.authentication.ApiTokenAuthentication"
        name = "apiToken"

        def get_security_definition(self, auto_schema):
            return {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "An API token, sent as `Token hsp_<tenant id>.<secret>`.",
            }

    class UpstreamHeadersScheme(OpenApiAuthenticationExtension):
        target_class = "tenants.authentication.UpstreamHeaderAuthentication"
        name = "upstreamTenantHeaders"

        def get_security_definition(self, auto_schema):
            return {
                "type": "apiKey",
                "in": "header",
                "name": "X-Tenant-Id",
                "description": "With X-User-Id, only where TRUST_UPSTREAM_TENANT_HEADERS is on (behind an "
                "authenticator that sets both).",
            }

    class SessionScheme(OpenApiAuthenticationExtension):
        target_class = "tenants.authentication.TenantSessionAuthentication"
        name = "staffSession"

        def get_security_definition(self, auto_schema):
            return {
                "type": "apiKey",
                "in": "cookie",
                "name": "sessionid",
                "description": "A logged-in member's browser session, with X-Tenant-Id or ?tenant=.",
            }
else:

    def extend_schema(*args, **kwargs):
        return lambda target: target

    extend_schema_view = extend_schema

__all__ = ["extend_schema", "extend_schema_view", "responses", "empty_query_values_are_absent"]

# What each kind of operation can answer besides its success (all in the error shape): the status codes the API
# really produces (validation, credentials, tenant/role refusals, missing rows, conflicts, sizes, idempotency,
# throttling, a commit whose outcome is unknown, an unavailable database).
ERRORS = {
    "list": (400, 401, 403, 413, 422, 429, 503),
    "read": (401, 403, 404, 413, 422, 429, 503),
    "create": (400, 401, 403, 409, 413, 422, 429, 502, 503),
    "update": (400, 401, 403, 404, 409, 413, 422, 429, 502, 503),
    "delete": (401, 403, 404, 409, 413, 422, 429, 502, 503),
}


def responses(kind: str, success: int, body) -> dict:
    from .serializers import ErrorOutput

    return {success: body, **{code: ErrorOutput for code in ERRORS[kind]}}


def empty_query_values_are_absent(result, generator, request, public):
    """drf-spectacular postprocessing hook: `?status=` means "no status filter" (DRF reads an empty query value of
    an optional field as absent), so every optional query parameter is documented as accepting an empty value."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", ()) if isinstance(operation, dict) else ():
                if parameter.get("in") == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result
