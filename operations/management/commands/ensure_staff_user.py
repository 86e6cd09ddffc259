import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from tenants.management.writing import WritingCommand


class Command(WritingCommand):
    help = (
        "Create or update a staff superuser for the Django admin (trusted path). The password comes from "
        "$DEMO_ADMIN_PASSWORD (never on the command line, so never in the process list), or is generated with "
        "--generate-password and printed once: on AWS the management function returns it in its result and logs "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--generate-password", action="store_true", help="generate a password and print it once")

    def handle(self, *args, username, email, generate_password, **options):
        password = os.environ.get("DEMO_ADMIN_PASSWORD")
        if generate_password:
            password = secrets.token_urlsafe(18)
        elif not password:
            raise CommandError(
                "DEMO_ADMIN_PASSWORD is not set; export the password to give the staff user, or pass "
                "--generate-password"
            )
        User = get_user_model()
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            user, created = User.objects.using(DEFAULT_DB_ALIAS).get_or_create(
                username=username, defaults={"email": email or f"{username}@example.com"}
            )
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save(using=DEFAULT_DB_ALIAS)
        self.stdout.write(self.style.SUCCESS(f"staff user {username!r} {'created' if created else 'updated'}"))
        if generate_password:
            self.stdout.write(f"password (shown once, store it now): {password}")
