"""dataapi_backend.postgresql_core is Django's postgresql backend without psycopg: exactly what its generator
(refresh.py, `make refresh-postgresql-core`) makes of the installed Django, and member for member the same code as
Django's (compared as syntax trees) except the members the generator lists, which depend on psycopg. A Django
upgrade that changes any of it fails here first, naming the command."""

import ast
import importlib
import inspect
import subprocess
import sys

import django
import pytest

from dataapi_backend import base, creation, features, operations, schema
from dataapi_backend.postgresql_core import refresh
from dataapi_backend.postgresql_core.refresh import DEFINED_BY_THE_BACKEND, NOT_NEEDED

CLASSES = {
    "operations": operations.DatabaseOperations,
    "features": features.DatabaseFeatures,
    "schema": schema.DatabaseSchemaEditor,
    "creation": creation.DatabaseCreation,
    "base": base.DatabaseWrapper,
}


def definitions(body: list[ast.stmt], conditional: bool = False) -> dict[str, tuple[str, bool]]:
    """name -> (its syntax tree, whether it is defined under an `if`), for functions, classes and assignments."""
    found: dict[str, tuple[str, bool]] = {}
    for node in body:
        if isinstance(node, ast.If):
            found.update(definitions(node.body + node.orelse, conditional=True))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            found[node.name] = (ast.dump(node), conditional)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = (ast.dump(node), conditional)
    return found


def module_and_class(module: str, class_name: str) -> tuple[dict, dict]:
    tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name]
    top = definitions(tree.body)
    del top[class_name]
    return top, definitions(cls.body)


@pytest.mark.parametrize("module", refresh.MODULES)
def test_the_copy_is_what_the_generator_makes_of_the_installed_django(module):
    committed = (refresh.HERE / f"{module}.py").read_text()
    assert committed == refresh.generate(module), (
        f"{refresh.HERE}/{module}.py is not what Django {django.get_version()} gives: run "
        "`make refresh-postgresql-core` and review the diff"
    )


@pytest.mark.parametrize("module", sorted(CLASSES))
def test_the_copy_is_djangos_code_but_for_what_needs_psycopg(module):
    backend_class = CLASSES[module]
    class_name = backend_class.__name__
    left_out = {*DEFINED_BY_THE_BACKEND[module], *NOT_NEEDED.get(module, ())}
    django_top, django_members = module_and_class(f"django.db.backends.postgresql.{module}", class_name)
    copy_top, copy_members = module_and_class(f"dataapi_backend.postgresql_core.{module}", class_name)

    # module-level helpers the copy keeps (get_json_dumps, _get_varchar_column, ...) are Django's
    for name, (tree, _) in copy_top.items():
        assert tree == django_top[name][0], f"{module}.{name} differs from Django's"
    assert set(copy_members) <= set(django_members), "the copy has members Django's class does not"
    for name, (tree, conditional) in django_members.items():
        if name in left_out:
            assert name not in copy_members, f"{name} is listed as left out but is in the copy"
            continue
        assert not conditional, f"{class_name}.{name} depends on the psycopg version in Django: leave it out"
        assert name in copy_members, f"Django's {class_name}.{name} is missing from the copy"
        assert copy_members[name][0] == tree, f"{class_name}.{name} differs from Django's"
    for name in DEFINED_BY_THE_BACKEND[module]:
        assert name in vars(backend_class), f"{backend_class.__module__}.{class_name} must define {name} itself"


def test_the_backend_never_imports_psycopg(tmp_path):
    """Setting up Django on dataapi_backend alone (every part of the connection made) imports no psycopg: the
    tenant function's cold start. The boot test checks the deployed function end to end."""
    code = """
import sys, django
from django.conf import settings
settings.configure(DATABASES={"default": {"ENGINE": "dataapi_backend", "NAME": "x", "OPTIONS": {
    "resource_arn": "arn:aws:rds:us-east-1:123456789012:cluster:x",
    "secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x", "region_name": "us-east-1"}}})
django.setup()
from django.db import connection
connection.ops, connection.features, connection.creation, connection.introspection, connection.schema_editor()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("psycopg", "psycopg2")))
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": ":".join(sys.path)},
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
