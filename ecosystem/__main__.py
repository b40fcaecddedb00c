"""Entry point of ``python -m ecosystem``."""

import sys

from ecosystem.cli import main

sys.exit(main())
