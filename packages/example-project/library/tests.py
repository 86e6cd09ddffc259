"""The ORM, transactions and errors through the installed backend, against the installed emulator."""

import datetime as dt
from decimal import Decimal

from django.db import DataError, IntegrityError, ProgrammingError, connection, connections, transaction
from django.db.models import Avg, Count, F, Sum
from django.test import TestCase, TransactionTestCase
from django.utils import timezone

from .models import Author, Book

PARIS = dt.timezone(dt.timedelta(hours=1))


def book(author, title, price="10.00", **extra):
    published = extra.pop("published", dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))
    return Book.objects.create(author=author, title=title, price=Decimal(price), published=published, **extra)


class OrmTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ada = Author.objects.create(name="Ada", born=dt.date(1815, 12, 10))
        cls.alan = Author.objects.create(name="Alan")
        book(cls.ada, "Notes", "12.50", tags=["math", "engines"], cover=b"\x00\xff")
        book(cls.ada, "Letters", "7.25")
        book(cls.alan, "Computable Numbers", "30.00", tags={"topic": "logic"})

    def test_the_backend_is_the_installed_data_api_engine(self):
        import dataapi_backend

        self.assertEqual(connection.vendor, "postgresql")
        self.assertEqual(type(connections["default"]).__module__, "dataapi_backend.base")
        self.assertIn("site-packages", dataapi_backend.__file__)  # the wheel's copy, not a checkout's

    def test_values_round_trip(self):
        notes = Book.objects.get(title="Notes")
        self.assertEqual(notes.price, Decimal("12.50"))
        self.assertEqual(notes.published, dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))
        self.assertEqual(notes.tags, ["math", "engines"])
        self.assertEqual(bytes(notes.cover), b"\x00\xff")
        self.assertEqual(Author.objects.get(name="Ada").born, dt.date(1815, 12, 10))
        self.assertEqual(Book.objects.get(uid=notes.uid), notes)

    def test_queries(self):
        self.assertEqual(list(Book.objects.values_list("title", flat=True)), ["Computable Numbers", "Letters", "Notes"])
        self.assertEqual(Book.objects.filter(tags__contains=["math"]).get().title, "Notes")
        self.assertEqual(Book.objects.filter(tags__topic="logic").get().title, "Computable Numbers")
        self.assertEqual(Book.objects.filter(author__name__startswith="A").count(), 3)
        totals = Author.objects.annotate(n=Count("books"), spent=Sum("books__price")).order_by("name")
        self.assertEqual(
            [(a.name, a.n, a.spent) for a in totals], [("Ada", 2, Decimal("19.75")), ("Alan", 1, Decimal("30.00"))]
        )
        self.assertEqual(Book.objects.aggregate(avg=Avg("price"))["avg"].quantize(Decimal("0.01")), Decimal("16.58"))
        self.assertEqual(Book.objects.filter(published__date=dt.date(2024, 1, 2)).count(), 3)

    def test_related_loading(self):
        with self.assertNumQueries(1):
            self.assertEqual([b.author.name for b in Book.objects.select_related("author")], ["Alan", "Ada", "Ada"])
        with self.assertNumQueries(2):
            self.assertEqual(
                [len(a.books.all()) for a in Author.objects.prefetch_related("books").order_by("name")], [2, 1]
            )

    def test_writes(self):
        Book.objects.filter(author=self.ada).update(price=F("price") + 1)
        self.assertEqual(Book.objects.get(title="Letters").price, Decimal("8.25"))
        Book.objects.bulk_create(
            [Book(author=self.alan, title=f"Draft {i}", price=1, published=timezone.now()) for i in range(5)]
        )
        self.assertEqual(self.alan.books.count(), 6)
        deleted, _ = Book.objects.filter(title__startswith="Draft").delete()
        self.assertEqual(deleted, 5)

    def test_iterator_and_raw_cursor(self):
        self.assertEqual(sum(1 for _ in Book.objects.iterator(chunk_size=1)), 3)
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + %s, %s", [40, 2, "text"])
            self.assertEqual(cursor.fetchone(), (42, "text"))

    def test_integrity_error_inside_a_savepoint_keeps_the_transaction(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            Author.objects.create(name="Ada")
        self.assertEqual(Author.objects.count(), 2)

    def test_check_constraint_and_data_errors(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            book(self.alan, "Negative", "-1.00")
        with self.assertRaises(DataError), transaction.atomic():
            Author.objects.create(name="x" * 101)
        with self.assertRaises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")


class TransactionTests(TransactionTestCase):
    def test_atomic_commits_and_rolls_back(self):
        with transaction.atomic():
            Author.objects.create(name="Kept")
        try:
            with transaction.atomic():
                Author.objects.create(name="Lost")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
        self.assertEqual(list(Author.objects.values_list("name", flat=True)), ["Kept"])

    def test_nested_savepoints(self):
        with transaction.atomic():
            Author.objects.create(name="Outer")
            try:
                with transaction.atomic():
                    Author.objects.create(name="Inner")
                    raise RuntimeError("roll back the savepoint only")
            except RuntimeError:
                pass
            with transaction.atomic():
                Author.objects.create(name="Second inner")
        self.assertEqual(sorted(Author.objects.values_list("name", flat=True)), ["Outer", "Second inner"])

    def test_on_commit_runs_after_the_commit(self):
        ran = []
        with transaction.atomic():
            Author.objects.create(name="Hook")
            transaction.on_commit(lambda: ran.append(Author.objects.filter(name="Hook").exists()))
            self.assertEqual(ran, [])
        self.assertEqual(ran, [True])

    def test_autocommit_write_outside_atomic(self):
        Author.objects.create(name="Autocommit")
        self.assertTrue(Author.objects.filter(name="Autocommit").exists())
