from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Health, request metrics, startup checks of the AWS resources, and the operators' commands (benchmark,
    cost_estimate, metrics, ensure_staff_user). Observes the tenancy layer through its signal; nothing below
    imports this app."""

    name = "operations"

    def ready(self):
        from django.core import checks

        from tenants.signals import database_login_refused, tenant_request_finished, unit_of_work_lost

        from . import telemetry
        from .checks import secrets_readable

        checks.register(secrets_readable, "aws")
        tenant_request_finished.connect(telemetry.record_request, dispatch_uid="operations.telemetry")
        unit_of_work_lost.connect(telemetry.record_unit_lost, dispatch_uid="operations.telemetry")
        database_login_refused.connect(telemetry.record_login_refused, dispatch_uid="operations.telemetry")
