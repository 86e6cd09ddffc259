class BackendTestsRouter:
    """The backend's test models live on the Data API alias (owner role)."""

    def db_for_read(self, model, **hints):
        return "dataapi" if model._meta.app_label == "backend_tests" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        return None
