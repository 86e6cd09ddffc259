"""Demo tenants, users, memberships, API tokens, entities and a realistic volume of bookings."""

import datetime as dt
import json
import os
import random
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bookings.models import Booking, BookingStatus, Entity, EntityType, RelationshipType, TenantRelationship
from tenants.authentication import mint_jwt
from tenants.context import trusted_scope
from tenants.management.progress import ProgressMixin
from tenants.models import ApiToken, Membership, Role, Tenant

TENANTS = [
    ("tenant-seaside-001", "Seaside Resorts"),
    ("tenant-mountain-002", "Mountain Lodges"),
    ("tenant-city-003", "City Hotels"),
]
USERS = [
    ("alice", "tenant-seaside-001", Role.OWNER),
    ("bob", "tenant-mountain-002", Role.MANAGER),
    ("carol", "tenant-city-003", Role.STAFF),
    ("carol", "tenant-seaside-001", Role.VIEWER),
]
FIRST = ["Ana", "Ben", "Chloé", "Dev", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kemal", "Lena", "Mo", "Nia"]
LAST = ["Silva", "Okafor", "Müller", "Patel", "Rossi", "Kim", "Novak", "Haddad", "García", "Berg", "Tanaka"]


class Command(ProgressMixin, BaseCommand):
    help = "Create demo tenants, users (password from $DEMO_USER_PASSWORD), API tokens, entities and bookings."

    def add_arguments(self, parser):
        parser.add_argument("--bookings", type=int, default=2000, help="bookings per tenant (default 2000)")
        parser.add_argument("--credentials-file", help="write the demo credentials (tokens, JWTs) here as JSON")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, bookings, credentials_file, seed, **options):
        if bookings < 0:
            raise CommandError("--bookings must be 0 or more")
        password = os.environ.get("DEMO_USER_PASSWORD")
        if not password:
            raise CommandError("DEMO_USER_PASSWORD is not set; export the password to give the demo users")
        rng = random.Random(seed)
        started = time.monotonic()
        credentials = {"users": {}, "api_tokens": {}, "jwts": {}}
        with trusted_scope(), transaction.atomic(using="default"):
            User = get_user_model()
            for tenant_id, name in TENANTS:
                Tenant.objects.update_or_create(id=tenant_id, defaults={"name": name, "is_active": True})
            for username, tenant_id, role in USERS:
                user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
                user.set_password(password)
                user.save()
                Membership.objects.update_or_create(user=user, tenant_id=tenant_id, defaults={"role": role})
                credentials["users"][username] = password
                key = f"{username}@{tenant_id}"
                ApiToken.objects.filter(user=user, tenant_id=tenant_id, name="demo").delete()
                _, token = ApiToken.issue(tenant=Tenant.objects.get(id=tenant_id), user=user, name="demo")
                credentials["api_tokens"][key] = token
                if settings.TENANT_JWT_SECRET and settings.TENANT_JWT_ALGORITHM.startswith("HS"):
                    # valid for as long as this server accepts (TENANT_JWT_MAX_LIFETIME); `manage.py issue_jwt`
                    # mints another
                    credentials["jwts"][key] = mint_jwt(tenant_id, str(user.pk), str(role))
            for tenant_id, _ in TENANTS:
                if Entity.objects.filter(tenant_id=tenant_id).exists():
                    self.stdout.write(f"  {tenant_id}: demo data already present, kept")
                    continue
                self.seed_tenant(tenant_id, bookings, rng)
        if credentials_file:
            path = Path(credentials_file)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(credentials, fh, indent=2)
        self.stdout.write(self.style.SUCCESS(f"demo data ready in {time.monotonic() - started:.1f}s"))

    def seed_tenant(self, tenant_id, count, rng):
        stamp = {"tenant_id": tenant_id, "created_by": "seed_demo"}
        short = tenant_id.split("-")[1].title()
        entities = [
            Entity(
                entity_type=EntityType.HOTEL,
                name=f"{short} Grand Hotel {i}",
                metadata={"stars": rng.choice([3, 4, 5]), "city": short},
                **stamp,
            )
            for i in range(1, 4)
        ]
        entities += [
            Entity(
                entity_type=EntityType.RESTAURANT,
                name=f"{short} Bistro {i}",
                metadata={"cuisine": rng.choice(["local", "italian", "seafood"])},
                **stamp,
            )
            for i in range(1, 3)
        ]
        hotels = entities[:3]
        entities += [
            Entity(
                entity_type=EntityType.ROOM,
                name=f"{short} Room {100 + i}",
                parent=hotels[i % 3],
                metadata={"beds": rng.choice([1, 2, 3])},
                **stamp,
            )
            for i in range(1, 21)
        ]
        entities.append(Entity(entity_type=EntityType.SPA, name=f"{short} Spa", **stamp))
        entities = Entity.objects.bulk_create(entities)
        # (property, room): a hotel's room, or a restaurant or spa booked as a whole
        bookable = [
            (e.parent, e) if e.entity_type == EntityType.ROOM else (e, e)
            for e in entities
            if e.entity_type in (EntityType.ROOM, EntityType.RESTAURANT, EntityType.SPA)
        ]
        TenantRelationship.objects.bulk_create(
            [
                TenantRelationship(
                    entity=e,
                    external_id=f"{kind}-{rng.randint(1000, 9999)}",
                    relationship_type=kind,
                    metadata={"since": "2024"},
                    **stamp,
                )
                for e in entities[:5]
                for kind in (RelationshipType.CHANNEL, RelationshipType.SUPPLIER)
            ]
        )
        today = dt.date.today()
        batch = []
        for i in range(count):
            check_in = today + dt.timedelta(days=rng.randint(-120, 240))
            nights = rng.randint(1, 10)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            prop, room = rng.choice(bookable)
            batch.append(
                Booking(
                    property=prop,
                    room=room,
                    guest_id=f"guest-{rng.randint(10000, 99999)}",
                    guest_name=f"{first} {last}",
                    guest_email=f"{first.lower()}.{last.lower()}{i}@example.com",
                    check_in=check_in,
                    check_out=check_in + dt.timedelta(days=nights),
                    party_size=rng.randint(1, 6),
                    status=rng.choice(list(BookingStatus)),
                    total_amount=Decimal(rng.randint(80, 450) * nights),
                    metadata={"source": rng.choice(["web", "phone", "agency"])},
                    **stamp,
                )
            )
            if len(batch) == 500 or i == count - 1:
                Booking.objects.bulk_create(batch)
                batch.clear()
                self.progress(f"{tenant_id} bookings", i + 1, count)
        if count == 0:
            self.progress(f"{tenant_id} bookings", 0, 0)
