"""Tenants, who belongs to them, and the API tokens tenant apps use. Trusted-path tables: the app role has no
privileges on them; it reaches them only through app.enter_tenant*() (SECURITY DEFINER)."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from .aliases import TRUSTED_ALIAS
from .conf import conf
from .validators import validate_external_id, validate_tenant_id


class Tenant(models.Model):
    id = models.CharField(primary_key=True, max_length=63, validators=[validate_tenant_id])
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} ({self.id})"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MANAGER = "manager", "Manager"
    STAFF = "staff", "Staff"
    VIEWER = "viewer", "Viewer"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STAFF)
    # The member's id at the identity provider that issues the tenant app's JWTs (the seed's `userId` claim and
    # X-User-Id header: text, e.g. "auth0|5f7c..."), when TENANT_EXTERNAL_IDENTITIES is on.
    external_id = models.CharField(max_length=200, null=True, blank=True, validators=[validate_external_id])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_user_tenant_unique"),
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                name="membership_tenant_external_unique",
                condition=models.Q(external_id__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.tenant_id} ({self.role})"


class StaffTenant(models.Model):
    """A tenant a staff member (not a superuser) may see and change in the admin. The admin is the trusted path
    (BYPASSRLS), so this scoping is the admin's own job: tenants/admin_scope.py applies it to every admin view."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_tenants")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = "staff tenant assignment"
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="staff_tenant_unique")]

    def __str__(self):
        return f"{self.user} may manage {self.tenant_id}"


class IdempotencyKey(models.Model):
    """The first outcome of a tenant API write sent with `Idempotency-Key`, stored in the same transaction as the
    write (so it exists exactly when the write was committed), under RLS like every tenant table. A retry with the
    same key gets this response back without writing again; another body with the same key is refused."""

    tenant_scoped = True  # read by tenants.router.TenantRouter; RLS by rls_apply

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False, editable=False)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        db_table = "api_idempotency_keys"
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_tenant_key_unique")]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A tenant app's credential: `hsp_<tenant id>.<secret>`. Only the SHA-256 is stored; the token is shown once,
    when issued. The tenant id in clear lets a request pick its transport before any database call (gradual
    rollout); the database still checks the whole token."""

    PREFIX = "hsp_"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=80, editable=False, help_text="The token up to its secret part.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    def set_new_token(self) -> str:
        """Generate this token's secret; only its hash and a hint are kept. Returns the token: show it once. A
        token without an expiry gets the default lifetime (API_TOKEN_LIFETIME_DAYS)."""
        if self.expires_at is None:
            self.expires_at = timezone.now() + datetime.timedelta(days=conf.API_TOKEN_LIFETIME_DAYS)
        token = f"{self.PREFIX}{self.tenant_id}.{secrets.token_urlsafe(32)}"
        self.token_hash = hash_token(token)
        self.hint = token.split(".", 1)[0] + "." + token.split(".", 1)[1][:4]
        return token

    @classmethod
    def issue(cls, *, tenant: Tenant, user, name: str, using: str = TRUSTED_ALIAS) -> tuple["ApiToken", str]:
        obj = cls(tenant=tenant, user=user, name=name)
        token = obj.set_new_token()
        obj.save(using=using)
        return obj, token
