"""A background task that runs one round every interval until it is stopped (warnings, sampling,
the notices' sender and digest): one for every service that needs one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `round` every `interval` seconds, the first after one interval, until `stop`.

    A round that fails is logged and the next one runs: each round starts from the facts and the
    log again, so nothing is lost by a failed one (there is no message to ack or lose here).
    """

    def __init__(
        self, name: str, round: Callable[[], Awaitable[object]], *, interval: float
    ) -> None:
        self.name = name
        self._round = round
        self._interval = interval
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the loop in the background."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop the loop; a round in flight is cancelled if it does not end within a second."""
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=1)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    @property
    def running(self) -> bool:
        """Whether the loop is running."""
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)
            if self._stopping.is_set():
                return
            try:
                await self._round()
            except Exception:  # a failed round is retried by the next one, from the facts
                log.exception(
                    "%s: round failed; the next one runs in %.0f s", self.name, self._interval
                )
