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
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_aurora_serverless_v2_with_the_data_api(template):
    cluster = template["Cluster"]["Properties"]
    assert cluster["Engine"] == "aurora-postgresql" and cluster["EnableHttpEndpoint"] is True
    assert cluster["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": {"Ref": "MinCapacity"},
        "MaxCapacity": {"Ref": "MaxCapacity"},
    }
    assert template["Writer"]["Properties"]["DBInstanceClass"] == "db.serverless"


def test_one_secret_per_role(template):
    users = {
        name: r["Properties"]["GenerateSecretString"].get("SecretStringTemplate")
        for name, r in template.items()
        if r["Type"] == "AWS::SecretsManager::Secret"
    }
    assert {u for u in users.values()} >= {
        '{"username": "hospitality_owner"}',
        '{"username": "hospitality_admin"}',
        '{"username": "hospitality_app"}',
    }


def _statements(template, role: str) -> dict:
    props = template[role]["Properties"]
    statements = [s for p in props.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    for arn in props.get("ManagedPolicyArns", []):
        if isinstance(arn, dict):  # one of ours
            statements += template[arn["Ref"]]["Properties"]["PolicyDocument"]["Statement"]
    return {s["Sid"]: s for s in statements}


@pytest.mark.parametrize(
    "function, role, secret, variable",
    [
        ("TenantApiFunction", "TenantApiRole", "AppSecret", "DB_SECRET_ARN"),
        ("StaffAdminFunction", "StaffAdminRole", "AdminSecret", "DB_ADMIN_SECRET_ARN"),
        ("ManagementFunction", "ManagementRole", "OwnerSecret", "DB_OWNER_SECRET_ARN"),
    ],
)
def test_each_function_can_read_exactly_one_database_secret(template, function, role, secret, variable):
    props = template[function]["Properties"]
    assert props["Role"] == {"Fn::GetAtt": [role, "Arn"]} and "VpcConfig" not in props
    by_sid = _statements(template, role)
    assert by_sid["DataApiOnThisClusterOnly"]["Resource"] == {"Fn::GetAtt": ["Cluster", "DBClusterArn"]}
    assert all(a.startswith("rds-data:") for a in by_sid["DataApiOnThisClusterOnly"]["Action"])
    secret_statements = [s for s in by_sid.values() if any(a.startswith("secretsmanager:") for a in s["Action"])]
    assert [s["Resource"] for s in secret_statements] == [{"Ref": secret}]
    assert not any("*" in str(s["Action"]) for s in by_sid.values())
    env = props["Environment"]["Variables"]
    database_secrets = {k for k in env if k in ("DB_SECRET_ARN", "DB_ADMIN_SECRET_ARN", "DB_OWNER_SECRET_ARN")}
    assert database_secrets == {variable} and env[variable] == {"Ref": secret}
    # signing keys arrive as dynamic references, never as literals in the template
    assert env["DJANGO_SECRET_KEY"] == {"Fn::Sub": "{{resolve:secretsmanager:${DjangoSecretKey}}}"}


def test_only_the_tenant_api_publishes_metrics_in_our_namespace(template):
    metrics = _statements(template, "TenantApiRole")["MetricsInOurNamespaceOnly"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "HospitalityAI/DataAPI"}}
    for role in ("StaffAdminRole", "ManagementRole"):
        assert "MetricsInOurNamespaceOnly" not in _statements(template, role)


def test_seed_outputs(template):
    outputs = decode(str(TEMPLATE))[0]["Outputs"]
    assert {
        "ApiUrl",
        "ClusterEndpoint",
        "ClusterArn",
        "DataApiPolicyArn",
        "AppSecretArn",
        "AdminSecretArn",
        "OwnerSecretArn",
    } <= set(outputs)
    assert outputs["DataApiPolicyArn"]["Value"] == {"Ref": "DataApiAccessPolicy"}
    assert template["DataApiAccessPolicy"]["Type"] == "AWS::IAM::ManagedPolicy"


def test_admin_and_docs_routes_reach_the_staff_function(template):
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]["Target"]
        for r in template.values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    assert routes.pop("$default") == {"Fn::Sub": "integrations/${TenantApiIntegration}"}
    assert routes and all(t == {"Fn::Sub": "integrations/${StaffAdminIntegration}"} for t in routes.values())
    assert all(k.split()[1].startswith(("/admin", "/docs", "/schema", "/static")) for k in routes)


@pytest.mark.parametrize(
    "alarm, metric, threshold, periods",
    [
        ("ErrorRateAlarm", "ErrorRate", 5, 2),
        ("LatencyAlarm", "AverageLatency", 500, 2),
        ("LatencyRollbackAlarm", "AverageLatency", 1000, 1),
    ],
)
def test_seed_alarms(template, alarm, metric, threshold, periods):
    props = template[alarm]["Properties"]
    assert (
        props["Namespace"],
        props["MetricName"],
        props["Threshold"],
        props["ComparisonOperator"],
        props["EvaluationPeriods"],
    ) == ("HospitalityAI/DataAPI", metric, threshold, "GreaterThanThreshold", periods)
