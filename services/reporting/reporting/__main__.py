"""Entry point: `python -m reporting` runs the reporting service (HTTP, consumers, relay candidate)."""

import sys

from penghubung.runtime.service import main

sys.exit(main("reporting"))
