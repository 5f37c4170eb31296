"""manage.py of the plain-Django / Django Channels peer (make bench only)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchpeer.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
