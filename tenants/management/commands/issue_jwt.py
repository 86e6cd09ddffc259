from django.core.management.base import BaseCommand, CommandError

from tenants.authentication import mint_jwt
from tenants.conf import conf
from tenants.context import trusted_scope
from tenants.models import Membership


class Command(BaseCommand):
    help = (
        "Print a tenant JWT this server accepts, for a member of the tenant (local development and trusted "
        "tooling; in production the identity provider issues them). It lives TENANT_JWT_MAX_LIFETIME seconds "
        "unless --lifetime says less."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--lifetime", type=int, help="seconds (default and maximum: TENANT_JWT_MAX_LIFETIME)")

    def handle(self, *args, tenant, user, lifetime, **options):
        with trusted_scope():
            member = Membership.objects.select_related("user").filter(tenant_id=tenant, user__username=user).first()
        if member is None or not member.user.is_active:
            raise CommandError(f"{user!r} is not an active member of {tenant!r}")
        try:
            token = mint_jwt(tenant, str(member.user_id), member.role, lifetime)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(token)
        if lifetime is None:
            self.stderr.write(f"valid for {conf.TENANT_JWT_MAX_LIFETIME} s")
