"""A project that installs `tenants` and defines none of its settings (no TENANT_*, no TRUSTED_PROXIES, ...): only
what Django itself needs, the tenant alias on direct PostgreSQL as the app role, and the router."""

import os

SECRET_KEY = "bare-settings-only-for-this-test-" + "x" * 20
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "rest_framework", "tenants"]
_url = os.environ["TENANT_DATABASE_URL"].replace("postgres://", "")
_credentials, _, _location = _url.partition("@")
_user, _, _password = _credentials.partition(":")
_host_port, _, _name = _location.partition("/")
_host, _, _port = _host_port.partition(":")
_pg = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": _name,
    "USER": _user,
    "PASSWORD": _password,
    "HOST": _host,
    "PORT": _port,
}
DATABASES = {"default": _pg, "tenant": _pg}
DATABASE_ROUTERS = ["tenants.router.TenantRouter"]
USE_TZ = True
