"""Models covering every Django field type, created over the Data API by the session fixture (no migrations)."""

import uuid

from django.db import models
from django.db.models.lookups import PostgresOperatorLookup


class Everything(models.Model):
    big = models.BigIntegerField(null=True)
    small = models.SmallIntegerField(null=True)
    integer = models.IntegerField(null=True)
    positive = models.PositiveIntegerField(null=True)
    boolean = models.BooleanField(null=True)
    char = models.CharField(max_length=50, null=True)
    text = models.TextField(null=True)
    slug = models.SlugField(null=True)
    email = models.EmailField(null=True)
    url = models.URLField(null=True)
    date = models.DateField(null=True)
    datetime = models.DateTimeField(null=True)
    time = models.TimeField(null=True)
    duration = models.DurationField(null=True)
    decimal = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    floating = models.FloatField(null=True)
    uuid = models.UUIDField(null=True)
    binary = models.BinaryField(null=True)
    json = models.JSONField(null=True)
    ip = models.GenericIPAddressField(null=True)

    class Meta:
        app_label = "backend_tests"


class Author(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        app_label = "backend_tests"


class Book(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=200)
    pages = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    tags = models.JSONField(default=list)

    class Meta:
        app_label = "backend_tests"


class LtreeField(models.CharField):
    """A third-party field over an extension's type, as django-treebeard's ltree paths are."""

    def db_type(self, connection):
        return "ltree"


@LtreeField.register_lookup
class DescendantLookup(PostgresOperatorLookup):
    """django-treebeard's own `descendants` lookup: `path <@ %s`, its right-hand side prepared by the field."""

    lookup_name = "descendants"
    postgres_operator = "<@"


class CitextField(models.TextField):
    def db_type(self, connection):
        return "citext"


class Tree(models.Model):
    path = LtreeField(max_length=255, unique=True)
    nick = CitextField(null=True)

    class Meta:
        app_label = "backend_tests"
