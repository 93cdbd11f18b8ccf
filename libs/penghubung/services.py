"""The services of Penghubung by name: the one list every runner, role and test system reads.

A service named here has a package of that name with a `bootstrap` module (`penghubung run
<name>` starts it), a database role `penghubung_<name>` and a place in `penghubung up`. Add a
new service here and nowhere else.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

SERVICES = ("directory", "intake", "disposition", "integration", "reporting", "notices")
"""Every service with a schema and a database role, in the order `penghubung up` starts them
(the directory first: the others verify tokens through its JWKS)."""

PAGES = ("portal",)
"""Processes that only serve pages over the services' APIs: no schema, no role, no consumer."""

PROCESSES = (*PAGES, *SERVICES)
"""Every process `penghubung up` runs; the portal first, so its address is printed first."""


def service_module(name: str, module: str) -> ModuleType | None:
    """A service's module by name (`<name>.<module>`), or None when the service has none.

    The one seam by which the shared library reaches what a service declares — its composition
    root, its consumers, its commands — without importing any service itself (the layers in
    `.importlinter` forbid that)."""
    if importlib.util.find_spec(name) is None:
        return None  # the service is not installed here
    try:
        return importlib.import_module(f"{name}.{module}")
    except ModuleNotFoundError as missing:
        if missing.name is not None and f"{name}.{module}".startswith(missing.name):
            return None  # the service has no such module (an import inside it is another story)
        raise
