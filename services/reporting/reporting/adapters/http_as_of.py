"""The `as_of` query parameter of reporting's views, and the headers that name what it meant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response
from pydantic import AfterValidator

from penghubung.web.auth import Principal
from reporting.app.as_of import AS_OF_HELP, AsOf, Moment, ReadModels, check_as_of

AsOfText = Annotated[str, AfterValidator(check_as_of)]
AsOfQuery = Annotated[AsOfText | None, Query(max_length=64, description=AS_OF_HELP)]

POSITION_HEADER = "Penghubung-As-Of-Position"
"""The log position a view as of a moment stands at."""
MOMENT_HEADER = "Penghubung-As-Of"
"""The time its running clocks were measured at (ISO 8601)."""


def as_of_headers(moment: Moment | None) -> dict[str, str]:
    """The headers naming the position and the time of a view as of a moment (none when live)."""
    if moment is None:
        return {}
    return {POSITION_HEADER: str(moment.position), MOMENT_HEADER: moment.at.isoformat()}


def asker(principal: Principal) -> str:
    """Who asks, for the limit on rebuilds: the person (by NIP, else by name) in their role."""
    return f"{principal.role.value}:{principal.nip or principal.name}"


async def resolve(
    reads: ReadModels, as_of: str | None, response: Response, principal: Principal | None = None
) -> Moment | None:
    """The moment a view is asked for (None: now), named in the answer's headers; a view that
    needs a rebuild counts against `principal`'s limit."""
    if as_of is None:
        return None
    who = asker(principal) if principal is not None else None
    moment = await reads.resolve(AsOf.parse(as_of), asker=who)
    response.headers.update(as_of_headers(moment))
    return moment
