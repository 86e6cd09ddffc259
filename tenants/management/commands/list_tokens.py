"""`manage.py list_tokens [--tenant ID] [--all] [--json]`: API tokens by id and hint (never the secret or its hash),
usable ones unless --all; `revoke_token ID` ends one."""

from django.core.management.base import CommandError
from django.db.models import Q
from django.utils import timezone

from tenants.management.listing import ListingCommand
from tenants.models import ApiToken, Tenant


class Command(ListingCommand):
    help = "List API tokens (id, tenant, user, name, hint, created, expires, revoked): usable ones unless --all."
    columns = ("id", "tenant", "user", "name", "hint", "created_at", "expires_at", "revoked_at")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tenant", help="one tenant's tokens only")
        parser.add_argument("--all", dest="everything", action="store_true", help="also revoked and expired tokens")

    def rows(self, tenant=None, everything=False, **options):
        tokens = ApiToken.objects.select_related("user").order_by("tenant_id", "created_at", "id")
        if tenant:
            if not Tenant.objects.filter(id=tenant).exists():
                raise CommandError(f"no tenant {tenant!r} (list_tenants lists them)")
            tokens = tokens.filter(tenant_id=tenant)
        if not everything:
            tokens = tokens.filter(revoked_at__isnull=True).filter(
                Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
            )
        return [
            {
                "id": t.id,
                "tenant": t.tenant_id,
                "user": t.user.username,
                "name": t.name,
                "hint": t.hint,
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
            }
            for t in tokens
        ]
