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


def test_secrets_are_counted_from_the_template(capsys):
    """Every secret the template creates is billed: the database roles, the master, and the generated keys."""
    from cfnlint.decode import decode

    from operations.management.commands.cost_estimate import TEMPLATE, template_secrets

    parsed, _ = decode(str(TEMPLATE))
    created = [r for r in parsed["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert template_secrets() == len(created) == 9
    call_command("cost_estimate")
    out = capsys.readouterr().out
    assert f"{len(created)} Secrets Manager secrets" in out
    assert f"Secrets Manager          $     {len(created) * 0.40:.2f}" in out
