"""tenants/client_address.py: the caller's address is the peer's, or what a configured trusted proxy appended to
X-Forwarded-For; never what the caller wrote there."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from hospitality.config import trusted_proxies
from tenants.client_address import client_address


@pytest.mark.parametrize(
    "remote, forwarded, expected",
    [
        ("203.0.113.5", "1.2.3.4", "203.0.113.5"),  # not from a proxy: the header is the caller's
        ("10.0.0.2", "1.2.3.4, 198.51.100.7", "198.51.100.7"),  # the proxy appended the client; the rest is forged
        ("10.0.0.2", "198.51.100.7, 10.0.0.3", "198.51.100.7"),  # two trusted hops
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("10.0.0.2", "", "10.0.0.2"),
    ],
)
def test_forwarded_for_is_read_only_from_trusted_proxies(settings, remote, forwarded, expected):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/24"),)
    request = RequestFactory().get("/api/entities/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_bad_trusted_proxy_setting_is_one_clear_line():
    assert [str(n) for n in trusted_proxies({"FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.0.2.7"})] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
    ]
    with pytest.raises(ImproperlyConfigured, match="FORWARDED_ALLOW_IPS.*'proxy' is not an IP address"):
        trusted_proxies({"FORWARDED_ALLOW_IPS": "proxy"})
