"""The CloudFormation template: cfn-lint clean, Aurora Serverless v2 with the Data API, least-privilege IAM, the
seed's alarms. Validated offline."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode

from tests.cfn_render import render

TEMPLATE = Path(__file__).resolve().parents[1] / "infrastructure" / "template.yaml"


@pytest.fixture(scope="module")
def template():
    """The resources a stack holds with the template's defaults (conditions evaluated)."""
    return render()["Resources"]


EXISTING = {
    "ExistingClusterArn": "arn:aws:rds:us-east-1:123456789012:cluster:seed-cluster",
    "ExistingMasterSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-seed-AbCdEf",
    "ExistingClusterEndpoint": "seed-cluster.cluster-abc.us-east-1.rds.amazonaws.com",
}
DIRECT = {"TenantDirectPath": "Enabled", "TenantTransport": "direct"}
REQUIRED = {
    "SubnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "ClusterSecurityGroupIds": ["sg-0123456789abcdef0"],
    "CodeBucket": "hospitality-code",
}


@pytest.mark.parametrize("parameters", [{}, EXISTING, {**EXISTING, **DIRECT}, DIRECT], ids=["new", "existing",
                                        "existing+direct", "new+direct"])  # fmt: skip
def test_cfn_lint_is_clean(parameters, tmp_path):
    """Clean as written (every condition) and for each way it is deployed (its parameters resolved)."""
    values = tmp_path / "parameters.json"
    values.write_text(
        json.dumps([{"ParameterKey": k, "ParameterValue": v} for k, v in {**REQUIRED, **parameters}.items()])
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            str(TEMPLATE),
            *(["--parameter-files", str(values)] if parameters else []),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_existing_cluster_is_used_instead_of_creating_one():
    """The seed's cluster and its master secret: nothing of a cluster is created, every function and policy points
    at the given one, and bootstrap_database gets its master."""
    stack = render(EXISTING)
    resources = stack["Resources"]
    assert not {"Cluster", "Writer", "MasterSecret", "DBSubnetGroup"} & set(resources)
    for function in ("TenantApiFunction", "StaffAdminFunction", "ManagementFunction"):
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["DB_CLUSTER_ARN"] == {"Ref": "ExistingClusterArn"}
    management = resources["ManagementFunction"]["Properties"]["Environment"]["Variables"]
    assert management["DB_MASTER_SECRET_ARN"] == {"Ref": "ExistingMasterSecretArn"}
    readable = _statements(stack["Resources"], "ManagementRole")["TheDatabaseSecretsOnly"]["Resource"]
    assert {"Fn::Sub": "${ExistingMasterSecretArn}"} in readable and {"Ref": "MasterSecret"} not in readable
    assert stack["Outputs"]["ClusterArn"]["Value"] == {"Ref": "ExistingClusterArn"}
    assert stack["Outputs"]["ClusterEndpoint"]["Value"] == {"Ref": "ExistingClusterEndpoint"}
    assert "DBClusterArn" not in json.dumps(resources)
    assert render()["conditions"]["CreateCluster"] and not stack["conditions"]["CreateCluster"]


def test_the_tenant_functions_direct_path_is_an_option_and_its_transport_a_parameter():
    """Off by default (no VPC, Data API only); with TenantDirectPath the tenant function gets the cluster's subnets,
    VPC access and TENANT_DATABASE_URL as the app role (its secret's password, TLS required); TenantTransport=direct
    switches it to that path. The rollback the alarms name exists exactly when the path does."""
    off = render()["Resources"]["TenantApiFunction"]["Properties"]
    assert "VpcConfig" not in off and "TENANT_DATABASE_URL" not in off["Environment"]["Variables"]
    assert off["Environment"]["Variables"]["USE_DATA_API"] == "true"
    on = render({**EXISTING, "TenantDirectPath": "Enabled"})["Resources"]
    function = on["TenantApiFunction"]["Properties"]
    assert function["VpcConfig"] == {
        "SubnetIds": {"Ref": "SubnetIds"},
        "SecurityGroupIds": {"Ref": "ClusterSecurityGroupIds"},
    }
    url, parts = function["Environment"]["Variables"]["TENANT_DATABASE_URL"]["Fn::Sub"]
    assert url.startswith("postgres://hospitality_app:{{resolve:secretsmanager:${AppSecret}:SecretString:password}}@")
    assert url.endswith("?sslmode=${TenantDirectSslMode}") and render()["values"]["TenantDirectSslMode"] == "require"
    assert parts == {"Host": {"Ref": "ExistingClusterEndpoint"}, "Port": {"Ref": "ExistingClusterPort"}}
    assert function["Environment"]["Variables"]["USE_DATA_API"] == "true"  # the path exists; the switch is apart
    assert any(
        "AWSLambdaVPCAccessExecutionRole" in str(a) for a in on["TenantApiRole"]["Properties"]["ManagedPolicyArns"]
    )
    direct = render({**EXISTING, **DIRECT})["Resources"]["TenantApiFunction"]["Properties"]["Environment"]
    assert direct["Variables"]["USE_DATA_API"] == "false"
    rules = decode(str(TEMPLATE))[0]["Rules"]
    assert rules["DirectTransportNeedsTheDirectPath"]["Assertions"][0]["Assert"] == {
        "Fn::Equals": [{"Ref": "TenantDirectPath"}, "Enabled"]
    }
    alarms = [
        r["Properties"]["AlarmDescription"]
        for r in render()["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    assert not any("USE_DATA_API=false" in a for a in alarms)
    assert any("TenantTransport=direct" in a for a in alarms)


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
    "function, role, secrets, variables",
    [
        # and the signing keys' secret, read at run time (the management function also writes it: context_keys rotate)
        ("TenantApiFunction", "TenantApiRole", ["AppSecret", "TenantContextKey"], {"DB_SECRET_ARN": "AppSecret"}),
        ("StaffAdminFunction", "StaffAdminRole", ["AdminSecret"], {"DB_ADMIN_SECRET_ARN": "AdminSecret"}),
        # the operator's function: the owner's secret for its work, the master's and the roles' for
        # bootstrap_database (the master creates the roles with the passwords of their secrets)
        (
            "ManagementFunction",
            "ManagementRole",
            ["OwnerSecret", "MasterSecret", "AdminSecret", "AppSecret", "TenantContextKey"],
            {
                "DB_OWNER_SECRET_ARN": "OwnerSecret",
                "DB_MASTER_SECRET_ARN": "MasterSecret",
                "DB_ADMIN_SECRET_ARN": "AdminSecret",
                "DB_SECRET_ARN": "AppSecret",
            },
        ),
    ],
)
def test_each_function_can_read_only_its_own_secrets(template, function, role, secrets, variables):
    props = template[function]["Properties"]
    assert props["Role"] == {"Fn::GetAtt": [role, "Arn"]} and "VpcConfig" not in props
    by_sid = _statements(template, role)
    assert by_sid["DataApiOnThisClusterOnly"]["Resource"] == {"Fn::GetAtt": ["Cluster", "DBClusterArn"]}
    assert all(a.startswith("rds-data:") for a in by_sid["DataApiOnThisClusterOnly"]["Action"])
    secret_statements = [s for s in by_sid.values() if any(a.startswith("secretsmanager:") for a in s["Action"])]
    granted = [
        r for s in secret_statements for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])
    ]
    assert sorted(r["Ref"] for r in granted) == sorted(secrets)
    assert not any("*" in str(s["Action"]) for s in by_sid.values())
    env = props["Environment"]["Variables"]
    database_secrets = {k for k in env if k.startswith("DB_") and k.endswith("SECRET_ARN")}
    assert database_secrets == set(variables) and all(env[k] == {"Ref": v} for k, v in variables.items())
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


