"""`manage.py rotate_token --hint hsp_<tenant>.<abcd> [--grace-hours N]`: a new token for the same tenant, member and
name (shown once), and the old one expiring after the grace period, so that a client can switch without an outage."""

import datetime

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from tenants.management.writing import WritingCommand
from tenants.models import ApiToken


class Command(WritingCommand):
    help = "Replace an API token: issue its successor (printed once) and let the old one expire after a grace period."

    def add_arguments(self, parser):
        parser.add_argument("--hint", required=True, help="the token's prefix as the admin lists it")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=24.0,
            help="how long the old token keeps working (default 24; 0 ends it now)",
        )

    def handle(self, *args, hint, grace_hours, **options):
        if grace_hours < 0:
            raise CommandError("--grace-hours must be 0 or more")
        with transaction.atomic():
            old = ApiToken.objects.select_for_update().filter(hint=hint, revoked_at__isnull=True).first()
            if old is None:
                raise CommandError(f"no active token with the prefix {hint!r}")
            new = ApiToken(tenant_id=old.tenant_id, user_id=old.user_id, name=old.name)
            token = new.set_new_token()
            new.save()
            ends = timezone.now() + datetime.timedelta(hours=grace_hours)
            if old.expires_at is None or old.expires_at > ends:
                old.expires_at = ends
                old.save(update_fields=["expires_at"])
        self.stderr.write(f"{hint}… expires {old.expires_at:%Y-%m-%d %H:%M %Z}; its successor (shown once):")
        self.stdout.write(token)
