from django.conf import settings
from django.urls import include, path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt


def lazy_view(dotted: str, **initkwargs):
    """Import a class-based view on its first request: drf-spectacular alone costs ~100 ms of import, which every
    Lambda cold start would pay for a docs page it rarely serves."""
    cache = {}

    @csrf_exempt
    def view(request, *args, **kwargs):
        if "view" not in cache:
            cache["view"] = import_string(dotted).as_view(**initkwargs)
        return cache["view"](request, *args, **kwargs)

    return view


# The schema and its docs page describe the API; they read no tenant data, so they need no tenant.
_public = {"authentication_classes": [], "permission_classes": []}

# Each function serves its own surface (settings.HOSPITALITY_FUNCTION): the tenant API function has no admin URL to
# probe, the staff function no tenant endpoint; the management function answers invocations, not HTTP.
api_patterns = [path("api/", include("bookings.api.urls"))]
urlpatterns = [path("", include("operations.urls"))]
if settings.SERVES_TENANT_API:
    urlpatterns += api_patterns
if settings.SERVES_STAFF:
    from django.contrib import admin

    urlpatterns += [
        path("admin/", admin.site.urls),
        path(
            "schema/openapi.json",
            lazy_view("drf_spectacular.views.SpectacularJSONAPIView", patterns=api_patterns, **_public),
            name="openapi-schema",
        ),
        path(
            "docs/",
            lazy_view("drf_spectacular.views.SpectacularSwaggerView", url_name="openapi-schema", **_public),
            name="api-docs",
        ),
    ]
