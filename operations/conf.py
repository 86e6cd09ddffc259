"""Every setting `operations` reads, as typed properties with their defaults, read from django.conf.settings at use
(tests' overrides apply). DATABASES, BASE_DIR and DEBUG are Django's and read from django.conf.settings directly."""

from __future__ import annotations

from django.conf import settings


class Settings:
    @property
    def HOSPITALITY_FUNCTION(self) -> str:
        """Which surface this process serves: the tenant API's /health audits with the app role only."""
        return getattr(settings, "HOSPITALITY_FUNCTION", "all")

    @property
    def HEALTH_TOKEN(self) -> str:
        """The bearer token that unlocks /health's details ("" = summary only)."""
        return getattr(settings, "HEALTH_TOKEN", "")

    @property
    def HEALTH_CACHE_SECONDS(self) -> float:
        return getattr(settings, "HEALTH_CACHE_SECONDS", 5.0)

    @property
    def APP_VERSION(self) -> str:
        return getattr(settings, "APP_VERSION", "dev")

    @property
    def DATA_API_METRICS_FILE(self) -> str:
        """Where the Data API call metrics are written every DATA_API_METRICS_INTERVAL seconds ("" = nowhere)."""
        return getattr(settings, "DATA_API_METRICS_FILE", "")

    @property
    def DATA_API_METRICS_INTERVAL(self) -> int:
        return getattr(settings, "DATA_API_METRICS_INTERVAL", 300)

    @property
    def CLOUDWATCH_METRICS(self) -> bool:
        return getattr(settings, "CLOUDWATCH_METRICS", False)

    @property
    def AWS_REGION(self) -> str:
        return getattr(settings, "AWS_REGION", "us-east-1")


conf = Settings()
