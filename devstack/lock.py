"""One run at a time on the test stack.

`make test` and `make django-suite` both start the test stack fresh (a new database), stop it when they end and
inject faults into its emulator; a second run started beside a first would drop the first's database under it and
send it the second's faults. Each run holds an advisory lock (flock) on a file beside the stack for its whole life;
the kernel releases it when the holder exits, however it exits, so a crashed run never leaves the stack locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class StackBusy(Exception):
    pass


def lock_path(stack_root: Path) -> Path:
    # beside the stack's directory, which starting the stack fresh may clear
    return stack_root.parent / f"{stack_root.name}-stack.lock"


@contextmanager
def exclusive(path: Path, what: str) -> Iterator[None]:
    """Hold the lock at `path` for the block, or raise StackBusy naming the run that holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").strip() or "another run"
            raise StackBusy(
                f"the {path.name.removesuffix('-stack.lock')} stack is in use by {holder}; wait for it to end "
                "(or stop it with `make stop`)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({what})\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def ensure_free(path: Path) -> None:
    """Raise StackBusy if a run holds the lock at `path` (without keeping it)."""
    with exclusive(path, "a check"):
        pass
