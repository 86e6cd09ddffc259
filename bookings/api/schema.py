"""OpenAPI annotations that cost nothing where no schema is served.

The tenant API function does not install drf_spectacular: importing it (with the DRF test utilities and YAML it
pulls in) is ~20 ms of every cold start, for a schema that only the staff function serves at /docs/. There, and in
the all-in-one process, the real decorator records the annotations.
"""

from django.conf import settings

if "drf_spectacular" in settings.INSTALLED_APPS:
    from drf_spectacular.utils import extend_schema
else:
    def extend_schema(*args, **kwargs):
        return lambda target: target

__all__ = ["extend_schema"]
