"""Every Django field type round-trips through the ORM over the Data API: values, NULLs, extremes, time zones."""

import datetime as dt
import decimal
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.db.models import Avg, Count, F, Max, Q, Sum
from django.db.models.functions import TruncDay
from django.test.utils import override_settings
from django.utils import timezone

from .models import Author, Book, Everything

pytestmark = pytest.mark.django_db(databases=["dataapi"])

FULL = dict(
    big=-(2**63),
    small=-32768,
    integer=2**31 - 1,
    positive=0,
    boolean=False,
    char="ça'va %s :p1 ::x",
    text="x" * 5000,
    slug="a-slug",
    email="a@example.com",
    url="https://example.com/?q=1",
    date=dt.date(1, 1, 1),
    datetime=dt.datetime(2024, 3, 10, 11, 49, 0, 123456, tzinfo=dt.timezone.utc),
    time=dt.time(23, 59, 59, 999999),
    duration=dt.timedelta(days=-3, seconds=1, microseconds=2),
    decimal=decimal.Decimal("-99999999.9999"),
    floating=1e-300,
    uuid=uuid.UUID("0190e8f1-0000-7000-8000-000000000001"),
    binary=bytes(range(256)),
    json={"nested": {"list": [1, 2.5, None, True, "ü"]}, "empty": {}},
    ip="2001:db8::1",
)


def test_every_field_round_trips():
    obj = Everything.objects.create(**FULL)
    loaded = Everything.objects.get(pk=obj.pk)
    for name, value in FULL.items():
        got = getattr(loaded, name)
        if name == "binary":
            got = bytes(got)
        assert got == value, name


def test_nulls_round_trip():
    obj = Everything.objects.create()
    loaded = Everything.objects.get(pk=obj.pk)
    assert all(getattr(loaded, f.name) is None for f in Everything._meta.fields if f.name != "id")


@pytest.mark.parametrize(
    "field, values",
    [
        ("big", [2**63 - 1, -(2**63)]),
        ("decimal", [decimal.Decimal("99999999.9999"), decimal.Decimal("0.0001")]),
        ("floating", [float("inf"), -0.0, 1.7976931348623157e308]),
        ("date", [dt.date(9999, 12, 31)]),
        ("duration", [dt.timedelta(microseconds=1), dt.timedelta(days=999999)]),
        ("json", [[], "string", 0, None, {"k": "🎉"}]),
        ("text", ["", "\\", "'; DROP TABLE x; --", "%(x)s %%"]),
    ],
)
def test_extremes(field, values):
    for value in values:
        obj = Everything.objects.create(**{field: value})
        assert getattr(Everything.objects.get(pk=obj.pk), field) == value


def test_aware_datetimes_keep_their_instant_and_come_back_in_utc():
    paris = dt.datetime(2024, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    obj = Everything.objects.create(datetime=paris)
    loaded = Everything.objects.get(pk=obj.pk).datetime
    assert loaded == paris
    assert loaded.utcoffset() == dt.timedelta(0)


def test_datetime_functions_use_the_current_time_zone():
    Everything.objects.create(datetime=dt.datetime(2024, 7, 1, 23, 30, tzinfo=dt.timezone.utc))
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        day = Everything.objects.annotate(day=TruncDay("datetime")).values_list("day", flat=True).get()
    assert day == dt.datetime(2024, 7, 2, tzinfo=ZoneInfo("Asia/Tokyo"))


@override_settings(USE_TZ=False, TIME_ZONE="America/New_York")
def test_naive_datetimes_mean_the_project_time_zone_when_use_tz_is_off():
    connection = connections["dataapi"]
    connection.ensure_timezone()
    try:
        obj = Everything.objects.create(datetime=dt.datetime(2024, 1, 1, 9, 0))
        loaded = Everything.objects.get(pk=obj.pk).datetime
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT to_char(datetime AT TIME ZONE 'UTC', 'HH24:MI') FROM backend_tests_everything WHERE id = %s",
                [obj.pk],
            )
            utc_text = cursor.fetchone()[0]
    finally:
        connection.ensure_timezone()
    assert loaded == dt.datetime(2024, 1, 1, 9, 0)
    assert utc_text == "14:00"


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "America/New_York", "Pacific/Pago_Pago"])
def test_with_use_tz_off_dates_never_shift_in_sql_either(zone):
    """What the database computes from naive values (date casts, truncation, extraction) happens in TIME_ZONE,
    as with psycopg's session time zone: each transaction runs in it. Zones far from UTC on both sides."""
    from django.db import transaction
    from django.db.models import DateTimeField
    from django.db.models.functions import Cast, ExtractHour, TruncDay

    with override_settings(USE_TZ=False, TIME_ZONE=zone):
        connection = connections["dataapi"]
        connection.ensure_timezone()
        try:
            with transaction.atomic(using="dataapi"):
                obj = Everything.objects.create(datetime=dt.datetime(2024, 1, 1, 23, 30), date=dt.date(2024, 1, 1))
                row = (
                    Everything.objects.filter(pk=obj.pk)
                    .annotate(
                        day=TruncDay("datetime"), hour=ExtractHour("datetime"), midnight=Cast("date", DateTimeField())
                    )
                    .values_list("day", "hour", "midnight")
                    .get()
                )
        finally:
            connection.ensure_timezone()
    assert row == (dt.datetime(2024, 1, 1), 23, dt.datetime(2024, 1, 1))


