"""Threads interleaving requests of different tenants for hundreds of rounds see 0 foreign rows."""

import threading

from django.db import connections
from django.test import Client

from tests.support import A, B

ROUNDS = 100  # per thread; 4 threads → 400 requests


def test_interleaved_tenants_see_no_foreign_rows(world, db_access):
    foreign = {A: {str(b.pk) for b in world.bookings[B]}, B: {str(b.pk) for b in world.bookings[A]}}
    seen_foreign, errors, done = [], [], []

    def worker(user, tenant, via_token):
        client = Client()
        auth = world.token_auth(f"{user}@{'A' if tenant == A else 'B'}") if via_token else world.auth(user, tenant)
        try:
            for i in range(ROUNDS):
                path = "/api/bookings/" if i % 2 else "/api/whoami/"
                response = client.get(path, **auth)
                if response.status_code != 200:
                    errors.append(response.status_code)
                    continue
                body = response.json()
                if path == "/api/whoami/":
                    if body["tenant_id"] != tenant:
                        seen_foreign.append(body)
                else:
                    seen_foreign.extend(r["id"] for r in body["results"] if r["id"] in foreign[tenant])
                done.append(1)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=args)
        for args in (("ann", A, False), ("ben", B, False), ("ann", A, True), ("ben", B, True))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert seen_foreign == []
    assert len(done) == 4 * ROUNDS
