from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerView

from hospitality.health import health

# The schema and its docs page describe the API; they read no tenant data, so they need no tenant.
_public = {"authentication_classes": [], "permission_classes": []}

urlpatterns = [
    path("health", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/", include("bookings.api.urls")),
    path("schema/openapi.json", SpectacularJSONAPIView.as_view(**_public), name="openapi-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema", **_public), name="api-docs"),
]
