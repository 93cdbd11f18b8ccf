"""Entry point: `python -m portal` serves the portal."""

import sys

from portal.bootstrap import main

sys.exit(main())
