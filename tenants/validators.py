import re

from django.core.exceptions import ValidationError

# Text tenant ids as in the seed ("tenant-seaside-001"): lowercase letters, digits and dashes, 3-63 characters.
# fullmatch, not `$`: a trailing newline is not part of a valid id.
TENANT_ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]")
# An identity provider's user id ("auth0|5f7c...", "google-oauth2|1234", an email, a UUID): printable ASCII, no
# spaces or control characters, 1-200 characters.
EXTERNAL_ID_RE = re.compile(r"[\x21-\x7e]{1,200}")


def is_valid_tenant_id(value) -> bool:
    return isinstance(value, str) and TENANT_ID_RE.fullmatch(value) is not None


def validate_tenant_id(value) -> None:
    if not is_valid_tenant_id(value):
        raise ValidationError(
            "Tenant ids are 3-63 lowercase letters, digits and dashes, e.g. tenant-seaside-001.",
            code="invalid_tenant_id",
        )


def is_valid_external_id(value) -> bool:
    return isinstance(value, str) and EXTERNAL_ID_RE.fullmatch(value) is not None


def validate_external_id(value) -> None:
    if not is_valid_external_id(value):
        raise ValidationError(
            "External ids are 1-200 printable characters without spaces, e.g. auth0|5f7c1e.", code="invalid_external_id"
        )
