"""Repeated failed staff logins lock that username from that address out (django-axes), even with the right
password afterwards; the lockout is an explicit page, not a silent failure."""

import pytest
from django.test import Client

from .conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("committed")


@pytest.fixture
def axes_on(settings):
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    AccessAttempt.objects.filter(username="adm-root").delete()
    yield settings
    AccessAttempt.objects.filter(username="adm-root").delete()


def test_lockout_after_repeated_failures(world, axes_on):
    client = Client(REMOTE_ADDR="198.51.100.7")
    login = "/admin/login/?next=/admin/"
    for _ in range(axes_on.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "adm-root", "password": "wrong"})
        assert response.status_code == 200 and b"Please enter the correct username and password" in response.content
    locked = client.post(login, {"username": "adm-root", "password": "wrong"})
    assert locked.status_code == 429
    again = client.post(login, {"username": "adm-root", "password": PASSWORD})
    assert again.status_code == 429  # even the right password, until the cool-off ends
    # another address is not locked out by this one's failures
    other = Client(REMOTE_ADDR="198.51.100.8").post(login, {"username": "adm-root", "password": PASSWORD})
    assert other.status_code == 302


def test_a_rotating_forwarded_for_does_not_escape_the_lockout(world, axes_on):
    client = Client(REMOTE_ADDR="198.51.100.9")
    login = "/admin/login/?next=/admin/"
    codes = [
        client.post(
            login, {"username": "adm-root", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        ).status_code
        for i in range(axes_on.AXES_FAILURE_LIMIT + 3)
    ]
    assert codes[: axes_on.AXES_FAILURE_LIMIT - 1] == [200] * (axes_on.AXES_FAILURE_LIMIT - 1)
    assert set(codes[axes_on.AXES_FAILURE_LIMIT - 1 :]) == {429}
