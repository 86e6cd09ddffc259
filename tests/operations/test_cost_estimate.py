import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def test_seed_figures(capsys):
    """The seed's example: 0.5 ACU, 10M Data API calls, 1 secret → $47.70 vs $105.85."""
    call_command("cost_estimate", requests=2_500_000, queries_per_request=1, secrets=1)
    out = capsys.readouterr().out
    assert "2,500,000 requests × (1 queries + 3) = 10,000,000 Data API calls" in out
    assert "Aurora Serverless v2     $    43.80" in out and "Data API calls           $     3.50" in out
    assert "total                    $    47.70/month" in out
    assert "total                    $   105.85/month" in out
    assert "difference: $58.15/month (55% less with the Data API)" in out


def test_negative_volume_is_refused():
    with pytest.raises(CommandError, match="volumes must be 0 or more"):
        call_command("cost_estimate", requests=-1)
