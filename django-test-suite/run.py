"""Run Django's own test suite against dataapi_backend (and, for comparison, the stock postgresql backend),
cockroach-style. Expected failures and skips are declared with their reasons in
packages/django-rds-dataapi/dataapi_backend/django_test_expectations.py.

    python django-test-suite/run.py [--backend dataapi|postgresql|both] [--smoke | --all] [--table FILE]
                                    [--side-by-side] [APP ...]

With no app, the 28 apps closest to the database; --all runs every app of Django's tests/ (what runtests.py runs
with no label: all but gis_tests, which needs a GIS backend; CI runs this on both backends). --table writes the
per-app results (both backends side by side, with each app's time) as a Markdown table: docs/django-suite.md (the 28
apps) and docs/django-suite-all.md (--all) are made this way by `make django-suite-table` and
`make django-suite-all`. With both backends, the run fails when the parity goal is missed (PARITY_PERCENT).
--side-by-side runs the two backends at the same time (each has its own databases), which CI does to stay within its
time: outcomes and parity are the same, the times are not comparable, so no table is written from such a run.

The suite runs with Django's own test requirements installed (the django-suite group of pyproject.toml), so the
tests Django skips for a missing library (Pillow, PyYAML, argon2, bcrypt, black, docutils, ...) run on both.

The tests come from the sdist of the pinned Django (the wheel has no tests/), cached under .local/django-suite/.
Needs the test stack (PostgreSQL + emulator) running: `make django-suite` starts it.
"""

from __future__ import annotations

import argparse
import json
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
# each backend's databases (the settings modules name them so): the two backends can run side by side
DATABASE_NAMES = {"dataapi": "django_suite", "postgresql": "django_suite_stock"}
SMOKE = "basic transactions get_or_create bulk_create timezones".split()


def django_tests() -> Path:
    import django

    version = django.get_version()
    target = CACHE / f"django-{version}"
    if (target / "tests" / "runtests.py").exists() and (target / "django" / "shortcuts.py").exists():
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
        # tests/, and for the sphinx app the docs' extensions and the source they link to (never imported from here)
        wanted = tuple(f"django-{version}/{part}/" for part in ("tests", "docs/_ext", "django"))
        members = [m for m in tar.getmembers() if m.name.startswith(wanted)]
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


