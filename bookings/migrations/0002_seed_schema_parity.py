"""The seed's schema, column for column: bookings gain property_id (our entity_id, renamed), room_id and guest_id;
every seed column gets its default in the database (so an insert naming only the seed's columns succeeds); metadata
is nullable as in the seed; entities gain parent_id (a room's property). Rows written before this migration get
room_id = property_id (a booking of the whole property)."""

import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models

import bookings.models

# RLS is FORCEd on tenant tables, so even the owner running this migration sees no rows without a tenant: lift FORCE
# for the backfill, inside this migration's transaction, and put it back as it was.
BACKFILL_ROOMS = """
DO $$
DECLARE forced boolean;
BEGIN
  SELECT relforcerowsecurity INTO forced FROM pg_class WHERE oid = 'public.bookings'::regclass;
  ALTER TABLE bookings NO FORCE ROW LEVEL SECURITY;
  UPDATE bookings SET room_id = property_id WHERE room_id IS NULL;
  IF forced THEN
    ALTER TABLE bookings FORCE ROW LEVEL SECURITY;
  END IF;
END
$$;
"""
COMPOSITE_FKS = """
ALTER TABLE bookings RENAME CONSTRAINT bookings_entity_same_tenant TO bookings_property_same_tenant;
ALTER TABLE bookings ADD CONSTRAINT bookings_room_same_tenant
  FOREIGN KEY (tenant_id, room_id) REFERENCES entities (tenant_id, id);
ALTER TABLE entities ADD CONSTRAINT entities_parent_same_tenant
  FOREIGN KEY (tenant_id, parent_id) REFERENCES entities (tenant_id, id);
"""
COMPOSITE_FKS_REVERSE = """
ALTER TABLE entities DROP CONSTRAINT entities_parent_same_tenant;
ALTER TABLE bookings DROP CONSTRAINT bookings_room_same_tenant;
ALTER TABLE bookings RENAME CONSTRAINT bookings_property_same_tenant TO bookings_entity_same_tenant;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex("booking", "bookings_tenant_entity_idx"),
        migrations.RenameField("booking", "entity", "property"),
        migrations.AddIndex(
            "booking", models.Index(fields=["tenant", "property", "check_in"], name="bookings_tenant_property_idx")
        ),
        migrations.AlterField(
            model_name="booking",
            name="property",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bookings",
                to="bookings.entity",
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="room",
            field=models.ForeignKey(
                null=True,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="room_bookings",
                to="bookings.entity",
            ),
        ),
        migrations.RunSQL(BACKFILL_ROOMS, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="booking",
            name="room",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="room_bookings",
                to="bookings.entity",
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="guest_id",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        migrations.AddField(
            model_name="entity",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="children",
                to="bookings.entity",
            ),
        ),
        # database defaults for every seed column (and for ours, so seed-shaped inserts succeed)
        *[
            migrations.AlterField(model_name=model, name=name, field=field)
            for model, name, field in [
                (
                    "entity",
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        default=django.utils.timezone.now,
                        editable=False,
                    ),
                ),
                (
                    "entity",
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "entity",
                    "metadata",
                    models.JSONField(blank=True, db_default=bookings.models.empty_json(), default=dict, null=True),
                ),
                ("entity", "is_active", models.BooleanField(db_default=True, default=True)),
                (
                    "booking",
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        default=django.utils.timezone.now,
                        editable=False,
                    ),
                ),
                (
                    "booking",
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now()),
                ),
                ("booking", "guest_name", models.CharField(db_default="", max_length=200)),
                ("booking", "guest_email", models.EmailField(blank=True, db_default="", max_length=254)),
                ("booking", "party_size", models.PositiveSmallIntegerField(db_default=1, default=1)),
                (
                    "booking",
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("confirmed", "Confirmed"),
                            ("cancelled", "Cancelled"),
                            ("completed", "Completed"),
                        ],
                        db_default="pending",
                        default="pending",
                        max_length=20,
                    ),
                ),
                (
                    "booking",
                    "total_amount",
                    models.DecimalField(db_default=0, decimal_places=2, default=0, max_digits=10),
                ),
                (
                    "booking",
                    "metadata",
                    models.JSONField(blank=True, db_default=bookings.models.empty_json(), default=dict, null=True),
                ),
                (
                    "tenantrelationship",
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        default=django.utils.timezone.now,
                        editable=False,
                    ),
                ),
                (
                    "tenantrelationship",
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now()),
                ),
                (
                    "tenantrelationship",
                    "metadata",
                    models.JSONField(blank=True, db_default=bookings.models.empty_json(), default=dict),
                ),
            ]
        ],
        migrations.AddIndex(
            "booking", models.Index(fields=["tenant", "room", "check_in"], name="bookings_tenant_room_idx")
        ),
        migrations.AddIndex(
            "booking", models.Index(fields=["tenant", "guest_id"], name="bookings_tenant_guest_id_idx")
        ),
        migrations.AddIndex("entity", models.Index(fields=["tenant", "parent"], name="entities_tenant_parent_idx")),
        migrations.RunSQL(COMPOSITE_FKS, COMPOSITE_FKS_REVERSE),
    ]
