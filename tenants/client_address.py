"""The caller's address, for throttles and the admin lockout: never what a header the caller controls says.

REMOTE_ADDR is the peer of the connection (on Lambda, API Gateway's `requestContext` source address, which the
handler puts there). X-Forwarded-For is read only when that peer is a proxy listed in conf.TRUSTED_PROXIES
(`FORWARDED_ALLOW_IPS`): then the hops are read from the right, skipping trusted proxies, and the first one that
is not one is the client. Everything left of it may be forged and is ignored.
"""

from __future__ import annotations

import ipaddress

from .conf import conf


def _is_trusted(address: str, proxies) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(request) -> str:
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = conf.TRUSTED_PROXIES
    if not proxies or not _is_trusted(remote, proxies):
        return remote
    nearest = remote
    for hop in reversed([h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]):
        if not _is_trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return nearest  # garbage from the client side: the last hop we trust is all we know
        nearest = hop
    return nearest
