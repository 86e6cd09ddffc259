"""Django's DiscoverRunner, plus where the time went per app (for run.py's per-app table), and skips for the tests
that cannot pass when the suite runs as root (CI's containers do), on either backend.

One process runs every app, so an app's time is the sum of its tests' times, each measured from the end of the
test before it: a class's setUpClass/setUpTestData lands on its first test, and the sum over apps is the whole run
minus database setup. Written as JSON to $SUITE_TIMINGS when the run ends.
"""

from __future__ import annotations

import json
import os
import time
import unittest
from collections import defaultdict
from typing import Any

from django.test.runner import DiscoverRunner


class TimedResult(unittest.TextTestResult):
    def startTestRun(self) -> None:  # noqa: N802 - unittest names these
        super().startTestRun()
        self._mark = time.perf_counter()
        self._started = self._mark
        self._per_app: dict[str, float] = defaultdict(float)

    def stopTest(self, test: unittest.TestCase) -> None:  # noqa: N802
        super().stopTest(test)
        now = time.perf_counter()
        self._per_app[test.id().split(".")[0]] += now - self._mark
        self._mark = now

    def stopTestRun(self) -> None:  # noqa: N802
        super().stopTestRun()
        path = os.environ.get("SUITE_TIMINGS")
        if path:
            seconds = {app: round(s, 2) for app, s in sorted(self._per_app.items())}
            with open(path, "w") as fh:
                json.dump({"apps": seconds, "tests_seconds": round(time.perf_counter() - self._started, 1)}, fh)


# They check that a file the process may not write or read raises PermissionError: root may.
NEED_NON_ROOT = {
    "file_uploads.tests.DirectoryCreationTests.test_readonly_root",
    "i18n.test_compilation.PoFileTests.test_no_write_access",
    "template_tests.test_loaders.FileSystemLoaderTests.test_permissions_error",
}


def _each_test(suite: unittest.TestSuite) -> Any:
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _each_test(test)
        else:
            yield test


class TimedRunner(DiscoverRunner):
    def get_resultclass(self) -> Any:
        # --debug-sql / --pdb pick their own result classes; timing is for plain runs
        return super().get_resultclass() or TimedResult

    def build_suite(self, *args: Any, **kwargs: Any) -> unittest.TestSuite:
        suite = super().build_suite(*args, **kwargs)
        if os.geteuid() == 0:
            for test in _each_test(suite):
                if test.id() in NEED_NON_ROOT:
                    name = test._testMethodName  # type: ignore[attr-defined]
                    skip = unittest.skip("runs as root, which file permissions do not stop")
                    setattr(test, name, skip(getattr(test, name)))
        return suite