def test_the_typescript_app_has_its_own_context_key(template):
    """The seed's TypeScript app signs with key id seed-1 (clients/typescript): its own secret, an output, installed
    beside the API's key by the management function, readable through the seed's policy only when enabled."""
    outputs = decode(str(TEMPLATE))[0]["Outputs"]
    assert outputs["SeedContextKeySecretArn"]["Value"] == {"Ref": "SeedContextKey"}
    assert outputs["TenantContextKeySecretArn"]["Value"] == {"Ref": "TenantContextKey"}
    generated = template["SeedContextKey"]["Properties"]["GenerateSecretString"]
    assert generated["SecretStringTemplate"] == '{"kid": "seed-1"}' and generated["GenerateStringKey"] == "secret"
    management = template["ManagementFunction"]["Properties"]["Environment"]["Variables"]
    assert management["TENANT_CONTEXT_KEYS"]["Fn::Sub"] == (
        "seed-1:{{resolve:secretsmanager:${SeedContextKey}:SecretString:secret}}"
    )
    # the API's keys are read from their secret at run time (rotated without a deployment), never resolved into it
    for function in ("ManagementFunction", "TenantApiFunction"):
        variables = template[function]["Properties"]["Environment"]["Variables"]
        assert variables["TENANT_CONTEXT_KEYS_SECRET_ARN"] == {"Ref": "TenantContextKey"}
        assert "${TenantContextKey}" not in json.dumps(variables)
    readers = {
        role: statement["Action"]
        for role in ("TenantApiRole", "StaffAdminRole", "ManagementRole")
        for policy in template[role]["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Resource"] == {"Ref": "TenantContextKey"}
    }
    assert readers == {
        "TenantApiRole": ["secretsmanager:GetSecretValue"],
        "ManagementRole": ["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
    }
    for function in ("TenantApiFunction", "StaffAdminFunction"):
        assert "SeedContextKey" not in str(template[function]["Properties"]["Environment"])
    # readable by the seed app's role through a policy of its own, never by the tenant function's
    optional = decode(str(TEMPLATE))[0]["Resources"]["SeedContextKeyPolicy"]  # conditional: as written
    assert optional["Condition"] == "SeedReadsContextKey" and outputs["SeedContextKeyPolicyArn"]["Condition"] == (
        "SeedReadsContextKey"
    )
    (statement,) = optional["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Ref": "SeedContextKey"} and statement["Action"] == [
        "secretsmanager:GetSecretValue"
    ]
    assert "SeedContextKey" not in str(template["DataApiAccessPolicy"]) + str(template["TenantApiRole"])


def route_target(routes: dict, method: str, path: str) -> str:
    """Which integration API Gateway (HTTP API) picks for a request: an exact route (method over ANY), else the
    greedy `{proxy+}` route with the longest prefix — it matches one or more further path segments, never none —
    else $default."""
    exact, greedy = [], []
    for key, target in routes.items():
        if key == "$default":
            continue
        verb, route = key.split(" ", 1)
        if verb not in (method, "ANY"):
            continue
        if route.endswith("/{proxy+}"):
            prefix = route.removesuffix("{proxy+}")
            if path.startswith(prefix) and path[len(prefix) :].strip("/"):
                greedy.append((len(prefix), verb == method, target))
        elif route == path:
            exact.append((verb == method, target))
    if exact:
        return max(exact)[1]
    if greedy:
        return max(greedy)[2]
    return routes["$default"]


STAFF_URLS = [
    "/admin/",
    "/admin",
    "/admin/login/",
    "/admin/login/?next=/admin/",
    "/admin/bookings/booking/0190a1b2-0000-7000-8000-000000000001/change/",
    "/admin/auth/user/",
    "/docs",
    "/docs/",
    "/schema/openapi.json",
    "/static/admin/css/base.css",
]
TENANT_URLS = [
    "/api/bookings/",
    "/api/bookings/0190a1b2-0000-7000-8000-000000000001/",
    "/api/entities/",
    "/api/whoami/",
    "/api",
    "/api/no-such-endpoint/",
    "/health",
]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_url_reaches_the_function_that_serves_it(template, method):
    from urllib.parse import urlsplit

    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]["Target"]["Fn::Sub"].removeprefix("integrations/${").rstrip("}")
        for r in template.values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    for url in STAFF_URLS:
        assert route_target(routes, method, urlsplit(url).path) == "StaffAdminIntegration", url
    for url in TENANT_URLS:
        assert route_target(routes, method, urlsplit(url).path) == "TenantApiIntegration", url
    # `/api/` itself serves nothing, and no route can take it (a greedy route needs a segment): the staff
    # function's 404 answers it
    assert route_target(routes, method, "/api/") == "StaffAdminIntegration"
    # and each integration calls its function's published alias
    for integration, alias, function in (
        ("StaffAdminIntegration", "StaffAdminLive", "StaffAdminFunction"),
        ("TenantApiIntegration", "TenantApiLive", "TenantApiFunction"),
    ):
        assert template[integration]["Properties"]["IntegrationUri"] == {"Ref": alias}
        assert template[alias]["Properties"]["FunctionName"] == {"Ref": function}


