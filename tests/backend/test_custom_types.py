"""Columns of a type Django's own fields do not map to (an extension's ltree and citext, through fields that only
declare db_type, as third-party apps do): strings for them are sent as that type when inserted, updated or compared,
where the Data API would bind them as varchar (refused for ltree; compared as text, case-sensitively, for citext)."""

import pytest

from .models import Tree


@pytest.fixture
def trees(dataapi, django_db_blocker):
    with django_db_blocker.unblock():
        Tree.objects.using("dataapi").all().delete()
        yield Tree.objects.using("dataapi")
        Tree.objects.using("dataapi").all().delete()


def test_inserted_updated_and_compared_as_their_own_type(trees):
    trees.create(path="top", nick="Root")
    trees.bulk_create([Tree(path="top.a", nick="Ann"), Tree(path="top.b", nick=None)])
    node = trees.create(path="top.c", nick="Cid")
    assert trees.filter(path="top.a").get().nick == "Ann"
    assert sorted(trees.filter(path__in=["top.a", "top.b", "nowhere"]).values_list("path", flat=True)) == [
        "top.a",
        "top.b",
    ]
    assert trees.filter(path__gt="top.a").count() == 2  # ltree's order, not text's
    assert trees.filter(nick="ann").get().path == "top.a"  # citext: case-insensitive
    node.path, node.nick = "top.d", "DEE"
    node.save()
    assert trees.filter(path__lt="top.e", nick="dee").get().pk == node.pk
    assert trees.filter(path="top.b").update(path="top.bb", nick=None) == 1
    assert trees.get(path="top.bb").nick is None


def test_a_third_party_operator_lookup_is_typed_too(trees):
    """treebeard's ltree trees: `path__descendants` is `path <@ %s`; as varchar PostgreSQL has no such operator."""
    trees.bulk_create([Tree(path="top"), Tree(path="top.a"), Tree(path="top.a.x"), Tree(path="other")])
    assert sorted(trees.filter(path__descendants="top.a").values_list("path", flat=True)) == ["top.a", "top.a.x"]
    assert trees.exclude(path__descendants="top").get().path == "other"


def test_constants_of_the_type_and_beside_it_are_typed(trees):
    """treebeard moves a subtree with `Concat(Value(path, output_field=PathField()), Subpath(...))`, which Django
    writes as `COALESCE(%s, %s) || COALESCE(subpath(...), %s)`: the path constant is ltree by its field, and the
    empty strings beside ltree arguments must be ltree too (PostgreSQL resolves psycopg's untyped '' so)."""
    from django.db.models import F, Func, Value
    from django.db.models.functions import Coalesce, Concat, Greatest, NullIf

    from .models import LtreeField

    class Subpath(Func):
        function = "subpath"
        output_field = LtreeField()

    trees.bulk_create([Tree(path="old.a"), Tree(path="old.a.b")])
    moved = trees.filter(path__descendants="old").update(
        path=Concat(Value("new", output_field=LtreeField()), Subpath(F("path"), 1))
    )
    assert moved == 2
    assert sorted(trees.values_list("path", flat=True)) == ["new.a", "new.a.b"]
    picked = trees.annotate(
        top=Greatest(F("path"), Value("new.a.a")),
        same=NullIf(F("path"), Value("new.a")),
        kept=Coalesce("path", Value("")),
    ).order_by("path")
    assert [(t.top, t.same, t.kept) for t in picked] == [("new.a.a", None, "new.a"), ("new.a.b", "new.a.b", "new.a.b")]


def test_pattern_lookups_stay_text(trees):
    trees.create(path="top.alpha", nick="Alpha")
    assert trees.filter(path__startswith="top.al").count() == 1
    assert trees.filter(nick__icontains="LPH").count() == 1
