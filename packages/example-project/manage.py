#!/usr/bin/env python
"""A Django project that knows nothing of hospitality: only the two wheels installed (`make dist-check`)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
