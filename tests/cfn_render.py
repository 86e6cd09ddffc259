"""The template as CloudFormation deploys it for given parameters: conditions evaluated, `Fn::If` resolved,
conditional resources and outputs dropped, `AWS::NoValue` removed. The tests read what a stack would hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parents[1] / "infrastructure" / "template.yaml"
_NO_VALUE = object()


def render(parameters: dict[str, Any] | None = None, path: Path = TEMPLATE) -> dict:
    doc, matches = decode(str(path))
    assert matches == [], matches
    values = {name: spec.get("Default") for name, spec in doc["Parameters"].items()} | (parameters or {})
    conditions: dict[str, bool] = {}

    def operand(node):
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return values[node["Ref"]]
        if isinstance(node, dict) and set(node) == {"Fn::Join"}:
            separator, items = node["Fn::Join"]
            return separator.join(operand({"Ref": items["Ref"]}) if isinstance(items, dict) else items)
        return node

    def condition(node) -> bool:
        if isinstance(node, dict) and set(node) == {"Condition"}:
            return conditions[node["Condition"]]
        (function, args), *_ = node.items()
        if function == "Fn::Equals":
            return str(operand(args[0])) == str(operand(args[1]))
        if function == "Fn::Not":
            return not condition(args[0])
        if function == "Fn::And":
            return all(condition(a) for a in args)
        if function == "Fn::Or":
            return any(condition(a) for a in args)
        raise AssertionError(f"unsupported condition {node}")

    for name, node in doc.get("Conditions", {}).items():
        conditions[name] = condition(node)

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                name, yes, no = node["Fn::If"]
                return walk(yes if conditions[name] else no)
            if node == {"Ref": "AWS::NoValue"}:
                return _NO_VALUE
            out = {k: walk(v) for k, v in node.items()}
            return {k: v for k, v in out.items() if v is not _NO_VALUE}
        if isinstance(node, list):
            return [v for v in (walk(item) for item in node) if v is not _NO_VALUE]
        return node

    def kept(section: str) -> dict:
        return {
            name: walk(body)
            for name, body in doc.get(section, {}).items()
            if "Condition" not in body or conditions[body["Condition"]]
        }

    return {"Resources": kept("Resources"), "Outputs": kept("Outputs"), "conditions": conditions, "values": values}
