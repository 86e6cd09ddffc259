"""`manage.py reactivate_tenant ID`: see deactivate_tenant."""

from .deactivate_tenant import Command as Deactivate


class Command(Deactivate):
    help = "Reactivate a deactivated tenant: its tokens and JWTs are accepted again."
    active = True
