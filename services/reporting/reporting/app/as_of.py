"""The read model live, or as it stood at a past moment (`as_of`): a rebuild up to that position.

An `as_of` names a position of the log, or a time: the last position recorded at or before it
(what the system knew then). The projection as of position P is rebuilt from position 1 to P by
the live appliers into temporary tables of a connection of its own (`Snapshots`); the views read
those tables with the same queries as the live ones, and measure running SLA clocks at the
moment asked for (a position's moment is when it was recorded). The calendar versions and the
recalculations in those tables are the ones the log held at P, so a clock is judged as it was
then. Nothing is kept beside the live tables: no history columns, no second projection to keep
in step.

The cost of the first view as of P is a rebuild: from the nearest snapshot at or before P
(`reporting.as_of_snapshots`, migration 0005; made by the same rules, or not used), else from
position 1, folded in memory and written with COPY (`projections/rebuild.py`). A snapshot holds
the tables that later events change and the small growing ones; the timeline and the SLA facts,
whose rows no later event changes, are kept once for all snapshots (migration 0007) and a copy
reads those up to its snapshot in place, through views (`rebuild_db.read_shared`). A copy built
`as_of_snapshot_every` events or more past its snapshot is kept as one (`as_of_snapshots_kept`
at most). The views as of the same position after it read the kept copy. The copies live in
`pg_temp` (they vanish with their connection, whatever happens to the process) and the least
recently used is dropped beyond `as_of_cache_snapshots` copies, `as_of_cache_events` events or
`as_of_cache_bytes` bytes in all (the latest one is always kept). A view that needs a rebuild
counts against its asker's `as_of_rebuilds_per_person` per `as_of_rebuild_window_seconds`
(beyond: 429 `too_many_rebuilds` with Retry-After); an applicant's views as of a moment are
scoped to their agency as the live ones are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from penghubung.clock import Clock
from penghubung.eventstore import EventStore
from penghubung.web.params import within_years
from reporting.adapters import log_db, rebuild_db
from reporting.domain.errors import TooManyRebuilds
from reporting.projections import fold
from reporting.projections.rebuild import rebuild
from reporting.projections.tables import LIVE, TEMPORARY

log = logging.getLogger(__name__)

_POSITION = re.compile(r"[0-9]{1,18}")
_SPACED_ZONE = re.compile(r" ([0-9]{2}(:?[0-9]{2})?)$")

AS_OF_HELP = (
    "As things stood then: a log position (an integer), or an ISO 8601 time with its zone"
    " (the last position recorded by then); beyond the head: the head"
)


@dataclass(frozen=True)
class AsOf:
    """A past moment asked for: a position of the log, or a time."""

    position: int | None = None
    time: datetime | None = None

    @classmethod
    def parse(cls, text: str) -> AsOf:
        """`123` (a position) or `2026-03-02T10:00:00+07:00` (a time with its zone)."""
        text = text.strip()
        if _POSITION.fullmatch(text):
            return cls(position=int(text))
        # A '+' left unencoded in a query string arrives as a space.
        text = _SPACED_ZONE.sub(r"+\1", text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                "harus berupa posisi log (bilangan bulat) atau waktu ISO 8601 dengan zona waktu"
            ) from None
        if moment.tzinfo is None:
            raise ValueError("waktu harus menyertakan zona waktu (mis. +07:00 atau Z)")
        # Year 1 at +14:00 is before UTC can say; the log holds nothing outside these years.
        return cls(time=within_years(moment))


def check_as_of(text: str) -> str:
    """The text, if it is a well-formed `as_of` (for a query parameter's validation)."""
    AsOf.parse(text)
    return text


@dataclass(frozen=True)
class Moment:
    """An `as_of` resolved: the position the view stands at, and the time its clocks run to."""

    position: int
    at: datetime
    asker: str | None = None
    """Who asked (for the limit on rebuilds); None: the service itself."""


@dataclass(frozen=True)
class ReadModel:
    """A connection on the projection's tables as they stand now, or as of a moment."""

    conn: asyncpg.Connection
    schema: str
    """`reporting` live, `pg_temp` for a copy as of a moment."""
    now: datetime
    """The time running clocks are measured at."""
    moment: Moment | None = None
    """None: live."""


@dataclass
class _Snapshot:
    position: int
    conn: asyncpg.Connection
    size: int = 0
    """Bytes its tables take in the database."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    closed: bool = False


class RebuildLimit:
    """At most `rebuilds` views a person may ask for that need a rebuild, per `window` seconds
    (a sliding window); views of a kept position do not count."""

    def __init__(self, *, rebuilds: int, window: float, clock: Callable[[], float]) -> None:
        self._rebuilds = rebuilds
        self._window = window
        self._clock = clock
        self._asked: dict[str, deque[float]] = {}

    def take(self, asker: str) -> None:
        """Count one rebuild for `asker`, or refuse it (`TooManyRebuilds`, with the wait)."""
        now = self._clock()
        asked = self._asked.setdefault(asker, deque())
        while asked and asked[0] <= now - self._window:
            asked.popleft()
        if len(asked) >= self._rebuilds:
            raise TooManyRebuilds(retry_after=max(1, math.ceil(asked[0] + self._window - now)))
        asked.append(now)
        if len(self._asked) > _ASKERS:  # forget the quiet ones rather than grow without end
            self._forget_quiet(now)

    def _forget_quiet(self, now: float) -> None:
        for asker in [a for a, times in self._asked.items() if times[-1] <= now - self._window]:
            del self._asked[asker]


_ASKERS = 10_000

TEMP_BUFFERS = "256MB"
"""The most memory a copy's connection uses for its temporary tables before it spills them to
disk (PostgreSQL's `temp_buffers`, taken as needed: a copy of 200,000 events takes about 100 MB)."""


Connect = Callable[[], Awaitable[asyncpg.Connection]]


class Snapshots:
    """Copies of the projection as of positions, each in the temporary tables of a connection of
    its own, the least recently used dropped first. One build per position at a time."""

    def __init__(
        self,
        *,
        store: EventStore,
        connect: Connect,
        size: int,
        max_events: int,
        max_bytes: int | None = None,
        limit: RebuildLimit | None = None,
        snapshot_every: int | None = None,
        snapshots_kept: int = 8,
        concurrent_builds: int = 2,
    ) -> None:
        self._store = store
        self._every = snapshot_every
        self._snapshots_kept = snapshots_kept
        self._max_bytes = max_bytes
        self._limit = limit
        self._builders = asyncio.Semaphore(concurrent_builds)
        self._connect = connect
        self._size = size
        self._max_events = max_events
        self._kept: OrderedDict[int, _Snapshot] = OrderedDict()
        self._building: dict[int, asyncio.Task[_Snapshot]] = {}
        self._dropping: set[asyncio.Task[None]] = set()
        self.builds = 0
        """How many copies were built (a view as of a kept position builds none)."""
        self.started_from: dict[int, int] = {}
        """The snapshot position each copy was built from (0: from position 1)."""

    @contextlib.asynccontextmanager
    async def at(
        self, position: int, *, asker: str | None = None
    ) -> AsyncIterator[asyncpg.Connection]:
        """A connection whose `pg_temp` holds the projection as of `position`, for the block
        (a position neither kept nor being built counts against `asker`'s rebuilds)."""
        while True:
            snapshot = await self._get(position, asker)
            async with snapshot.lock:
                if snapshot.closed:
                    continue  # dropped meanwhile: build it again
                if snapshot.conn.is_closed():
                    self._forget(snapshot)  # its connection was lost (a database restart)
                    continue
                try:
                    yield snapshot.conn
                except Exception as failed:
                    if not isinstance(failed, asyncpg.PostgresError) and not await _alive(
                        snapshot.conn
                    ):
                        self._forget(snapshot)
                    raise
                return

    async def close(self) -> None:
        """Drop every copy (the service stops)."""
        building = list(self._building.values())
        for task in building:
            task.cancel()
        await asyncio.gather(*building, return_exceptions=True)
        while self._kept:
            _, snapshot = self._kept.popitem(last=False)
            await self._drop(snapshot)
        await asyncio.gather(*self._dropping)

    @property
    def positions(self) -> list[int]:
        """The positions kept, least recently used first."""
        return list(self._kept)

    @property
    def size(self) -> int:
        """Bytes the kept copies take in the database."""
        return sum(s.size for s in self._kept.values())

    async def _get(self, position: int, asker: str | None) -> _Snapshot:
        kept = self._kept.get(position)
        if kept is not None:
            self._kept.move_to_end(position)
            return kept
        task = self._building.get(position)
        if task is None:
            if asker is not None and self._limit is not None:
                self._limit.take(asker)
            task = asyncio.create_task(self._build(position), name=f"as-of-{position}")
            self._building[position] = task
            task.add_done_callback(lambda _: self._building.pop(position, None))
        # Shielded: a caller that goes away does not waste the build for the others.
        return await asyncio.shield(task)

    async def _build(self, position: int) -> _Snapshot:
        async with self._builders:  # a few builds at a time, whoever asks for how many
            conn = await self._connect()
            try:
                await self._fold(conn, position)
                size = await rebuild_db.temporary_size(conn)
            except BaseException:
                await conn.close()
                raise
        self.builds += 1
        snapshot = _Snapshot(position, conn, size)
        self._kept[position] = snapshot
        self._evict()
        log.info("as_of: the projection as of position %d is kept for views", position)
        return snapshot

    async def _fold(self, conn: asyncpg.Connection, position: int) -> None:
        """Build the copy as of `position` in `conn`'s temporary tables: from the nearest
        snapshot at or before it when there is one, and keep a snapshot of it when the nearest
        is `snapshot_every` events or more behind."""
        # Temporary tables live in the connection's own buffers (8 MB by default): a copy of a
        # long log would go through the disk many times over. Set before their first use.
        await conn.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
        if self._every is None:
            await self._fold_whole(conn, position)
            return
        rules = f"{fold.rules()}-{await rebuild_db.shape(conn)}"
        start = await rebuild_db.nearest_snapshot(conn, position, rules=rules)
        self.started_from[position] = start
        if start == 0:
            await self._fold_whole(conn, position)
        else:
            await rebuild_db.create_tables(conn, TEMPORARY, base_calendar=False)
            async with conn.transaction(), rebuild_db.keys_deferred(conn, TEMPORARY):
                await rebuild_db.restore_snapshot(conn, start)
                folded = await fold.load(conn, TEMPORARY)
                await rebuild(
                    conn, self._store, schema=TEMPORARY, after=start, until=position, start=folded
                )
            # the timeline and the SLA facts up to the snapshot: read in place where all the
            # snapshots share them (`rebuild_db.SHARED`), not restored
            await rebuild_db.read_shared(conn, start)
        if position > 0 and position - start >= self._every:
            try:
                await rebuild_db.save_snapshot(
                    conn, position, rules=rules, keep=self._snapshots_kept
                )
            except asyncpg.PostgresError as failed:  # a cache: the view goes on without it
                log.warning("as_of: no snapshot kept at position %d: %s", position, failed)

    async def _fold_whole(self, conn: asyncpg.Connection, position: int) -> None:
        """The copy as of `position` from position 1."""
        await rebuild_db.create_tables(conn, TEMPORARY)
        async with conn.transaction(), rebuild_db.keys_deferred(conn, TEMPORARY):
            await rebuild(conn, self._store, schema=TEMPORARY, until=position)

    def _evict(self) -> None:
        while len(self._kept) > 1 and (
            len(self._kept) > self._size
            or sum(self._kept) > self._max_events
            or (self._max_bytes is not None and self.size > self._max_bytes)
        ):
            _, oldest = self._kept.popitem(last=False)
            # Dropped once the views reading it are done; nobody waits for that.
            task = asyncio.create_task(self._drop(oldest), name=f"as-of-drop-{oldest.position}")
            self._dropping.add(task)
            task.add_done_callback(self._dropping.discard)

    def _forget(self, snapshot: _Snapshot) -> None:
        """Drop a copy whose connection failed (its lock is held by the caller)."""
        if self._kept.get(snapshot.position) is snapshot:
            del self._kept[snapshot.position]
        snapshot.closed = True
        snapshot.conn.terminate()

    async def _drop(self, snapshot: _Snapshot) -> None:
        async with snapshot.lock:  # a view reading it finishes first
            snapshot.closed = True
            await snapshot.conn.close()


async def _alive(conn: asyncpg.Connection) -> bool:
    """Whether a connection still answers (after a view failed on it for a reason of its own)."""
    try:
        async with asyncio.timeout(2):
            await conn.fetchval("SELECT 1")
    except Exception:  # lost, or left in a state no query gets through: either way, not alive
        return False
    return True


@dataclass(frozen=True)
class ReadModels:
    """Where a view reads: the live tables, or a copy as of a moment."""

    pool: asyncpg.Pool
    clock: Clock
    snapshots: Snapshots | None = None

    async def resolve(self, as_of: AsOf, *, asker: str | None = None) -> Moment:
        """The position an `as_of` stands for (at most the head), and its moment; `asker`: who
        asks (a view that needs a rebuild counts against their limit)."""
        now = self.clock()
        async with self.pool.acquire() as conn:
            last = await log_db.head(conn)
            if as_of.position is not None:
                position = min(as_of.position, last)
                recorded = await log_db.recorded_at(conn, position)
                return Moment(position, min(recorded, now) if recorded else now, asker)
            assert as_of.time is not None
            position = await log_db.position_at(conn, as_of.time)
        return Moment(min(position, last), min(as_of.time, now), asker)

    @contextlib.asynccontextmanager
    async def open(self, moment: Moment | None) -> AsyncIterator[ReadModel]:
        """A connection on the tables of the moment (live: None), for the block."""
        if moment is None:
            async with self.pool.acquire() as conn:
                yield ReadModel(conn, LIVE, self.clock())
            return
        if self.snapshots is None:
            raise RuntimeError("views as of a moment need the snapshots")
        async with self.snapshots.at(moment.position, asker=moment.asker) as conn:
            yield ReadModel(conn, TEMPORARY, moment.at, moment)
