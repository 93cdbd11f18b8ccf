"""Entry point: `python -m notices` runs the notices service."""

import sys

from penghubung.runtime.service import main

sys.exit(main("notices"))
