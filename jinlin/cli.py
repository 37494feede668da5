"""The `jinlin` command: Django's management commands under the platform's own name.

`jinlin demo`, `jinlin seed --demo`, `jinlin migrate`, `jinlin check --deploy`, `jinlin db_worker`…
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jinlin.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "jinlin"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
