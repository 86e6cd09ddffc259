import re

from django.core.exceptions import ValidationError

# Text tenant ids as in the seed ("tenant-seaside-001"): lowercase letters, digits and dashes, 3-63 characters.
TENANT_ID_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$")


def is_valid_tenant_id(value) -> bool:
    return isinstance(value, str) and TENANT_ID_RE.match(value) is not None


def validate_tenant_id(value) -> None:
    if not is_valid_tenant_id(value):
        raise ValidationError("Tenant ids are 3-63 lowercase letters, digits and dashes, e.g. tenant-seaside-001.",
                              code="invalid_tenant_id")
