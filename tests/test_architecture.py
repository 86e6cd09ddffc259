"""Imports flow one way: project → apps → backend → driver; the emulator, the dev stack, benchmarks and tests stand
apart from the runtime. Read from the source (every import statement, including those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [
    "hospitality",
    "seed_cutover",
    "operations",
    "bookings",
    "tenants",
    "dataapi_backend",
    "dataapi_emulator",
    "devstack",
]
# The two reusable distributions' sources live under packages/; everything else at the top level.
LOCATION = {
    "dataapi_backend": "packages/django-rds-dataapi/dataapi_backend",
    "dataapi_emulator": "packages/rds-dataapi-emulator/dataapi_emulator",
}
DEV_ONLY = {"dataapi_emulator", "devstack", "benchmarks", "tests", "infrastructure"}
# What each runtime package may import of ours, besides itself: each layer only what is below it.
ALLOWED = {
    "hospitality": {"operations", "bookings", "tenants", "dataapi_backend"},
    # the seed's adoption and cutover: above the domain and the tenancy it adopts into, imported by nobody
    "seed_cutover": {"bookings", "tenants", "dataapi_backend"},
    "operations": {"tenants", "dataapi_backend"},
    "bookings": {"tenants"},
    "tenants": {"dataapi_backend"},
    "dataapi_backend": set(),
}
# The one dev-only import in runtime code: `manage.py benchmark --latency-ms` sets the latency of the local emulator
# through its control client; that branch runs only where an emulator runs (the module is absent from the artifact).
EXCEPTIONS = {("operations/management/commands/benchmark.py", "dataapi_emulator")}


def folder(package: str) -> Path:
    return ROOT / LOCATION.get(package, package)


def imports_of(package: str) -> set[tuple[str, str]]:
    """(file, imported top-level package of ours) for every absolute import in the package."""
    ours = set(PACKAGES) | DEV_ONLY
    found = set()
    for path in folder(package).rglob("*.py"):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in ours and top != package:
                    found.add((rel, top))
    return found


def test_each_runtime_layer_imports_only_what_is_below_it():
    wrong = sorted(
        (rel, top)
        for package, allowed in ALLOWED.items()
        for rel, top in imports_of(package)
        if top not in allowed and (rel, top) not in EXCEPTIONS
    )
    assert wrong == []


def test_the_emulator_stands_apart_from_the_runtime():
    # (the dev stack sits above the project instead: it validates the project's configuration and runs it)
    runtime = set(ALLOWED)
    assert sorted((rel, top) for rel, top in imports_of("dataapi_emulator") if top in runtime) == []


def test_there_is_no_cycle_between_packages():
    graph = {package: {top for _, top in imports_of(package) if top in PACKAGES} for package in PACKAGES}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        return any(nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})) for nxt in graph[start])

    assert [package for package in PACKAGES if reaches(package, package, {package})] == []


def _python_sources(*skip: str) -> dict[Path, str]:
    return {
        path: path.read_text()
        for path in ROOT.rglob("*.py")
        if not any(part in {".venv", ".local", "build", "dist", "node_modules"} for part in path.parts)
        and not any(str(path.relative_to(ROOT)).startswith(s) for s in skip)
    }


def test_failure_meaning_is_read_from_types_not_message_text():
    """AWS's messages are read in one place (the driver's errors and limits); everything above reads classes and
    outcomes."""
    driver = LOCATION["dataapi_backend"] + "/dbapi"
    allowed = (f"{driver}/errors.py", f"{driver}/limits.py", "tests/test_architecture.py")
    for path, text in _python_sources(*allowed).items():
        for needle in ("in str(exc)", "NOT_COMMITTED", "SIZE_LIMIT_MESSAGE"):
            assert needle not in text, f"{path.relative_to(ROOT)} reads failure meaning from {needle!r}"


def test_one_context_variable_holds_the_unit_of_work():
    uses = sum(text.count("ContextVar(") for path, text in _python_sources().items() if path.parts[-2] == "tenants")
    assert uses == 1


def test_nothing_imports_the_seed_cutover_app():
    """Removing it once every cutover is finalized is one INSTALLED_APPS line and one folder."""
    importers = sorted(
        (rel, top)
        for package in PACKAGES
        if package != "seed_cutover"
        for rel, top in imports_of(package)
        if top == "seed_cutover"
    )
    assert importers == []
    grep = [path for path, text in _python_sources("seed_cutover", "tests").items() if "seed_cutover" in text]
    assert sorted(str(p.relative_to(ROOT)) for p in grep) == ["hospitality/settings.py", "infrastructure/package.py"]


def test_the_engine_reaches_the_driver_through_its_public_surface():
    """dataapi_backend's Django modules import the driver as a package or its adapt module (as Django's postgresql
    backend imports psycopg_any), never its internals."""
    wrong = []
    for path in folder("dataapi_backend").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and "dbapi." in f"{node.module}.":
                module = node.module.split("dbapi", 1)[1]
                if module not in ("", ".adapt"):
                    wrong.append((path.name, node.module))
    assert wrong == []
