"""The list endpoints' rows, cheaper to load and to represent than DRF's general path, with the same output.

A page of 50 bookings is 150 model instances and about 2,500 serializer fields. Two costs in that are not the
output's:
- loading columns nobody shows (every column of both joined entities: their metadata, timestamps, tenant); over the
  Data API each column is JSON to encode, send, parse and convert;
- DRF's per-field machinery (`Field.get_attribute`'s callable and mapping checks, the readable-fields generator),
  paid again for every row although the fields are the same for all of them.

`output_columns()` names the columns an output serializer reads; where each of them is a plain column, a nested
serializer's columns or a primary key relation (`values_rows()`), a page is loaded as `QuerySet.values()` rows (no
model instances: 150 for a page of bookings), else as `QuerySet.only()` instances. `RowListSerializer` (an output
serializer's `Meta.list_serializer_class`) decides once per list how each field is read and then only reads and
converts. Every field's value still comes from that field's own `to_representation`, so formats (timestamps,
decimals, choices) stay DRF's; a field it cannot read directly goes through the field's own `get_attribute`. A
timestamp field is given the request's time zone once per list (DRF would look it up for every value).

Building a ModelSerializer's fields (model introspection, validators, a deep copy of the declared ones) costs more
than representing a page of 50 rows from them, and DRF does it for every serializer instance. A values plan whose
fields cannot depend on the request (`_context_free`) is built once per serializer class and time zone and reused.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.fields import DateTimeField, FileField, SkipField
from rest_framework.relations import PKOnlyObject, RelatedField
from rest_framework.settings import api_settings

# how a field is read: a plain attribute name, or the field's own get_attribute
Reader = str | Callable[[Any], Any]
Plan = list[tuple[str, Reader, Callable[[Any], Any] | None, "Plan | None"]]


def _readable(serializer: serializers.BaseSerializer) -> Iterator[tuple[str, serializers.Field, models.Field | None]]:
    """Each field the serializer outputs, with the model field its source names (None: a property, a method, a
    dotted path, "*", or a serializer without a model)."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        try:
            model_field = model._meta.get_field(field.source) if model is not None else None
        except FieldDoesNotExist:
            model_field = None
        yield name, field, model_field


def _own_representation(serializer: serializers.BaseSerializer) -> bool:
    return type(serializer).to_representation is serializers.Serializer.to_representation


def _nested(field: serializers.Field) -> bool:
    return isinstance(field, serializers.Serializer) and _own_representation(field)


@functools.cache
def output_columns(serializer_class: type[serializers.Serializer]) -> tuple[str, ...]:
    """The model columns `serializer_class` reads, as `QuerySet.only()` paths ("room__name" for a nested room), or
    () when one of its fields reads something that is not a concrete column (then load everything)."""
    return tuple(_columns(serializer_class(), ""))


def _columns(serializer: serializers.BaseSerializer, prefix: str) -> list[str]:
    columns = []
    for _, field, model_field in _readable(serializer):
        if model_field is None or not model_field.concrete:
            return []
        if _nested(field):
            nested = _columns(field, f"{prefix}{field.source}__")
            if not nested:
                return []
            columns += nested
        else:
            columns.append(prefix + field.source)
    return columns


def _pk_relation(field: serializers.Field, model_field: models.Field | None) -> bool:
    """A relation DRF represents from its key alone (PrimaryKeyRelatedField): a `.values()` row holds that key."""
    return (
        model_field is not None
        and model_field.concrete
        and model_field.many_to_one
        and isinstance(field, RelatedField)
        and field.use_pk_only_optimization()
        and len(field.source_attrs) == 1
    )


@functools.cache
def values_rows(serializer_class: type[serializers.Serializer]) -> bool:
    """Whether a page of `serializer_class` can be represented from `.values(*output_columns(...))` rows."""
    return bool(output_columns(serializer_class)) and _from_values(serializer_class())


def _from_values(serializer: serializers.BaseSerializer) -> bool:
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    readable = list(_readable(serializer))
    if model is None or model._meta.pk.name not in {field.source for _, field, _ in readable}:
        return False  # a nested row is told absent by its key
    for _, field, model_field in readable:
        if _nested(field):
            if not _from_values(field):
                return False
        elif model_field is None or (model_field.is_relation and not _pk_relation(field, model_field)):
            return False
    return True


def _with_request_zone(field: serializers.Field) -> None:
    if isinstance(field, DateTimeField) and not hasattr(field, "timezone"):
        field.timezone = field.default_timezone()  # what DRF's enforce_timezone looks up for each value


def _representation(field: serializers.Field) -> Callable[[Any], Any]:
    """The field's to_representation; for DRF's own DateTimeField shown in UTC as ISO 8601 (the API's default), a
    shortcut for what the database returns (a datetime in UTC): the same text without DRF's time zone conversion,
    a third of a list page's representing."""
    _with_request_zone(field)
    represent = field.to_representation
    if (
        type(field).to_representation is DateTimeField.to_representation
        and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
        and str(field.timezone) == "UTC"
    ):

        def utc_iso_8601(value: Any) -> Any:
            if value.__class__ is dt.datetime and value.tzinfo is dt.timezone.utc:
                return value.isoformat()[:-6] + "Z"  # an aware time in UTC ends with +00:00, which DRF writes Z
            return represent(value)

        return utc_iso_8601
    return represent


