"""Wire protocol: boto3 works unchanged; signatures, routes, validation and identity errors are AWS's."""

import json

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from .support import error_of, raw_post


def test_select_one_returns_the_seed_guides_expected_output(rds, target):
    """The seed's connection test: `SELECT 1 as health_check` → records [[{longValue: 1}]]."""
    response = rds.execute_statement(sql="SELECT 1 as health_check", **target.db())
    assert response["records"] == [[{"longValue": 1}]]
    assert response["numberOfRecordsUpdated"] == 0


@pytest.mark.parametrize(
    "secret_attr, role",
    [
        ("app_secret", "hospitality_app"),
        ("admin_secret", "hospitality_admin"),
        ("owner_secret", "hospitality_owner"),
    ],
)
def test_each_secret_logs_in_as_its_own_role(rds, target, secret_attr, role):
    response = rds.execute_statement(sql="SELECT current_user", **target.db(getattr(target, secret_attr)))
    assert response["records"] == [[{"stringValue": role}]]


@pytest.mark.emulator_only
def test_request_without_signature_is_refused(target):
    status, code, body = raw_post(target.endpoint, "/Execute", b"{}", authorization=None)
    assert (status, code) == (403, "MissingAuthenticationTokenException")
    assert body == {"message": "Missing Authentication Token"}


@pytest.mark.emulator_only
def test_request_signed_for_another_service_is_refused(target):
    request = AWSRequest(
        method="POST", url=target.endpoint + "/Execute", data=b"{}", headers={"Content-Type": "application/json"}
    )
    SigV4Auth(Credentials("local", "local"), "s3", "us-east-1").add_auth(request)
    status, code, body = raw_post(target.endpoint, "/Execute", b"{}", authorization=request.headers["Authorization"])
    assert (status, code) == (403, "InvalidSignatureException")
    assert "'rds-data', not 's3'" in body["message"]


@pytest.mark.emulator_only
def test_malformed_json_is_a_bad_request(target):
    status, code, body = raw_post(target.endpoint, "/Execute", b"{not json")
    assert (status, code, body) == (400, "BadRequestException", {"message": "The request body is not valid JSON"})


@pytest.mark.emulator_only
def test_missing_required_field_is_named(target):
    body = json.dumps({"resourceArn": target.cluster_arn, "secretArn": target.app_secret}).encode()
    status, code, payload = raw_post(target.endpoint, "/Execute", body)
    assert (status, code, payload) == (400, "BadRequestException", {"message": "Missing required field 'sql'"})


@pytest.mark.emulator_only
def test_field_of_the_wrong_type_is_named(target):
    body = json.dumps(
        {
            "resourceArn": target.cluster_arn,
            "secretArn": target.app_secret,
            "sql": "SELECT 1",
            "includeResultMetadata": "yes",
        }
    ).encode()
    status, code, payload = raw_post(target.endpoint, "/Execute", body)
    assert (status, code) == (400, "BadRequestException")
    assert payload["message"] == "Invalid type for field 'includeResultMetadata': expected boolean"


@pytest.mark.emulator_only
def test_invalid_enum_value_is_named(target):
    body = json.dumps(
        {"resourceArn": target.cluster_arn, "secretArn": target.app_secret, "sql": "SELECT 1", "formatRecordsAs": "XML"}
    ).encode()
    status, code, payload = raw_post(target.endpoint, "/Execute", body)
    assert (status, code) == (400, "BadRequestException")
    assert payload["message"] == "Field 'formatRecordsAs' must be one of NONE, JSON"


@pytest.mark.emulator_only
def test_unknown_route_is_refused(target):
    status, code, _ = raw_post(target.endpoint, "/NoSuchOperation", b"{}")
    assert (status, code) == (404, "UnknownOperationException")


