import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.charts import line_chart_html
from operations.conf import conf


class Command(BaseCommand):
    help = (
        "Show Data API metrics: the latest snapshot the server wrote to DATA_API_METRICS_FILE (or --file), and "
        "optionally an HTML chart of latency and error rate over the recorded snapshots."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--file", help="JSON-lines metrics file (default: $DATA_API_METRICS_FILE)")
        parser.add_argument("--chart", help="write an HTML chart (latency, error rate) to this path")

    def handle(self, *args, file, chart, **options):
        path = Path(file or conf.DATA_API_METRICS_FILE or "")
        if not str(path) or not path.is_file():
            raise CommandError(
                f"no metrics file at {str(path) or '(unset)'}: set DATA_API_METRICS_FILE for the "
                "server (make run does) or pass --file"
            )
        snaps = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        if not snaps:
            raise CommandError(
                f"{path} has no snapshots yet (the server writes one every {conf.DATA_API_METRICS_INTERVAL}s)"
            )
        last = snaps[-1]
        for key in (
            "total_transactions",
            "average_latency_ms",
            "error_rate",
            "client_error_rate",
            "total_calls",
            "call_errors",
            "average_call_latency_ms",
            "total_retries",
            "calls_per_request",
        ):
            value = last.get(key, 0)
            self.stdout.write(f"  {key:<20} {value:.4f}" if isinstance(value, float) else f"  {key:<20} {value}")
        for alias, detail in last.get("aliases", {}).items():
            self.stdout.write(
                f"  [{alias}] calls {detail['calls']} p50 {detail['p50_ms']} ms p95 {detail['p95_ms']} ms"
            )
        if chart:
            Path(chart).write_text(
                line_chart_html(
                    "Data API metrics",
                    [s["timestamp"] for s in snaps],
                    {
                        "average latency (ms)": [s["average_latency_ms"] for s in snaps],
                        "error rate (%)": [s["error_rate"] * 100 for s in snaps],
                    },
                )
            )
            self.stdout.write(self.style.SUCCESS(f"chart written to {chart}"))