def _plan(serializer: serializers.Serializer) -> Plan:
    plan: Plan = []
    for name, field, model_field in _readable(serializer):
        plain = model_field is not None and model_field.concrete and not model_field.is_relation
        reader: Reader = field.source if plain else field.get_attribute
        if _nested(field):
            plan.append((name, reader, None, _plan(field)))
        else:
            _with_request_zone(field)
            plan.append((name, reader, field.to_representation, None))
    return plan


# a values row's key, the field's to_representation (None: a nested serializer's plan follows), that plan, and
# whether the value is a relation's key (DRF represents a PKOnlyObject)
ValuesPlan = list[tuple[str, str, Callable[[Any], Any] | None, "ValuesPlan | None", bool]]


def _values_plan(serializer: serializers.Serializer, prefix: str = "") -> ValuesPlan:
    plan: ValuesPlan = []
    for name, field, model_field in _readable(serializer):
        key = prefix + field.source
        if _nested(field):
            nested_pk = f"{key}__{field.Meta.model._meta.pk.name}"
            plan.append((name, nested_pk, None, _values_plan(field, f"{key}__"), False))
        else:
            plan.append((name, key, _representation(field), None, _pk_relation(field, model_field)))
    return plan


# DRF's own field representations that read nothing but the value and the field's arguments (FileField's reads the
# request, to build an absolute URL)
_DRF_REPRESENTATIONS = {drf_fields.__name__, relations.__name__}


def _context_free(serializer: serializers.BaseSerializer) -> bool:
    """Whether the serializer's fields, and so their representations, are the same for every instance of its class:
    DRF's own construction of them (no __init__, get_fields or fields of its own, which could read the request or
    arguments) and, for every field shown, DRF's own to_representation (or, nested, the same again)."""
    cls = type(serializer)
    if (
        cls.__init__ is not serializers.BaseSerializer.__init__
        or cls.get_fields not in (serializers.Serializer.get_fields, serializers.ModelSerializer.get_fields)
        or cls.fields is not serializers.Serializer.fields
    ):
        return False
    for _, field, _ in _readable(serializer):
        if _nested(field):
            if not _context_free(field):
                return False
        elif type(field).to_representation.__module__ not in _DRF_REPRESENTATIONS or isinstance(field, FileField):
            return False
    return True


@functools.lru_cache(maxsize=256)
def _shared_values_plan(serializer_class: type[serializers.Serializer], zone: Any) -> ValuesPlan | None:
    """The values plan of `serializer_class` in `zone` (the time zone its timestamps are shown in), or None when its
    fields could differ from one instance to the next (then each list builds its own)."""
    serializer = serializer_class()
    return _values_plan(serializer) if _context_free(serializer) else None


@receiver(setting_changed)
def _forget_plans(*, setting: str, **kwargs: Any) -> None:
    if setting in _READ_BY_PLANS:
        _shared_values_plan.cache_clear()


# what a built field keeps from the settings (DRF's, e.g. COERCE_DECIMAL_TO_STRING; the zone a timestamp field is
# given); every other setting is read when a value is represented
_READ_BY_PLANS = {"REST_FRAMEWORK", "USE_TZ", "TIME_ZONE"}


def _list_values_plan(child: serializers.Serializer) -> ValuesPlan:
    zone = timezone.get_current_timezone() if settings.USE_TZ else None  # DateTimeField.default_timezone()
    return _shared_values_plan(type(child), zone) or _values_plan(child)


def _represent_values(row: dict[str, Any], plan: ValuesPlan) -> dict[str, Any]:
    # the same loop over a `.values()` row: a nested object is absent when its key is NULL
    out = {}
    for name, key, to_representation, nested, pk_only in plan:
        value = row[key]
        if value is None:
            out[name] = None
        elif nested is not None:
            out[name] = _represent_values(row, nested)
        else:
            out[name] = to_representation(PKOnlyObject(pk=value) if pk_only else value)
    return out


def _represent(instance: Any, plan: Plan) -> dict[str, Any]:
    # Serializer.to_representation's loop, with the reading of each field decided in advance
    row = {}
    for name, reader, to_representation, nested in plan:
        if reader.__class__ is str:
            value = getattr(instance, reader)
        else:
            try:
                value = reader(instance)
            except SkipField:
                continue
        if (value.pk if isinstance(value, PKOnlyObject) else value) is None:
            row[name] = None
        elif nested is not None:
            row[name] = _represent(value, nested)
        else:
            row[name] = to_representation(value)
    return row


class RowListSerializer(serializers.ListSerializer):
    """`many=True` output of a serializer whose representation is DRF's own (no overridden to_representation)."""

    def to_representation(self, data):
        if not _own_representation(self.child):
            return super().to_representation(data)
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        if isinstance(iterable, list) and iterable and type(iterable[0]) is dict:
            values_plan = _list_values_plan(self.child)
            return [_represent_values(row, values_plan) for row in iterable]
        plan = _plan(self.child)
        return [_represent(item, plan) for item in iterable]
