from django.apps import AppConfig
from django.db.models.signals import pre_migrate


class BookingsConfig(AppConfig):
    name = "bookings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .adoption import refuse_migrating_a_seed_database

        pre_migrate.connect(refuse_migrating_a_seed_database, sender=self)
