"""Entry point: `python -m intake` runs the intake service."""

import sys

from penghubung.runtime.service import main

sys.exit(main("intake"))