@pytest.mark.parametrize("zone", ["America/Chicago", "Pacific/Pago_Pago"])
def test_datetime_max_west_of_utc_round_trips_with_use_tz_off(zone):
    """Django's database cache stores "forever" as datetime.max in TIME_ZONE: in UTC that is year 10000, which the
    Data API's UTC text carries and Python's datetime cannot; what reaches Django is 9999 again, as on psycopg."""
    with override_settings(USE_TZ=False, TIME_ZONE=zone):
        connection = connections["dataapi"]
        connection.ensure_timezone()
        try:
            obj = Everything.objects.create(datetime=dt.datetime.max)
            loaded = Everything.objects.get(pk=obj.pk).datetime
        finally:
            connection.ensure_timezone()
    assert loaded == dt.datetime.max


def test_queries_joins_aggregates_subqueries_and_json_lookups():
    a, b = Author.objects.create(name="Ann"), Author.objects.create(name="Bob")
    Book.objects.create(author=a, title="One", pages=100, price=decimal.Decimal("10.50"), tags=["x", "y"])
    Book.objects.create(author=a, title="Two", pages=300, price=decimal.Decimal("20.00"), tags=["y"])
    Book.objects.create(author=b, title="Three", pages=50, price=decimal.Decimal("5.25"), tags=[])
    stats = Book.objects.aggregate(n=Count("id"), pages=Sum("pages"), avg=Avg("price"), top=Max("price"))
    assert stats == {
        "n": 3,
        "pages": 450,
        "avg": decimal.Decimal("11.9166666666666667"),
        "top": decimal.Decimal("20.00"),
    }
    assert list(Author.objects.annotate(n=Count("books")).order_by("-n").values_list("name", "n")) == [
        ("Ann", 2),
        ("Bob", 1),
    ]
    assert list(
        Book.objects.filter(author__in=Author.objects.filter(name__startswith="A"))
        .order_by("pages")
        .values_list("title", flat=True)
    ) == ["One", "Two"]
    assert list(Book.objects.filter(tags__contains=["y"]).order_by("title").values_list("title", flat=True)) == [
        "One",
        "Two",
    ]
    assert Book.objects.filter(Q(pages__gt=F("price") * 10) | Q(title__icontains="THREE")).count() == 2
    assert Book.objects.filter(tags__0="x").get().title == "One"
    assert list(
        Book.objects.select_related("author").filter(author__name="Bob").values_list("author__name", flat=True)
    ) == ["Bob"]
    assert [len(a.books.all()) for a in Author.objects.prefetch_related("books").order_by("name")] == [2, 1]


def test_update_delete_and_get_or_create_return_counts():
    author = Author.objects.create(name="Cy")
    Book.objects.bulk_create([Book(author=author, title=str(i)) for i in range(5)])
    assert Book.objects.filter(author=author).update(pages=F("pages") + 1) == 5
    assert Book.objects.filter(author=author, title__in=["1", "2"]).delete() == (2, {"backend_tests.Book": 2})
    _, created = Author.objects.get_or_create(name="Cy")
    assert created is False


def test_bulk_create_returns_primary_keys_and_bulk_update():
    authors = Author.objects.bulk_create([Author(name=f"bulk-{i}") for i in range(300)])
    assert all(a.pk is not None for a in authors)
    for a in authors:
        a.name = a.name.upper()
    Author.objects.bulk_update(authors, ["name"], batch_size=100)
    assert Author.objects.filter(name__startswith="BULK-").count() == 300


def test_raw_cursor_with_named_parameters_and_literal_percent():
    with connections["dataapi"].cursor() as cursor:
        cursor.execute("SELECT %(a)s || '%%' || %(a)s, 'x:y'::text", {"a": "v"})
        assert cursor.fetchone() == ("v%v", "x:y")
