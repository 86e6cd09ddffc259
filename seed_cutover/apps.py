from django.apps import AppConfig, apps
from django.db.models.signals import pre_migrate


class SeedCutoverConfig(AppConfig):
    """Adopting the seed's database, its transition window, the way back and the finalize (see README.md). Nothing
    on the request path imports it; its `ready()` teaches the audit the window and guards `migrate`."""

    name = "seed_cutover"
    verbose_name = "Seed cutover"

    def ready(self):
        from tenants import audit

        from .adoption import refuse_migrating_a_seed_database
        from .window import AUDIT_IDS, WINDOW_POLICY, is_window, window_check

        audit.register(window_check, AUDIT_IDS)
        audit.claim_policy(WINDOW_POLICY, is_window)
        # the first app migrate would create tables for is the one whose tables the seed already has
        pre_migrate.connect(refuse_migrating_a_seed_database, sender=apps.get_app_config("bookings"))
