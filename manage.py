#!/usr/bin/env python
"""Django's usual entry point; `jinlin` (pyproject console script) does the same."""

from jinlin.cli import main

if __name__ == "__main__":
    main()
