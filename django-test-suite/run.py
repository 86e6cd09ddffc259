"""Run a subset of Django's own test suite against dataapi_backend (and, for comparison, the stock postgresql
backend), cockroach-style. Expected failures and skips are declared in dataapi_backend/features.py with reasons.

    python django-test-suite/run.py [--backend dataapi|postgresql|both] [--smoke] [--table FILE] [APP ...]

--table writes the per-app results (both backends side by side) as a Markdown table: docs/django-suite.md is made
this way by `make django-suite-table`.

The tests come from the sdist of the pinned Django (the wheel has no tests/), cached under .local/django-suite/.
Needs the test stack (PostgreSQL + emulator) running: `make django-suite` starts it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = ROOT / ".local" / "django-suite"
APPS = (
    "basic lookup queries aggregation expressions annotations model_fields custom_pk transactions get_or_create "
    "update delete bulk_create select_related prefetch_related many_to_one many_to_many one_to_one ordering "
    "model_forms backends migrations schema postgres_tests db_functions timezones introspection serializers"
).split()
SMOKE = "basic transactions get_or_create bulk_create timezones".split()


def django_tests() -> Path:
    import django

    version = django.get_version()
    target = CACHE / f"django-{version}"
    if (target / "tests" / "runtests.py").exists():
        return target / "tests"
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"downloading the Django {version} sdist for its tests/ ...", flush=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-binary",
            ":all:",
            "--no-deps",
            "--quiet",
            "-d",
            str(CACHE),
            f"django=={version}",
        ],
        check=True,
    )
    with tarfile.open(CACHE / f"django-{version}.tar.gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(f"django-{version}/tests/")]
        tar.extractall(CACHE, members=members, filter="data")
    return target / "tests"


def load_env() -> None:
    env_file = Path(os.environ.get("HOSPITALITY_ENV_FILE", ROOT / ".local" / "test" / "env"))
    for line in env_file.read_text().splitlines():
        if line.startswith("export "):
            key, _, value = line[7:].partition("=")
            os.environ.setdefault(key, value.strip("'"))


SUMMARY = re.compile(r"^Ran (\d+) tests? in ([\d.]+)s", re.M)
# unittest's verbose line for one test: "name (app.module.Class.name) ... ok", the docstring's first line (if any)
# on the next line before " ... "
OUTCOME = re.compile(
    r"^(?P<name>\w+) \((?P<label>[\w.]+)\)(?:\n[^\n]*?)?(?: \.\.\. |\n)"
    r"(?P<outcome>ok|skipped|expected failure|FAIL|ERROR|unexpected success)",
    re.M,
)
OUTCOME_KEYS = {
    "ok": "passed",
    "skipped": "skipped",
    "expected failure": "expected_failures",
    "FAIL": "failures",
    "ERROR": "errors",
    "unexpected success": "unexpected_successes",
}
RESULT = re.compile(r"^(OK|FAILED)(?: \((.*)\))?$", re.M)


def drop_test_databases() -> None:
    """A crashed earlier run can leave test databases behind with the emulator's pooled sessions on them."""
    import psycopg

    with psycopg.connect(
        os.environ["SUITE_DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        for name in ("test_django_suite", "test_django_suite_other"):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(backend: str, apps: list[str], tests_dir: Path) -> dict:
    drop_test_databases()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]), "PYTHONWARNINGS": "ignore"}
    log = CACHE / f"{backend}.log"
    started = time.monotonic()
    with open(log, "w") as fh:
        proc = subprocess.run(
            [
                sys.executable,
                "runtests.py",
                f"--settings=settings_{backend}",
                "--parallel=1",
                "--noinput",
                "-v",
                "2",
                *apps,
            ],
            cwd=tests_dir,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    text = log.read_text()
    ran = SUMMARY.search(text)
    result = RESULT.findall(text)
    counts = {
        "tests": int(ran.group(1)) if ran else 0,
        "seconds": round(time.monotonic() - started, 1),
        "status": result[-1][0] if result else "CRASHED",
        "log": str(log),
        "exit": proc.returncode,
    }
    for part in (result[-1][1] if result and result[-1][1] else "").split(", "):
        if "=" in part:
            key, value = part.split("=")
            counts[key.strip().replace(" ", "_")] = int(value)
    bad = counts.get("failures", 0) + counts.get("errors", 0) + counts.get("unexpected_successes", 0)
    counts["passed"] = counts["tests"] - bad - counts.get("skipped", 0) - counts.get("expected_failures", 0)
    counts["apps"] = per_app(text)
    if counts["apps"]:  # a class skipped in setUpClass is a skip but not a test run: count the "ok" lines instead
        counts["passed"] = sum(app["passed"] for app in counts["apps"].values())
    return counts


def per_app(text: str) -> dict[str, dict[str, int]]:
    """Outcomes per app (the label's first part), from the verbose log."""
    apps: dict[str, dict[str, int]] = {}
    for m in OUTCOME.finditer(text):
        row = apps.setdefault(m["label"].split(".")[0], dict.fromkeys(["tests", *OUTCOME_KEYS.values()], 0))
        # a class skipped in setUpClass counts as one skip, not as a test run (as unittest counts it)
        row["tests"] += m["name"] not in ("setUpClass", "setUpModule")
        row[OUTCOME_KEYS[m["outcome"]]] += 1
    return apps


def write_table(path: Path, results: dict[str, dict]) -> None:
    """Markdown: one row per app, each backend's passed / skipped / expected failures / failures + errors."""
    keys = ["tests", *OUTCOME_KEYS.values()]
    empty = dict.fromkeys(keys, 0)
    backends = list(results)
    # per backend: app → outcomes, plus the totals row
    rows = {
        b: {**results[b]["apps"], "**all**": {k: sum(a[k] for a in results[b]["apps"].values()) for k in keys}}
        for b in backends
    }
    names = sorted({app for b in backends for app in results[b]["apps"]}) + ["**all**"]
    head = "| app | tests | " + " | ".join(f"{b}: passed / skipped / xfail / failed" for b in backends) + " |"
    lines = [head, "|" + "---|" * (2 + len(backends))]
    for app in names:
        outcomes = [rows[b].get(app, empty) for b in backends]
        cells = [
            f"{r['passed']} / {r['skipped']} / {r['expected_failures']} / "
            f"{r['failures'] + r['errors'] + r['unexpected_successes']}"
            for r in outcomes
        ]
        lines.append(f"| {app} | {max(r['tests'] for r in outcomes)} | " + " | ".join(cells) + " |")
    times = ", ".join(f"{b} {results[b]['seconds']} s" for b in backends)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Django's own tests on both backends\n\n"
        "Generated by `make django-suite-table` (`django-test-suite/run.py --backend both --table …`): Django "
        f"{__import__('django').get_version()}'s tests of the apps CI runs, per app, on dataapi_backend (over the "
        "emulator) and on the stock postgresql backend. Expected failures and skips over the Data API are declared "
        "with their reasons in `dataapi_backend/django_test_expectations.py`. Whole runs: "
        + times
        + ".\n\n"
        + "\n".join(lines)
        + "\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["dataapi", "postgresql", "both"], default="dataapi")
    parser.add_argument("--smoke", action="store_true", help=f"only {' '.join(SMOKE)}")
    parser.add_argument("--table", type=Path, help="write the per-app results as a Markdown table to this file")
    parser.add_argument("apps", nargs="*")
    args = parser.parse_args()
    load_env()
    tests_dir = django_tests()
    apps = args.apps or (SMOKE if args.smoke else APPS)
    backends = ["dataapi", "postgresql"] if args.backend == "both" else [args.backend]
    failed = False
    results = {}
    for backend in backends:
        print(f"Django's test suite on {backend}: {len(apps)} apps ...", flush=True)
        c = run(backend, apps, tests_dir)
        print(
            f"  {backend}: {c['status']} — {c['tests']} tests, {c['passed']} passed, {c.get('failures', 0)} failures, "
            f"{c.get('errors', 0)} errors, {c.get('skipped', 0)} skipped, {c.get('expected_failures', 0)} expected "
            f"failures, {c['seconds']}s (log: {c['log']})",
            flush=True,
        )
        failed |= backend == "dataapi" and c["status"] != "OK"
        results[backend] = c
    if args.table:
        write_table(args.table, results)
        print(f"per-app table written to {args.table}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
