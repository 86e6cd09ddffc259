from django.core.management.base import CommandError

from tenants.management.writing import WritingCommand
from tenants.models import ApiToken, Membership


class Command(WritingCommand):
    help = "Issue an API token for a tenant app (user must be a member of the tenant). The token is shown once."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args, tenant, user, name, **options):
        try:
            member = Membership.objects.select_related("tenant", "user").get(tenant_id=tenant, user__username=user)
        except Membership.DoesNotExist:
            raise CommandError(f"{user!r} is not a member of {tenant!r}") from None
        _, token = ApiToken.issue(tenant=member.tenant, user=member.user, name=name)
        self.stdout.write(token)