def test_snapstart_on_the_tenant_and_staff_functions(template):
    """SnapStart (a parameter, on by default: the runtime is python3.13) restores published versions only, so
    API Gateway calls each function through an alias of a version that a new CodeKey replaces."""
    parameters = decode(str(TEMPLATE))[0]["Parameters"]
    assert parameters["SnapStart"]["Default"] == "Enabled"
    for function, version, alias, permission in (
        ("TenantApiFunction", "TenantApiVersion", "TenantApiLive", "TenantApiInvokePermission"),
        ("StaffAdminFunction", "StaffAdminVersion", "StaffAdminLive", "StaffAdminInvokePermission"),
    ):
        props = template[function]["Properties"]
        assert props["Runtime"] == "python3.13"
        assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}  # the default, SnapStart=Enabled
        off = render({"SnapStart": "Disabled"})["Resources"][function]["Properties"]
        assert off["SnapStart"] == {"ApplyOn": "None"}
        assert template[version]["Properties"]["FunctionName"] == {"Ref": function}
        assert "${CodeKey}" in template[version]["Properties"]["Description"]["Fn::Sub"]
        assert template[alias]["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}
        assert template[permission]["Properties"]["FunctionName"] == {"Ref": alias}
    # the management function is invoked now and then: no snapshot to keep
    assert "SnapStart" not in template["ManagementFunction"]["Properties"]


def test_the_route_model_is_api_gateways(template):
    """The matcher itself: a greedy route needs a segment, exact beats greedy, the longest prefix wins."""
    routes = {"$default": "D", "ANY /a/{proxy+}": "A", "GET /a/b/{proxy+}": "B", "ANY /a": "X"}
    assert route_target(routes, "GET", "/a/") == "D"
    assert route_target(routes, "GET", "/a") == "X"
    assert route_target(routes, "GET", "/a/c") == "A"
    assert route_target(routes, "GET", "/a/b/c") == "B" and route_target(routes, "POST", "/a/b/c") == "A"


@pytest.mark.parametrize(
    "alarm, metric, threshold, periods",
    [
        ("ErrorRateAlarm", "ErrorRate", 5, 2),
        ("LatencyAlarm", "AverageLatency", 500, 2),
        ("LatencyRollbackAlarm", "AverageLatency", 1000, 1),
        ("UnitOfWorkLostAlarm", "UnitsOfWorkLost", 0, 1),
        ("DatabaseLoginRefusedAlarm", "DatabaseLoginRefused", 0, 1),
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
