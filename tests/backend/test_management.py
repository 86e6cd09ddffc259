"""Management commands over the Data API alias: inspectdb (introspection) and migrate's plan."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(databases=["dataapi"])


def test_inspectdb_reads_the_schema_over_the_data_api():
    out = io.StringIO()
    call_command("inspectdb", "backend_tests_author", "backend_tests_book", database="dataapi", stdout=out)
    text = out.getvalue()
    assert "class BackendTestsAuthor(models.Model):" in text
    assert "name = models.CharField(unique=True, max_length=100)" in text
    assert "id = models.UUIDField(primary_key=True)" in text
    assert "author = models.ForeignKey(BackendTestsAuthor, models.DO_NOTHING)" in text
    assert "price = models.DecimalField(max_digits=10, decimal_places=2)" in text
    assert "tags = models.JSONField()" in text


def test_showmigrations_over_the_data_api():
    out = io.StringIO()
    call_command("showmigrations", "auth", database="dataapi", stdout=out)
    assert "[X] 0001_initial" in out.getvalue()


def test_introspection_of_expression_indexes():
    """An expression index has NULL columns: Django's catalog query would return arrays with NULL elements, which
    the Data API cannot carry; the backend's introspection sends them as JSON."""
    from django.db import connections

    connection = connections["dataapi"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX author_lower_name_idx ON backend_tests_author (lower(name), id DESC)")
        constraints = connection.introspection.get_constraints(cursor, "backend_tests_author")
    index = constraints["author_lower_name_idx"]
    assert index["columns"] == [None, "id"] and index["orders"] == ["ASC", "DESC"]
    assert "lower((name)::text)" in index["definition"] and index["index"] is True
    assert constraints["backend_tests_author_pkey"]["primary_key"] is True
