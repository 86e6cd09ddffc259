"""URLs typed by hand: malformed filter values, regular expressions the database cannot compile and primary keys of
the wrong shape are the request's fault (400, or 404 for an object that cannot exist), never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("committed")


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/admin/bookings/booking/?tenant=%00", {400}),
        ("/admin/bookings/booking/?guest_email__regex=(", {400}),
        ("/admin/auth/user/?username__iregex=[", {400, 403}),  # 403: the scoped member may not list users
        ("/admin/bookings/booking/?q=%00", {200}),  # a search term: finds nothing
        ("/admin/tenants/tenant/%00/change/", {400}),
        ("/admin/bookings/booking/%00/change/", {404}),  # not a UUID: no such booking
        ("/admin/bookings/booking/not-a-uuid/change/", {404}),
        ("/admin/bookings/booking/?check_in__gte=not-a-date", {200, 302}),  # ignored, or Django's "?e=1"
    ],
)
@pytest.mark.parametrize("who", ["root", "scoped"])
def test_odd_urls_are_client_errors(world, path, expected, who):
    client = world.client(who)
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code in expected, (who, path, response.status_code)
