"""One thread that cancels statements past their deadline (instead of a timer thread per statement)."""

from __future__ import annotations

import heapq
import itertools
import threading
import time


class Watchdog:
    def __init__(self):
        self._heap: list[tuple[float, int, object]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="dataapi-emulator-watchdog", daemon=True)
            self._thread.start()

    def schedule(self, delay: float, action) -> int:
        """Run `action()` after `delay` seconds unless cancelled; returns a handle for cancel()."""
        with self._cond:
            self._ensure_thread()
            handle = next(self._ids)
            # statements mostly end in the order they began: drop the finished ones at the front here, so that the
            # heap stays small without waking the thread for them
            while self._heap and self._heap[0][1] in self._cancelled:
                self._cancelled.discard(heapq.heappop(self._heap)[1])
            entry = (time.monotonic() + delay, handle, action)
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                # the thread sleeps until the earliest deadline: woken only when this one comes first (with one
                # timeout for every statement, only when nothing was pending), not once per statement
                self._cond.notify()
            return handle

    def cancel(self, handle: int) -> None:
        with self._cond:
            self._cancelled.add(handle)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                deadline, handle, action = self._heap[0]
                now = time.monotonic()
                if handle in self._cancelled:
                    heapq.heappop(self._heap)
                    self._cancelled.discard(handle)
                    continue
                if deadline > now:
                    self._cond.wait(deadline - now)
                    continue
                heapq.heappop(self._heap)
            try:
                action()
            except Exception:  # noqa: BLE001 - a failed cancel must not stop the watchdog
                pass
