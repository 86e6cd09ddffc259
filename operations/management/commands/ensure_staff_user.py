import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction


class Command(BaseCommand):
    help = (
        "Create or update a staff superuser for the Django admin (trusted path). The password comes from "
        "$DEMO_ADMIN_PASSWORD so it never shows in the process list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)

    def handle(self, *args, username, **options):
        password = os.environ.get("DEMO_ADMIN_PASSWORD")
        if not password:
            raise CommandError("DEMO_ADMIN_PASSWORD is not set; export the password to give the staff user")
        User = get_user_model()
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            user, created = User.objects.using(DEFAULT_DB_ALIAS).get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save(using=DEFAULT_DB_ALIAS)
        self.stdout.write(self.style.SUCCESS(f"staff user {username!r} {'created' if created else 'updated'}"))
