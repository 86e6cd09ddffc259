"""A fresh process whose first request is the case: `python -m tests.cold_process SPEC.json` sets Django up as
manage.py does (hospitality.settings, the environment given) and sends the spec's requests through Django's test
client, in order, before anything else touches the database; prints their statuses and bodies as JSON.

SPEC: {"requests": [{"method", "path", "data"?, "headers"?, "form"?}], "session"?: staff session key}.
"""

from __future__ import annotations

import json
import os
import sys


def main(spec_file: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hospitality.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host (testserver) is allowed; nothing touches the database
    spec = json.loads(open(spec_file).read())
    client = Client()
    if spec.get("session"):
        client.cookies[settings.SESSION_COOKIE_NAME] = spec["session"]
    answers = []
    for request in spec["requests"]:
        send = getattr(client, request["method"].lower())
        headers = request.get("headers") or {}
        if request.get("form") is not None:
            response = send(request["path"], request["form"], headers=headers)
        elif request.get("data") is not None:
            response = send(request["path"], request["data"], content_type="application/json", headers=headers)
        else:
            response = send(request["path"], headers=headers)
        answers.append({"status": response.status_code, "body": response.content.decode(errors="replace")[:100_000]})
    print(json.dumps(answers))


if __name__ == "__main__":
    main(sys.argv[1])
