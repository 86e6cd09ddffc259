from django.apps import AppConfig
from django.core import checks

from .aliases import TRUSTED_ALIAS
from .conf import conf


class TenantsConfig(AppConfig):
    name = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # A deployment check (`manage.py check --deploy --database default`): migrate also passes --database to the
        # checks, and must be able to run before the policies exist.
        checks.register(rls_audit_check, checks.Tags.database, deploy=True)
        checks.register(settings_check)


def rls_audit_check(app_configs, databases=None, **kwargs):
    """`manage.py check --deploy --database default`: the same audit as rls_verify, as system check errors whose ids
    are the findings' stable ones (tenants.audit)."""
    if not databases or TRUSTED_ALIAS not in databases:
        return []
    from . import audit

    return [
        (checks.Warning if f.transitional else checks.Error)(
            f.message,
            id=f.check_id,
            hint=f"audit finding '{f.code}': "
            + (
                "transitional: reported until the operator ends it (its message says how)"
                if f.transitional
                else "run `manage.py rls_apply`, then `manage.py rls_verify` for the full report"
            ),
        )
        for f in audit.audit("default")
    ]


def settings_check(app_configs, **kwargs):
    from django.conf import settings

    issues = []
    if "tenants.router.TenantRouter" not in settings.DATABASE_ROUTERS:
        # without it, tenant models silently use the `default` alias: the BYPASSRLS role, every tenant's rows
        issues.append(
            checks.Critical(
                "tenants.router.TenantRouter is not in DATABASE_ROUTERS",
                hint="keep it in the list; add other routers before or after it",
                id="tenants.C001",
            )
        )
    if not conf.TENANT_JWT_SECRET and not conf.TENANT_JWT_PUBLIC_KEY:
        issues.append(
            checks.Warning(
                "no JWT key is configured: tenant apps can only use API tokens",
                hint="set TENANT_JWT_SECRET (HS256) or TENANT_JWT_PUBLIC_KEY with TENANT_JWT_ALGORITHM=RS256",
                id="tenants.W001",
            )
        )
    alg = conf.TENANT_JWT_ALGORITHM
    if alg.lower() == "none" or alg not in {
        "HS256",
        "HS384",
        "HS512",
        "RS256",
        "RS384",
        "RS512",
        "ES256",
        "ES384",
        "PS256",
        "EdDSA",
    }:
        issues.append(
            checks.Error(
                f"TENANT_JWT_ALGORITHM={alg!r} is not an accepted algorithm",
                hint="use HS256 with TENANT_JWT_SECRET or RS256 with TENANT_JWT_PUBLIC_KEY",
                id="tenants.E001",
            )
        )
    return issues
