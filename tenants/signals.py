"""What the tenancy layer announces, for layers above it to observe (operations records request metrics) without
the tenancy layer importing them."""

from django.dispatch import Signal

# After each tenant API request's transaction finished (committed, rolled back or failed): kwargs request, status
# (the status the client gets) and latency_ms (the whole request, commit included).
tenant_request_finished = Signal()

# A unit of work (tenant request, admin write, writing command, tenant_block) asked to commit and found its
# transaction gone (tenants.unit_of_work): kwargs alias, surface, outcome. It was answered as a failure.
unit_of_work_lost = Signal()

# The database refused the login of a role this process uses (its password no longer matches the secret).
# Callers were answered database_unavailable, never told their own credentials are wrong.
database_login_refused = Signal()
