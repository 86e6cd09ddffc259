"""What the tenancy layer announces, for layers above it to observe (operations records request metrics) without
the tenancy layer importing them."""

from django.dispatch import Signal

# After each tenant API request's transaction finished (committed, rolled back or failed): kwargs request, status
# (the status the client gets) and latency_ms (the whole request, commit included).
tenant_request_finished = Signal()
