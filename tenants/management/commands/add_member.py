"""`manage.py add_member --tenant ID --role ROLE (--user USERNAME | --external-id ID) [--tenant-name NAME]
[--email E]`, or `add_member --members JSON|FILE`: make users members of tenants, creating the user when missing
(and the tenant, given --tenant-name). A user created here has no password: tenant apps authenticate with API tokens
(`issue_token`) or the identity provider's JWTs, whose user id is the membership's external id."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from tenants.identities import IdentityError, Member, read_members
from tenants.management.writing import WritingCommand
from tenants.models import Membership, Role, Tenant
from tenants.validators import is_valid_external_id, is_valid_tenant_id


class Command(WritingCommand):
    help = (
        "Make a user a member of a tenant (creating the user, and the tenant given --tenant-name, when missing), or "
        "load many from the identity provider's export with --members. All of it or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="tenant id, e.g. tenant-seaside-001")
        parser.add_argument("--tenant-name", help="create the tenant with this name when it does not exist")
        parser.add_argument("--user", help="username (default: the external id)")
        parser.add_argument(
            "--external-id", help="the user's id at the identity provider (the JWT's userId claim, e.g. auth0|5f7c…)"
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--role", choices=Role.values)
        parser.add_argument(
            "--members",
            help="many at once instead: a JSON list of {tenant_id, external_id, role, email} (inline, as a "
            "management event carries it, or a .json file) or a CSV file with that header",
        )

    def handle(self, *args, tenant, tenant_name, user, external_id, email, role, members, **options):
        if members:
            if any((tenant, tenant_name, user, external_id, email, role)):
                raise CommandError("--members loads every member from the list: give it alone")
            try:
                wanted = read_members(members)
            except IdentityError as exc:
                raise CommandError(str(exc)) from None
            if not wanted:
                raise CommandError("--members: the list is empty")
            missing = sorted({m.tenant_id for m in wanted} - set(Tenant.objects.values_list("id", flat=True)))
            if missing:
                raise CommandError(f"no tenant {', '.join(missing)}: create it first (add_member --tenant-name)")
            for member in wanted:
                self.join(member.tenant_id, member.external_id, member)
            self.stdout.write(f"{len(wanted)} membership(s) in {len({m.tenant_id for m in wanted})} tenant(s)")
            return
        if not tenant or not role or not (user or external_id):
            raise CommandError("give --tenant, --role and --user or --external-id (or --members)")
        if not is_valid_tenant_id(tenant):
            raise CommandError(f"{tenant!r} is not a tenant id (3-63 lowercase letters, digits and dashes)")
        if external_id is not None and not is_valid_external_id(external_id):
            raise CommandError(f"--external-id {external_id!r} is not an identity provider's user id")
        if not Tenant.objects.filter(id=tenant).exists():
            if not tenant_name:
                raise CommandError(f"no tenant {tenant!r}; give --tenant-name to create it")
            Tenant.objects.create(id=tenant, name=tenant_name)
            self.stdout.write(f"tenant {tenant!r} created")
        self.join(tenant, user or external_id, Member(tenant, external_id, role, email))

    def join(self, tenant: str, username: str, member: Member) -> None:
        """`username` a member of `tenant` as `member` says, once (again: role and external id updated)."""
        found, created = get_user_model().objects.get_or_create(
            username=username[:150], defaults={"email": member.email}
        )
        if created:
            found.set_unusable_password()  # they sign in at the identity provider, never here
            found.save(update_fields=["password"])
            self.stdout.write(f"user {found.username!r} created (no password: tenant apps use tokens or JWTs)")
        defaults = {"role": member.role}
        if member.external_id:
            defaults["external_id"] = member.external_id
        _, joined = Membership.objects.update_or_create(user=found, tenant_id=tenant, defaults=defaults)
        via = f" (external id {member.external_id})" if member.external_id else ""
        self.stdout.write(
            f"{found.username!r} is {'now' if joined else 'still'} a member of {tenant!r} as {member.role}{via}"
        )
