"""`manage.py add_member --tenant ID --user USERNAME --role ROLE [--tenant-name NAME] [--email E]`: make a user a
member of a tenant, creating the tenant (given --tenant-name) and the user when missing. A user created here has
no password: tenant apps authenticate with API tokens (`issue_token`) or the identity provider's JWTs."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction

from tenants.context import trusted_scope
from tenants.management.writing import WritingCommand
from tenants.models import Membership, Role, Tenant
from tenants.validators import is_valid_tenant_id


class Command(WritingCommand):
    help = "Make a user a member of a tenant (creating the tenant and the user when missing)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="tenant id, e.g. tenant-seaside-001")
        parser.add_argument("--tenant-name", help="create the tenant with this name when it does not exist")
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--email", default="")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, tenant, tenant_name, user, email, role, **options):
        if not is_valid_tenant_id(tenant):
            raise CommandError(f"{tenant!r} is not a tenant id (3-63 lowercase letters, digits and dashes)")
        with trusted_scope(), transaction.atomic():
            found = Tenant.objects.filter(id=tenant).first()
            if found is None:
                if not tenant_name:
                    raise CommandError(f"no tenant {tenant!r}; give --tenant-name to create it")
                found = Tenant.objects.create(id=tenant, name=tenant_name)
                self.stdout.write(f"tenant {tenant!r} created")
            member, created = get_user_model().objects.get_or_create(username=user, defaults={"email": email})
            if created:
                member.set_unusable_password()
                member.save(update_fields=["password"])
                self.stdout.write(f"user {user!r} created (no password: tenant apps use tokens or JWTs)")
            membership, joined = Membership.objects.update_or_create(user=member, tenant=found, defaults={"role": role})
        self.stdout.write(f"{user!r} is {'now' if joined else 'still'} a member of {tenant!r} as {role}")
