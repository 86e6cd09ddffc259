"""`manage.py revoke_token ID`: end an API token now (its id as list_tokens prints it). The row stays, revoked, so
that list_tokens --all and the admin still show who held it; the token is refused from the next request on."""

from django.core.management.base import CommandError
from django.utils import timezone

from tenants.management.writing import WritingCommand
from tenants.models import ApiToken


class Command(WritingCommand):
    help = "Revoke an API token now, by the id list_tokens prints."

    def add_arguments(self, parser):
        parser.add_argument("token_id", type=int, help="the token's id (list_tokens)")

    def handle(self, *args, token_id, **options):
        token = ApiToken.objects.select_for_update().filter(id=token_id).first()
        if token is None:
            raise CommandError(f"no API token {token_id} (list_tokens --all lists them)")
        if token.revoked_at is not None:
            when = f"{token.revoked_at:%Y-%m-%d %H:%M}"
            self.stdout.write(f"token {token_id} ({token.hint}…) was revoked already, at {when}")
            return
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        self.stdout.write(f"token {token_id} ({token.hint}…, {token.tenant_id}) revoked")
