"""`manage.py list_members [--tenant ID] [--json]`: who belongs to which tenant, with their identity provider id."""

from django.core.management.base import CommandError

from tenants.management.listing import ListingCommand
from tenants.models import Membership, Tenant


class Command(ListingCommand):
    help = "List the memberships: tenant, username, external id, role, email, whether the user is active."
    columns = ("tenant", "user", "external_id", "role", "email", "user_active")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--tenant", help="one tenant's members only")

    def rows(self, tenant=None, **options):
        members = Membership.objects.select_related("user").order_by("tenant_id", "user__username")
        if tenant:
            if not Tenant.objects.filter(id=tenant).exists():
                raise CommandError(f"no tenant {tenant!r} (list_tenants lists them)")
            members = members.filter(tenant_id=tenant)
        return [
            {
                "tenant": m.tenant_id,
                "user": m.user.username,
                "external_id": m.external_id,
                "role": m.role,
                "email": m.user.email,
                "user_active": m.user.is_active,
            }
            for m in members
        ]
