"""The list endpoints' rows, cheaper to load and to represent than DRF's general path, with the same output.

A page of 50 bookings is 150 model instances and about 2,500 serializer fields. Two costs in that are not the
output's:
- loading columns nobody shows (every column of both joined entities: their metadata, timestamps, tenant); over the
  Data API each column is JSON to encode, send, parse and convert;
- DRF's per-field machinery (`Field.get_attribute`'s callable and mapping checks, the readable-fields generator),
  paid again for every row although the fields are the same for all of them.

`output_columns()` names the columns an output serializer reads, for `QuerySet.only()`; `RowListSerializer` (an
output serializer's `Meta.list_serializer_class`) decides once per list how each field is read and then only reads
and converts. Every field's value still comes from that field's own `to_representation`, so formats (timestamps,
decimals, choices) stay DRF's; a field it cannot read directly goes through the field's own `get_attribute`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

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


def _plan(serializer: serializers.Serializer) -> Plan:
    plan: Plan = []
    for name, field, model_field in _readable(serializer):
        plain = model_field is not None and model_field.concrete and not model_field.is_relation
        reader: Reader = field.source if plain else field.get_attribute
        if _nested(field):
            plan.append((name, reader, None, _plan(field)))
        else:
            plan.append((name, reader, field.to_representation, None))
    return plan


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
        plan = _plan(self.child)
        return [_represent(item, plan) for item in iterable]
