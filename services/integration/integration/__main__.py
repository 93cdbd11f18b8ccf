"""Entry point: `python -m integration` runs the integration service."""

import sys

from penghubung.runtime.service import main

sys.exit(main("integration"))
