"""The Django admin on the trusted path: every admin view runs in trusted_scope(), so tenant models go to the
`default` alias (hospitality_admin, BYPASSRLS) — never to the tenant alias, and never with a tenant credential
(the admin authenticates staff sessions only)."""

import functools
import logging

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import BadRequest
from django.db import DatabaseError, DataError, InterfaceError, OperationalError
from django.db.transaction import TransactionManagementError
from django.http import Http404, HttpResponse

from dataapi_backend.dbapi import UNKNOWN
from tenants.aliases import TRUSTED_ALIAS
from tenants.context import trusted_scope
from tenants.exceptions import outcome_of
from tenants.unit_of_work import UnitOfWork

log = logging.getLogger("hospitality.admin")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
NOT_SAVED = "The database is temporarily unavailable; nothing was saved. Go back and submit the form again."
MAYBE_SAVED = "The database did not confirm the change: it may or may not have been saved. Check before repeating it."


def unit_of_work(view, request, *args, **kwargs):
    """A staff write: one unit of work on the trusted alias (the admin's own atomic blocks nest in it), answered
    with success only once its commit returned; otherwise 503 (nothing saved, submit again) or 502 (unknown)."""
    unit = UnitOfWork(TRUSTED_ALIAS, "admin")
    unit.begin()
    try:
        response = view(request, *args, **kwargs)
    except (TransactionManagementError, InterfaceError, OperationalError) as exc:
        # the connection closed under the write (or its close was refused), the database unavailable: the unit
        # rolls back, nothing of it is saved
        unit.finish(False)
        log.error("admin write on %s failed in the database: %s", request.path, exc)
        return _failed(unknown=False)
    except BaseException:
        unit.finish(False)
        raise
    try:
        unit.finish(response.status_code < 400)
    except DatabaseError as exc:
        return _failed(unknown=outcome_of(exc) == UNKNOWN)
    return response


def _failed(unknown: bool) -> HttpResponse:
    failed = HttpResponse(
        MAYBE_SAVED if unknown else NOT_SAVED, status=502 if unknown else 503, content_type="text/plain"
    )
    if not unknown:
        failed["Retry-After"] = "2"
    return failed


class HospitalityAdminSite(admin.AdminSite):
    site_header = "hospitality — staff administration"
    site_title = "hospitality admin"
    index_title = "All tenants (trusted path)"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def answer(request, *args, **kwargs):
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

        @functools.wraps(inner)
        def trusted(request, *args, **kwargs):
            with trusted_scope():
                if request.method in SAFE_METHODS:
                    return answer(request, *args, **kwargs)
                return unit_of_work(answer, request, *args, **kwargs)

        return trusted

    def get_urls(self):
        # `r/<content type>/<id>/` (the "view on site" redirect) would tell, by its answer, whether any row of any
        # tenant exists; no model here has a page on a site to go to, so it is a plain 404 whatever the id.
        return [
            self._no_site_page() if getattr(url, "name", None) == "view_on_site" else url for url in super().get_urls()
        ]

    def _no_site_page(self):
        from django.urls import path

        def view_on_site(request, content_type_id, object_id):
            raise Http404()

        return path("r/<int:content_type_id>/<path:object_id>/", self.admin_view(view_on_site), name="view_on_site")


class HospitalityAdminConfig(AdminConfig):
    default_site = "hospitality.admin_site.HospitalityAdminSite"

    def ready(self):
        super().ready()  # autodiscover: every app's admin registered
        superusers_only(LOGIN_RECORDS)


# django-axes' records of staff logins (addresses, user agents, usernames, of every tenant's staff and of the
# superusers): site-wide, never scoped to a tenant, so superusers' business alone, whatever permissions a staff
# member was given.
LOGIN_RECORDS = ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog")


class SuperusersOnly:
    """A ModelAdmin mixin: only active superusers see or change the model, whatever permissions a staff member
    holds."""

    def _superuser(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self._superuser(request)

    def has_view_permission(self, request, obj=None):
        return self._superuser(request)

    def has_change_permission(self, request, obj=None):
        return self._superuser(request)

    def has_delete_permission(self, request, obj=None):
        return self._superuser(request)


def superusers_only(labels) -> None:
    from django.apps import apps

    for label in labels:
        model = apps.get_model(label)
        if admin.site.is_registered(model):
            base = type(admin.site.get_model_admin(model))
            admin.site.unregister(model)
            admin.site.register(model, type(f"SuperusersOnly{base.__name__}", (SuperusersOnly, base), {}))
