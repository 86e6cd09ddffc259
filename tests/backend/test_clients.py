"""The process's rds-data clients (dataapi_backend/dbapi/transport.py): kept for the process, and made again after
forget_clients (what a SnapStart restore calls) with the credentials of the environment then, without reading
botocore's bundled data (the rds-data model, endpoint rules) again."""

from dataapi_backend.dbapi import transport
from dataapi_backend.dbapi.transport import ClientSettings


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
