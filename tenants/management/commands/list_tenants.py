"""`manage.py list_tenants [--json]`: every tenant, whether it is active, and how many members and usable tokens."""

from django.db.models import Count, Q
from django.utils import timezone

from tenants.management.listing import ListingCommand
from tenants.models import Tenant


class Command(ListingCommand):
    help = "List the tenants: id, name, active, members, usable API tokens, created."
    columns = ("id", "name", "active", "members", "tokens", "created_at")

    def rows(self, **options):
        usable = Q(api_tokens__revoked_at__isnull=True) & (
            Q(api_tokens__expires_at__isnull=True) | Q(api_tokens__expires_at__gt=timezone.now())
        )
        tenants = Tenant.objects.annotate(
            members=Count("memberships", distinct=True), tokens=Count("api_tokens", filter=usable, distinct=True)
        ).order_by("id")
        return [
            {
                "id": t.id,
                "name": t.name,
                "active": t.is_active,
                "members": t.members,
                "tokens": t.tokens,
                "created_at": t.created_at,
            }
            for t in tenants
        ]
