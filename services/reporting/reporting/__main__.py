"""Entry point: `python -m reporting` runs the reporting service."""

import sys

from penghubung.runtime.service import main

sys.exit(main("reporting"))
