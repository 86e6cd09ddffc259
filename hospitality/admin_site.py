"""The Django admin on the trusted path: every admin view runs in trusted_scope(), so tenant models go to the
`default` alias (hospitality_admin, BYPASSRLS) — never to the tenant alias, and never with a tenant credential
(the admin authenticates staff sessions only)."""

import functools

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import BadRequest
from django.db import DataError

from tenants.context import trusted_scope


class HospitalityAdminSite(admin.AdminSite):
    site_header = "hospitality — staff administration"
    site_title = "hospitality admin"
    index_title = "All tenants (trusted path)"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def trusted(request, *args, **kwargs):
            with trusted_scope():
                try:
                    response = inner(request, *args, **kwargs)
                    # TemplateResponses render after the view returns: their queries must still be trusted
                    if hasattr(response, "render") and not response.is_rendered:
                        response.render()
                except DataError as exc:
                    # a value typed into the URL that the database refuses (a NUL, a malformed regular
                    # expression, an id of the wrong shape): the request's fault, a 400
                    raise BadRequest("A filter value or id in this URL is not valid.") from exc
                return response

        return trusted


class HospitalityAdminConfig(AdminConfig):
    default_site = "hospitality.admin_site.HospitalityAdminSite"
