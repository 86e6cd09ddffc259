"""Lambda SnapStart: what a snapshot of an initialised execution environment must not carry into its restores.

The runtime snapshots the environment after the init phase (Django set up, URLconf imported, clients created) and
restores copies of it for later cold starts. Each copy would otherwise share the same random state, reuse the
snapshotted credentials and HTTP connections of the AWS clients, and report counters from before it existed. So:
before the snapshot, close database connections; after each restore, reseed `random` (retry jitter), drop the AWS
clients (the next call creates them with the restored environment's credentials), close connections, zero the
metrics, the health probes' cache and the throttle counters, and forget the signing keys read from their secret
(a rotation may have switched them since). `uuid4`, `secrets` and the context signatures read the OS's randomness
on every call and need nothing.

The hooks register with the runtime's `snapshot_restore_py` module, present on Lambda's Python runtimes (3.12+);
elsewhere there is nothing to register with.
"""

from __future__ import annotations

import random


def before_snapshot() -> None:
    from django.db import connections

    connections.close_all()


def after_restore() -> None:
    from django.core.cache import cache
    from django.db import connections

    from dataapi_backend.dbapi import call_metrics, transport
    from operations import health, telemetry
    from tenants import key_secret

    random.seed()
    transport.forget_clients()
    connections.close_all()
    call_metrics.reset_all()
    telemetry.requests.reset()
    health.forget_cached()
    cache.clear()
    key_secret.cache.forget()  # the signing keys as the secret holds them now, not as at the snapshot


def register() -> bool:
    """Register the hooks with the Lambda runtime; False where there is no such runtime."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
