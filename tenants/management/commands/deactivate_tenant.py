"""`manage.py deactivate_tenant ID` / `reactivate_tenant ID`: switch a tenant off and on. Its rows, members and
tokens are kept; while it is off every token and JWT of its members is refused with 403 `tenant_inactive` (the
database says so in the entering statement, on every transport)."""

from django.core.management.base import CommandError

from tenants.management.writing import WritingCommand
from tenants.models import Tenant


class Command(WritingCommand):
    help = "Switch a tenant off: its data is kept, its tokens and JWTs refused (403 tenant_inactive) until reactivated."
    active = False

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="the tenant's id")

    def handle(self, *args, tenant, **options):
        found = Tenant.objects.select_for_update().filter(id=tenant).first()
        if found is None:
            raise CommandError(f"no tenant {tenant!r} (list_tenants lists them)")
        state = "active" if self.active else "deactivated"
        if found.is_active == self.active:
            self.stdout.write(f"tenant {tenant!r} is {state} already")
            return
        found.is_active = self.active
        found.save(update_fields=["is_active"])
        self.stdout.write(f"tenant {tenant!r} {state}")
