from django.apps import AppConfig


class BackendTestsConfig(AppConfig):
    name = "tests.backend"
    label = "backend_tests"
    default_auto_field = "django.db.models.BigAutoField"
