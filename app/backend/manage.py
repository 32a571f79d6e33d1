#!/usr/bin/env python
"""Django's command-line utility for the shop's backend."""

import os
import sys

from config.settings_module import default_settings_module


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_settings_module())
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
