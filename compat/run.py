"""Other people's test suites on dataapi_backend and on Django's stock postgresql backend: `make compat`.

    python compat/run.py [--backend dataapi|postgresql|both] [--table FILE] [APP ...]

Each app's suite comes from its pinned sdist (hash-checked; cached under .local/compat/), run by the app's own runner
(pytest or Django's) with its own settings, in this repository's virtualenv; compat/site/sitecustomize.py points every
database alias it configures at the test stack's PostgreSQL, through the Data API emulator or directly, and records
each test's outcome. The backends run one after the other (their times are compared). --table writes the matrix with
every Data API-only failure listed by cause and test id (docs/compatibility.md, by `make compat`).

Needs the test stack (PostgreSQL + emulator) and its environment: `make compat` starts it and gives both.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".local" / "compat"
BACKENDS = ("postgresql", "dataapi")


@dataclasses.dataclass(frozen=True)
class App:
    name: str
    version: str
    sha256: str
    runner: str  # "pytest" (JUnit XML) or "django" (unittest outcomes from sitecustomize)
    command: tuple[str, ...]  # run from the sdist's root (pytest: after `python -m pytest`)
    env: tuple[tuple[str, str], ...] = ()

    @property
    def folder(self) -> str:
        return f"{self.name.replace('-', '_')}-{self.version}"


# Database-heavy apps whose sdists ship their tests (taggit 6.1, mptt 0.20 and polymorphic 4.11 ship none: their
# suites cannot be fetched from PyPI). Versions pinned with the sdist's sha256, and installed at the same version
# (the compat group of pyproject.toml).
APPS = {
    app.name: app
    for app in (
        App(
            "django-treebeard",
            "7.0.1",
            "c998eb140f28b844b7006c0cf44c8706775159dc18a5c66d14e27b020b6050f2",
            "pytest",
            ("tests",),
            # its PostgreSQL setting (the ltree trees and their extension), and its settings as its CI names them
            (("DATABASE_ENGINE", "psql"), ("DJANGO_SETTINGS_MODULE", "tests.settings")),
        ),
        App(
            "django-reversion",
            "6.1.0",
            "31dd7fee02e2a21af7c2d0a61c1c0f27ba07df2317c9a0a3f31d3ee40069025d",
            "django",
            ("tests/manage.py", "test", "test_app", "--noinput", "--parallel", "1"),
        ),
        App(
            "django-model-utils",
            "5.0.0",
            "041cdd6230d2fbf6cd943e1969318bce762272077f4ecd333ab2263924b4e5eb",
            "pytest",
            ("tests",),
        ),
        App(
            "django-filter",
            "26.2",
            "fd5cc83995fbe9f5f07fb5dcda16fde0f04de1ecf8ef82628b6c0ec921b751af",
            "django",
            ("runtests.py", "--noinput", "--parallel", "1"),
        ),
        App(
            "django-guardian",
            "3.5.2",
            "ca14b7c9cc37bc852f3749f8a998a76cfd0ebbd66ac85726ef331289a712d389",
            "pytest",
            ("guardian",),
        ),
        App(
            "django-simple-history",
            "3.13.0",
            "ca3c1e4ccd5f16f45fbbef6015ee2a246465fd9bd924100df8e9dfb368c4f26c",
            "django",
            ("runtests.py",),
        ),
    )
}


def fetch(app: App) -> Path:
    """The app's sdist, hash-checked, unpacked under CACHE. The app itself is installed in this virtualenv at the
    same version (the compat group of pyproject.toml: some read their own metadata); its tests come from here."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version(app.name)
    except PackageNotFoundError:
        installed = None
    if installed != app.version:
        raise SystemExit(
            f"{app.name}: compat/run.py pins {app.version} but the virtualenv has {installed}; keep the compat group "
            "of pyproject.toml (and `make lock`) and APPS here on the same version, with that sdist's sha256"
        )
    target = CACHE / app.folder
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    pinned = CACHE / f"{app.name}.requirements.txt"
    pinned.write_text(f"{app.name}=={app.version} --hash=sha256:{app.sha256}\n")
    print(f"downloading {app.name} {app.version} (sdist) ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "--require-hashes", "-qq",
         "--disable-pip-version-check", "-d", str(CACHE), "-r", str(pinned)],
        check=True,
    )  # fmt: skip
    with tarfile.open(CACHE / f"{app.folder}.tar.gz") as tar:
        tar.extractall(CACHE, filter="data")
    if app.runner == "pytest" and not _has_pytest_config(target):
        # else pytest would take this repository's pytest.ini (warnings as errors, our markers) for the app's
        (target / "pytest.ini").write_text("[pytest]\n")
    return target


def _has_pytest_config(root: Path) -> bool:
    sections = {"pytest.ini": "", "tox.ini": "[pytest]", "setup.cfg": "[tool:pytest]"}
    sections["pyproject.toml"] = "[tool.pytest.ini_options]"
    return any((root / name).exists() and marker in (root / name).read_text() for name, marker in sections.items())