def drop_test_databases(backend: str) -> None:
    """A crashed earlier run can leave test databases behind with the emulator's pooled sessions on them."""
    import psycopg

    with psycopg.connect(
        os.environ["SUITE_DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
    ) as conn:
        for name in (f"test_{DATABASE_NAMES[backend]}", f"test_{DATABASE_NAMES[backend]}_other"):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start(backend: str, apps: list[str], tests_dir: Path) -> tuple[subprocess.Popen, float]:
    """runtests.py for this backend, its output in CACHE/<backend>.log; `finish` waits for it."""
    drop_test_databases(backend)
    log, timings = CACHE / f"{backend}.log", CACHE / f"{backend}.timings.json"
    timings.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
        "PYTHONWARNINGS": "ignore",
        "SUITE_TIMINGS": str(timings),
    }
    with open(log, "w") as fh:
        process = subprocess.Popen(
            [sys.executable, "runtests.py", f"--settings=settings_{backend}", "--parallel=1", "--noinput", "-v", "2"]
            + apps,
            cwd=tests_dir,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    return process, time.monotonic()


def finish(backend: str, running: tuple[subprocess.Popen, float]) -> dict:
    process, started = running
    process.wait()
    timings = CACHE / f"{backend}.timings.json"
    if timings.exists():  # the whole run's wall time, database creation and migrations included
        seconds = time.monotonic() - started
        timings.write_text(json.dumps({**json.loads(timings.read_text()), "seconds": seconds}))
    return summarize(backend)


def summarize(backend: str) -> dict:
    """The last run's outcomes on this backend, from its verbose log and the timing runner's file."""
    log, timings = CACHE / f"{backend}.log", CACHE / f"{backend}.timings.json"
    text = log.read_text()
    ran = SUMMARY.search(text)
    result = RESULT.findall(text)
    times = json.loads(timings.read_text()) if timings.exists() else {}
    counts = {
        "tests": int(ran.group(1)) if ran else 0,
        "seconds": round(times.get("seconds", 0.0), 1),
        "status": result[-1][0] if result else "CRASHED",
        "log": str(log),
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
    for app, row in counts["apps"].items():
        row["seconds"] = times.get("apps", {}).get(app, 0.0)
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


KEYS = ["tests", *OUTCOME_KEYS.values(), "seconds"]
PARITY_PERCENT = 1.0  # skipped + expected failures over the Data API beyond the stock backend's, % of tests run


def totals(result: dict) -> dict[str, float]:
    return {k: sum(a[k] for a in result["apps"].values()) for k in KEYS}


def parity_gap(results: dict[str, dict]) -> tuple[int, int] | None:
    """(skipped + expected failures beyond the stock backend's, tests run), when both backends ran."""
    if set(results) != {"dataapi", "postgresql"}:
        return None
    a, s = totals(results["dataapi"]), totals(results["postgresql"])
    return int(a["skipped"] + a["expected_failures"] - s["skipped"] - s["expected_failures"]), int(a["tests"])


def write_table(path: Path, results: dict[str, dict], scope: str) -> None:
    """Markdown: one row per app, each backend's passed / skipped / expected failures / failures + errors and time."""
    empty = dict.fromkeys(KEYS, 0)
    backends = list(results)
    rows = {b: {**results[b]["apps"], "**all**": totals(results[b])} for b in backends}
    names = sorted({app for b in backends for app in results[b]["apps"]}) + ["**all**"]
    head = "| app | tests | " + " | ".join(f"{b}: passed / skipped / xfail / failed | {b} s" for b in backends) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(backends))]
    for app in names:
        outcomes = [rows[b].get(app, empty) for b in backends]
        cells = [
            f"{r['passed']} / {r['skipped']} / {r['expected_failures']} / "
            f"{r['failures'] + r['errors'] + r['unexpected_successes']} | {r['seconds']:.1f}"
            for r in outcomes
        ]
        lines.append(f"| {app} | {max(r['tests'] for r in outcomes)} | " + " | ".join(cells) + " |")
    runs = "; ".join(
        f"{b} {results[b]['seconds']} s ({rows[b]['**all**']['seconds']:.1f} s in tests, the rest is creating the "
        "test databases and migrating)"
        for b in backends
    )
    parity = ""
    if gap := parity_gap(results):
        extra, tests = gap
        parity = (
            f" Skipped + expected failures beyond the stock backend's: {extra} of {tests} tests "
            f"({100 * extra / max(tests, 1):.2f} %; the goal is at most {PARITY_PERCENT:g} %)."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# Django's own tests on both backends\n\n"
        f"Generated by `{scope}` (`django-test-suite/run.py`): Django {__import__('django').get_version()}'s "
        "tests per app, on dataapi_backend (over the emulator) and on the stock postgresql backend, one process "
        "per backend on the same machine. Expected failures and skips over the Data API are declared with their "
        "reasons in `packages/django-rds-dataapi/dataapi_backend/django_test_expectations.py`. An app's time is "
        f"the sum of its tests' times (class set-up included). Whole runs: {runs}.{parity}\n\n"
        + "\n".join(lines)
        + "\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["dataapi", "postgresql", "both"], default="dataapi")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--smoke", action="store_true", help=f"only {' '.join(SMOKE)}")
    which.add_argument("--all", action="store_true", help="every app of Django's tests/ (runtests.py's default)")
    parser.add_argument("--table", type=Path, help="write the per-app results as a Markdown table to this file")
    parser.add_argument(
        "--table-only", action="store_true", help="write --table from the last runs' logs instead of running"
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="run both backends at the same time (CI: outcomes and parity only; the times then say nothing)",
    )
    parser.add_argument("apps", nargs="*")
    args = parser.parse_args()
    load_env()
    tests_dir = django_tests()
    apps = args.apps or ([] if args.all else SMOKE if args.smoke else APPS)
    backends = ["dataapi", "postgresql"] if args.backend == "both" else [args.backend]
    if args.side_by_side and args.table:
        parser.error("--table needs the backends' times, which a side-by-side run does not measure")
    failed = False
    results = {}
    running = {}
    for backend in backends:
        if args.table_only:
            results[backend] = summarize(backend)
            continue
        print(f"Django's test suite on {backend}: {len(apps) if apps else 'all'} apps ...", flush=True)
        running[backend] = start(backend, apps, tests_dir)
        if not args.side_by_side:
            results[backend] = finish(backend, running.pop(backend))
    results |= {backend: finish(backend, run) for backend, run in running.items()}
    for backend in backends:
        c = results[backend]
        print(
            f"  {backend}: {c['status']} — {c['tests']} tests, {c['passed']} passed, {c.get('failures', 0)} failures, "
            f"{c.get('errors', 0)} errors, {c.get('skipped', 0)} skipped, {c.get('expected_failures', 0)} expected "
            f"failures, {c['seconds']}s (log: {c['log']})",
            flush=True,
        )
        failed |= backend == "dataapi" and c["status"] != "OK"
    if args.table:
        write_table(args.table, results, "make django-suite-all" if args.all else "make django-suite-table")
        print(f"per-app table written to {args.table}")
    if gap := parity_gap(results):
        extra, tests = gap
        verdict = "within" if 100 * extra <= PARITY_PERCENT * tests else "OUTSIDE"
        print(f"parity: {extra} more skipped or expected failures than stock in {tests} tests, {verdict} the goal")
        failed |= verdict != "within"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
