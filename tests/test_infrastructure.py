"""The CloudFormation template: cfn-lint clean, Aurora Serverless v2 with the Data API, least-privilege IAM, the
seed's alarms. Validated offline."""

import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode

TEMPLATE = Path(__file__).resolve().parents[1] / "infrastructure" / "template.yaml"


@pytest.fixture(scope="module")
def template():
    parsed, matches = decode(str(TEMPLATE))
    assert matches == []
    return parsed["Resources"]


def test_cfn_lint_is_clean():
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_aurora_serverless_v2_with_the_data_api(template):
    cluster = template["Cluster"]["Properties"]
    assert cluster["Engine"] == "aurora-postgresql" and cluster["EnableHttpEndpoint"] is True
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": {"Ref": "MinCapacity"},
                                                           "MaxCapacity": {"Ref": "MaxCapacity"}}
    assert template["Writer"]["Properties"]["DBInstanceClass"] == "db.serverless"


def test_one_secret_per_role(template):
    users = {name: r["Properties"]["GenerateSecretString"]["SecretStringTemplate"]
             for name, r in template.items() if r["Type"] == "AWS::SecretsManager::Secret"}
    assert {u for u in users.values()} >= {'{"username": "hospitality_owner"}', '{"username": "hospitality_admin"}',
                                           '{"username": "hospitality_app"}'}


def test_function_policy_is_least_privilege(template):
    statements = template["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    by_sid = {s["Sid"]: s for s in statements}
    assert by_sid["DataApiOnThisClusterOnly"]["Resource"] == {"Fn::GetAtt": ["Cluster", "DBClusterArn"]}
    assert all(a.startswith("rds-data:") for a in by_sid["DataApiOnThisClusterOnly"]["Action"])
    assert by_sid["OnlyTheAppRolesSecret"] == {"Sid": "OnlyTheAppRolesSecret", "Effect": "Allow",
                                               "Action": "secretsmanager:GetSecretValue",
                                               "Resource": {"Ref": "AppSecret"}}
    assert by_sid["MetricsInOurNamespaceOnly"]["Condition"] == {
        "StringEquals": {"cloudwatch:namespace": "HospitalityAI/DataAPI"}}
    assert not any("*" in str(s["Action"]) for s in statements)
    env = template["TenantApiFunction"]["Properties"]["Environment"]["Variables"]
    assert env["DB_SECRET_ARN"] == {"Ref": "AppSecret"} and env["USE_DATA_API"] == "true"
    assert "VpcConfig" not in template["TenantApiFunction"]["Properties"]


@pytest.mark.parametrize("alarm, metric, threshold", [("ErrorRateAlarm", "ErrorRate", 5),
                                                      ("LatencyAlarm", "AverageLatency", 500)])
def test_seed_alarms(template, alarm, metric, threshold):
    props = template[alarm]["Properties"]
    assert (props["Namespace"], props["MetricName"], props["Threshold"], props["ComparisonOperator"]) == (
        "HospitalityAI/DataAPI", metric, threshold, "GreaterThanThreshold")
