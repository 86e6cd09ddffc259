"""The process's rds-data clients (dataapi_backend.dbapi.transport): kept for the process, and made again after
forget_clients (what a SnapStart restore calls) with the credentials of the environment then, without reading
botocore's bundled data (the rds-data model, endpoint rules) again."""

import pytest

from dataapi_backend import dbapi
from dataapi_backend.dbapi import transport
from dataapi_backend.dbapi.transport import ClientSettings
from tests.support import tenant_emulator


def test_a_client_made_again_has_fresh_credentials_and_the_data_already_read(monkeypatch):
    settings = ClientSettings(region_name="us-east-1", endpoint_url="http://127.0.0.1:9")  # never contacted
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "before-the-snapshot")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-before")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    first = transport.get_client(settings)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "after-the-restore")
    assert transport.get_client(settings) is first  # one client per process and target
    transport.forget_clients()
    try:
        again = transport.get_client(settings)
        assert again is not first
        # botocore's private attributes: the credentials the client signs with, and the data loader it read from
        assert again._request_signer._credentials.access_key == "after-the-restore"
        assert again._loader is first._loader
    finally:
        transport.forget_clients()  # no client with these credentials outlives the test


def test_no_credentials_says_what_to_give_and_that_dummy_ones_do_for_an_emulator(monkeypatch, tmp_path):
    """A user's first try against a local emulator, with no AWS credentials anywhere: the driver's error says what to
    do instead of botocore's bare NoCredentialsError, and nothing was sent."""
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    transport.forget_clients()
    try:
        connection = dbapi.connect(
            resource_arn="arn:aws:rds:us-east-1:123456789012:cluster:x",
            secret_arn="arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
            endpoint_url=tenant_emulator().url,
        )
        with pytest.raises(dbapi.InterfaceError, match=r"any dummy ones do \(AWS_ACCESS_KEY_ID=x") as refused:
            connection.cursor().execute("SELECT 1")
        assert refused.value.outcome == dbapi.NOT_SENT
    finally:
        transport.forget_clients()
