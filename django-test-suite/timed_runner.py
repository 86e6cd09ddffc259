"""Django's DiscoverRunner, plus where the time went per app (for run.py's per-app table).

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


class TimedRunner(DiscoverRunner):
    def get_resultclass(self) -> Any:
        # --debug-sql / --pdb pick their own result classes; timing is for plain runs
        return super().get_resultclass() or TimedResult
