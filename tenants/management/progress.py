"""A progress bar for long management commands (demo data, adoption): one line, redrawn in place."""


class ProgressMixin:
    def progress(self, label: str, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        self.stdout.write(f"\r  {label:<24} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}", ending="")
        if done >= total:
            self.stdout.write("")
        self.stdout.flush()