def test_execute_sql_is_refused_as_deprecated(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_sql(
            dbClusterOrInstanceArn=target.cluster_arn,
            awsSecretStoreArn=target.app_secret,
            sqlStatements="SELECT 1",
            database=target.database,
        )
    code, message = error_of(excinfo)
    assert code == "BadRequestException"
    assert "ExecuteStatement" in message


def test_unknown_secret_is_a_secrets_error(rds, target):
    unknown = target.app_secret.rsplit(":", 1)[0] + ":nonexistent-AbCdEf"
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT 1", **target.db(unknown))
    assert error_of(excinfo)[0] == "SecretsErrorException"


def test_unknown_cluster_is_a_bad_request(rds, target):
    cluster = target.cluster_arn.rsplit(":", 1)[0] + ":no-such-cluster"
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(
            resourceArn=cluster, secretArn=target.app_secret, database=target.database, sql="SELECT 1"
        )
    assert error_of(excinfo)[0] == "BadRequestException"


def test_unknown_database_keeps_postgres_message_and_sqlstate(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT 1", **target.kw(database="no_such_database"))
    code, message = error_of(excinfo)
    assert code == "DatabaseErrorException"
    assert message == 'ERROR: database "no_such_database" does not exist; SQLState: 3D000'


def test_sql_error_keeps_postgres_text_and_sqlstate(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT 1/0", **target.db())
    assert error_of(excinfo) == ("DatabaseErrorException", "ERROR: division by zero; SQLState: 22012")


def test_constraint_error_keeps_detail(rds, target, table):
    name = table("id int PRIMARY KEY")
    rds.execute_statement(sql=f"INSERT INTO {name} VALUES (1)", **target.db())
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql=f"INSERT INTO {name} VALUES (1)", **target.db())
    code, message = error_of(excinfo)
    assert code == "DatabaseErrorException"
    assert message.startswith(f'ERROR: duplicate key value violates unique constraint "{name}_pkey"')
    assert "Detail: Key (id)=(1) already exists." in message
    assert message.endswith("; SQLState: 23505")


def test_schema_parameter_is_refused_for_postgresql(rds, target):
    with pytest.raises(ClientError) as excinfo:
        rds.execute_statement(sql="SELECT 1", schema="public", **target.db())
    assert error_of(excinfo)[0] == "BadRequestException"


@pytest.mark.parametrize(
    "sql, parameters, expected",
    [
        # the forms clients use: letters (boto3 users, this backend's :pN), digits (drizzle-orm's aws-data-api driver)
        ("SELECT :name::int + 1", [("name", 41)], 42),
        ("SELECT :p1::int * :p2::int", [("p1", 6), ("p2", 7)], 42),
        ("SELECT :1::int - :2::int", [("1", 50), ("2", 8)], 42),
        ("SELECT :10::int + :2::int", [("2", 2), ("10", 40)], 42),
        ("SELECT :_under::int", [("_under", 42)], 42),
        ("SELECT :camelCase::int + :1::int", [("camelCase", 40), ("1", 2)], 42),
        ("SELECT :1::int + :1::int", [("1", 21)], 42),  # one name used twice
        # not parameters: array slices and casts stay SQL
        ("SELECT array_length((ARRAY[7,8,9,10])[2:3], 1) + 40", [], 42),
    ],
)
def test_parameter_naming_forms(rds, target, sql, parameters, expected):
    response = rds.execute_statement(
        sql=sql, parameters=[{"name": n, "value": {"longValue": v}} for n, v in parameters], **target.db()
    )
    assert response["records"] == [[{"longValue": expected}]]


@pytest.mark.emulator_only
def test_http_framing_headers_in_any_case_keep_alive_and_close(target):
    """The server reads request headers itself (not through email.message): names in any case, several requests
    on one keep-alive connection, HTTP/1.0 and `Connection: close` end it, a malformed request line is a 400."""
    import socket

    from .support import FAKE_SIGV4

    body = json.dumps({**target.db(), "sql": "SELECT 1"}).encode()
    host, port = target.endpoint.removeprefix("http://").split(":")

    def request(version: str, extra: bytes = b"") -> bytes:
        return (
            f"POST /Execute {version}\r\nhost: x\r\ncontent-type: application/json\r\n".encode()
            + b"AUTHORIZATION: "
            + FAKE_SIGV4.encode()
            + b"\r\n"
            + extra
            + b"content-length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )

    def exchange(payload: bytes) -> bytes:
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(payload)
            chunks = []
            while chunk := sock.recv(65536):  # until the server closes the connection
                chunks.append(chunk)
            return b"".join(chunks)

    answer = exchange(request("HTTP/1.1") + request("HTTP/1.1", b"Connection: close\r\n"))
    assert answer.count(b"HTTP/1.1 200 OK") == 2 and answer.count(b'{"longValue": 1}') == 2
    assert exchange(request("HTTP/1.0")).count(b" 200 OK") == 1  # HTTP/1.0: one request, then closed
    assert b"400 - Bad request" in exchange(b"POST /Execute HTTP/1.1 extra\r\n\r\n")  # http.server's own answer
