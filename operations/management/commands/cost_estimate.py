"""Monthly cost of the Data API path vs the pg path (provisioned Aurora + VPC NAT gateway), with the seed guide's
prices as defaults. Every Data API call is billed: a tenant request costs (queries + 3) calls."""

import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

HOURS = 730
TEMPLATE = Path(__file__).resolve().parents[3] / "infrastructure" / "template.yaml"


def template_secrets(template: Path = TEMPLATE) -> int | None:
    """How many Secrets Manager secrets the deployment template creates (None without the template)."""
    try:
        text = template.read_text()
    except FileNotFoundError:
        return None
    return len(re.findall(r"^\s+Type:\s*AWS::SecretsManager::Secret\s*$", text, flags=re.MULTILINE))


class Command(BaseCommand):
    help = __doc__
    requires_system_checks = []

    def add_arguments(self, parser):
        a = parser.add_argument
        a("--requests", type=float, default=10_000_000 / 4, help="tenant API requests per month (default 2.5M)")
        a(
            "--queries-per-request",
            type=float,
            default=1.0,
            help="queries per request (each request adds 3 calls: Begin, tenant context, Commit)",
        )
        a("--acu", type=float, default=0.5, help="average Aurora Serverless v2 ACUs (0.5-2 in the seed)")
        a("--acu-hour-price", type=float, default=0.12)
        a("--data-api-price-per-million", type=float, default=0.35)
        a(
            "--secrets",
            type=int,
            default=None,
            help="Secrets Manager secrets (default: as many as infrastructure/template.yaml creates)",
        )
        a("--secret-price", type=float, default=0.40)
        a("--pg-instance-hour-price", type=float, default=0.10, help="provisioned Aurora db.t3.medium")
        a("--nat-hour-price", type=float, default=0.045)
        a("--nat-gb", type=float, default=0.0, help="GB through the NAT gateway per month")
        a("--nat-gb-price", type=float, default=0.045)

    def handle(self, *args, **o):
        if any(o[k] < 0 for k in ("requests", "queries_per_request", "acu", "nat_gb")):
            raise CommandError("volumes must be 0 or more")
        if o["secrets"] is None:
            o["secrets"] = template_secrets()
            if o["secrets"] is None:
                raise CommandError(f"{TEMPLATE} is not here to count its secrets; give --secrets")
        calls = o["requests"] * (o["queries_per_request"] + 3)
        data_api = {
            "Aurora Serverless v2": o["acu"] * HOURS * o["acu_hour_price"],
            "Data API calls": calls / 1_000_000 * o["data_api_price_per_million"],
            "Secrets Manager": o["secrets"] * o["secret_price"],
        }
        pg = {
            "Aurora provisioned": HOURS * o["pg_instance_hour_price"],
            "NAT gateway": HOURS * o["nat_hour_price"] + o["nat_gb"] * o["nat_gb_price"],
        }
        total_api, total_pg = sum(data_api.values()), sum(pg.values())
        w = self.stdout.write
        w(f"{o['requests']:,.0f} requests × ({o['queries_per_request']:g} queries + 3) = {calls:,.0f} Data API calls")
        w(f"{o['secrets']} Secrets Manager secrets")
        w("Data API + Aurora Serverless v2:")
        for k, v in data_api.items():
            w(f"  {k:<24} ${v:>9.2f}")
        w(f"  {'total':<24} ${total_api:>9.2f}/month")
        w("pg + Aurora provisioned + VPC NAT:")
        for k, v in pg.items():
            w(f"  {k:<24} ${v:>9.2f}")
        w(f"  {'total':<24} ${total_pg:>9.2f}/month")
        saving = total_pg - total_api
        w(
            self.style.SUCCESS(
                f"difference: ${saving:.2f}/month ({saving / total_pg * 100:.0f}% "
                f"{'less' if saving >= 0 else 'more'} with the Data API)"
            )
        )
        breakeven = (
            (total_pg - data_api["Aurora Serverless v2"] - data_api["Secrets Manager"])
            / o["data_api_price_per_million"]
            * 1_000_000
            / (o["queries_per_request"] + 3)
        )
        w(f"break-even: {max(breakeven, 0):,.0f} requests/month at this query mix")