def drop_databases(app: App, backend: str) -> None:
    """Databases an interrupted earlier run left (the emulator's pooled sessions on them too)."""
    import psycopg

    with psycopg.connect(
        os.environ["SUITE_DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"%{app.name.replace('-', '_')}%_{backend}"]
        ).fetchall()
        for (name,) in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclasses.dataclass
class Run:
    outcomes: dict[str, tuple[str, str]]  # test id -> (outcome, detail)
    seconds: float
    returncode: int

    def counts(self) -> Counter:
        return Counter(outcome for outcome, _ in self.outcomes.values())


def run(app: App, backend: str) -> Run:
    source = fetch(app)
    drop_databases(app, backend)
    results = CACHE / "results" / f"{app.name}-{backend}"
    results.mkdir(parents=True, exist_ok=True)
    outcomes_file, junit = results / "outcomes.jsonl", results / "junit.xml"
    for stale in (outcomes_file, junit):
        stale.unlink(missing_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},  # the app's own, not ours
        **dict(app.env),
        "PYTHONPATH": os.pathsep.join([str(HERE / "site"), str(source)]),
        "COMPAT_BACKEND": backend,
        "COMPAT_APP": app.name.replace("-", "_"),
        "COMPAT_OUTCOMES": str(outcomes_file),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if app.runner == "pytest":
        command = [sys.executable, "-m", "pytest", *app.command, "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                   f"--junitxml={junit}", "-o", "junit_family=xunit1"]  # fmt: skip
    else:
        command = [sys.executable, *app.command]
    log = results / "output.log"
    print(f"  {app.name} {app.version} on {backend} ... ", end="", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run(command, cwd=source, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    outcomes = read_junit(junit) if app.runner == "pytest" else read_outcomes(outcomes_file)
    result = Run(outcomes, seconds, done.returncode)
    (results / "run.json").write_text(json.dumps({"seconds": seconds, "returncode": done.returncode}))
    counts = result.counts()
    print(
        f"{len(outcomes)} tests: {counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
        f"{counts['skipped']} skipped in {seconds:.0f} s (log: {log.relative_to(ROOT)})",
        flush=True,
    )
    if not outcomes:
        raise SystemExit(f"{app.name} on {backend}: no test ran (exit {done.returncode}); see {log}")
    return result


def saved(app: App, backend: str) -> Run:
    """The last run's results of this app on this backend (--report-only)."""
    results = CACHE / "results" / f"{app.name}-{backend}"
    if not (results / "run.json").exists():
        raise SystemExit(f"no saved run of {app.name} on {backend}: run `make compat` first")
    facts = json.loads((results / "run.json").read_text())
    reader = read_junit if app.runner == "pytest" else read_outcomes
    outcomes = reader(results / ("junit.xml" if app.runner == "pytest" else "outcomes.jsonl"))
    return Run(outcomes, facts["seconds"], facts["returncode"])


def read_junit(path: Path) -> dict[str, tuple[str, str]]:
    found = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}.{case.get('name')}"
        outcome, detail = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
                detail = (child.get("message") or "").strip()
                if outcome == "skipped" and detail.startswith("expected test failure"):
                    outcome = "expected failure"
                break
        found[test_id] = (outcome, detail)
    return found


def read_outcomes(path: Path) -> dict[str, tuple[str, str]]:
    found = {}
    if path.exists():
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            found[entry["id"]] = (entry["outcome"], entry["detail"])
    return found


# What a Data API-only failure comes from, read from its error; the first that matches names the cause.
CAUSES = (
    (re.compile(r"Multistatements|statements in one execute|multi-statement", re.I),
     "a multi-statement `cursor.execute()` the backend cannot split without changing its meaning"),
    (re.compile(r"is of type \w+ but expression is of type character varying"),
     "a string parameter bound as `varchar` where the column has a custom type"),
    (re.compile(r"ResponseTooLarge|Database returned more than the allowed response size"),
     "a result over the Data API's 1 MiB limit"),
)  # fmt: skip


def cause_of(detail: str) -> str:
    for pattern, cause in CAUSES:
        if pattern.search(detail):
            return cause
    first = detail.splitlines()[0] if detail else "(no message)"
    return f"not yet classified: `{first[:160]}`"


def table(runs: dict[str, dict[str, Run]], path: Path) -> None:
    import django

    failed = ("failed", "error")
    lines = [
        "| app | tests | stock: passed / failed / errors / skipped | Data API: passed / failed / errors / skipped "
        "| stock time | Data API time | ratio |",
        "|---|---:|---|---|---:|---:|---:|",
    ]
    only: dict[str, dict[str, list[str]]] = {}
    elsewhere: list[str] = []
    for name, by_backend in runs.items():
        app = APPS[name]
        stock, data_api = by_backend.get("postgresql"), by_backend.get("dataapi")

        def cell(result: Run | None) -> str:
            if result is None:
                return "—"
            c = result.counts()
            text = f"{c['passed']:,} / {c['failed']} / {c['error']} / {c['skipped'] + c['expected failure']}"
            return text

        tests = max(len(r.outcomes) for r in by_backend.values())
        ratio = f"{data_api.seconds / stock.seconds:.1f}×" if stock and data_api and stock.seconds else "—"
        times = [f"{r.seconds:.0f} s" if r else "—" for r in (stock, data_api)]
        lines.append(
            f"| {name} {app.version} | {tests:,} | {cell(stock)} | {cell(data_api)} | {times[0]} | {times[1]} | "
            f"{ratio} |"
        )
        if stock and data_api:
            causes: dict[str, list[str]] = defaultdict(list)
            for test_id, (outcome, detail) in data_api.outcomes.items():
                if outcome in failed and stock.outcomes.get(test_id, ("",))[0] not in failed:
                    causes[cause_of(detail)].append(test_id)
            only[name] = causes
            both = sorted(
                t
                for t, (o, _) in data_api.outcomes.items()
                if o in failed and stock.outcomes.get(t, ("",))[0] in failed
            )
            stock_only = sorted(
                t
                for t, (o, _) in stock.outcomes.items()
                if o in failed and data_api.outcomes.get(t, ("",))[0] not in failed
            )
            for label, ids in (("on both backends", both), ("on the stock backend only", stock_only)):
                if ids:
                    elsewhere.append(f"- {name}, {label} ({len(ids)}): " + ", ".join(f"`{i}`" for i in ids))
    sections = []
    for name, causes in only.items():
        if not causes:
            sections.append(f"### {name}\n\nNo Data API-only failure.\n")
            continue
        parts = [f"### {name}\n"]
        for cause, ids in sorted(causes.items(), key=lambda item: -len(item[1])):
            parts.append(f"- {cause} ({len(ids)}):")
            parts += [f"  - `{test_id}`" for test_id in sorted(ids)]
        sections.append("\n".join(parts) + "\n")
    path.write_text(
        "# Third-party apps' suites on both backends\n\n"
        f"Generated by `make compat` (`compat/run.py`): each app's own test suite, from its pinned sdist, run by its "
        f"own runner and settings on Django {django.get_version()}, first on the stock postgresql backend (psycopg, "
        "directly to PostgreSQL) and then on dataapi_backend through the local Data API emulator, in the same "
        "virtualenv on the same machine. Every database alias the suite configures points at the test stack's "
        "PostgreSQL (`compat/site/sitecustomize.py`). A time is the suite's whole run; skipped counts expected "
        "failures too.\n\n" + "\n".join(lines) + "\n\n"
        "## Data API-only failures\n\n"
        "Tests that fail or error on dataapi_backend but not on the stock backend, by cause.\n\n"
        + "\n".join(sections)
        + "\n## Failures that are not the Data API's\n\n"
        "Failing on both backends (the suite's own assumptions, e.g. SQLite's), or on the stock backend only; none "
        "of them is counted above.\n\n" + ("\n".join(elsewhere) if elsewhere else "None.") + "\n\n## Left out\n\n"
        "django-taggit 6.1, django-mptt 0.20 and django-polymorphic 4.11: their sdists ship no tests, and the matrix "
        "takes suites from PyPI only (pinned, hash-checked sdists), never from a copy in this repository.\n"
    )
    print(f"wrote {path.relative_to(ROOT)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="compat/run.py", description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--backend", choices=["dataapi", "postgresql", "both"], default="both")
    parser.add_argument("--table", type=Path, help="write the matrix (Markdown) to this file")
    parser.add_argument(
        "--report-only", action="store_true", help="write --table from the last run's saved results, running nothing"
    )
    parser.add_argument("apps", nargs="*", metavar="APP", help=f"default: all of {', '.join(APPS)}")
    args = parser.parse_args(argv)
    unknown = [name for name in args.apps if name not in APPS]
    if unknown:
        parser.error(f"unknown app(s) {', '.join(unknown)}; known: {', '.join(APPS)}")
    if args.table and args.backend != "both":
        parser.error("--table compares the backends: use --backend both")
    if args.report_only and not args.table:
        parser.error("--report-only writes --table: give it")
    if not args.report_only and "SUITE_DATABASE_URL" not in os.environ:
        parser.error("run it through `make compat`, which starts the test stack and gives its environment")
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    runs: dict[str, dict[str, Run]] = {}
    for name in args.apps or APPS:
        runs[name] = {
            backend: saved(APPS[name], backend) if args.report_only else run(APPS[name], backend)
            for backend in backends
        }
    if args.table:
        table(runs, args.table.resolve())
    data_api_only = sum(
        1
        for by_backend in runs.values()
        if "dataapi" in by_backend
        for test_id, (outcome, _) in by_backend["dataapi"].outcomes.items()
        if outcome in ("failed", "error")
        and by_backend.get("postgresql", Run({}, 0, 0)).outcomes.get(test_id, ("",))[0] not in ("failed", "error")
    )
    print(f"Data API-only failures: {data_api_only}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
