"""The Django admin on the trusted path: every admin view runs in trusted_scope(), so tenant models go to the
`default` alias (hospitality_admin, BYPASSRLS) — never to the tenant alias, and never with a tenant credential
(the admin authenticates staff sessions only)."""

import functools

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

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
                response = inner(request, *args, **kwargs)
                # TemplateResponses render after the view returns: their queries must still be trusted
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                return response

        return trusted


class HospitalityAdminConfig(AdminConfig):
    default_site = "hospitality.admin_site.HospitalityAdminSite"
