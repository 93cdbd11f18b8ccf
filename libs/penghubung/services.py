"""The services of Penghubung by name: the one list every runner, role and test system reads.

A service named here has a package of that name with a `bootstrap` module (`penghubung run
<name>` starts it), a database role `penghubung_<name>` and a place in `penghubung up`. Add a
new service here and nowhere else.
"""

from __future__ import annotations

SERVICES = ("intake", "disposition", "integration", "reporting", "notices")
"""Every service, in the order `penghubung up` starts them."""
