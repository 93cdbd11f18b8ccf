"""Issuing a document: render its model, and record the issue with the PDF's hash, once.

The code printed on a paper is a digest of its facts, so the same facts give the same code and
the same bytes: a second issue of the same paper records nothing new (its stream already holds
the issue).
"""

from __future__ import annotations

import asyncio
import contextlib

from penghubung.clock import Clock, IdFactory
from penghubung.events import Actor, Metadata, NewEvent
from penghubung.events.documents import DocumentIssued, Paper, document_stream
from penghubung.eventstore import ConcurrencyError, EventStore
from reporting.documents.models import Document
from reporting.documents.render import Rendered, render


async def issue(
    document: Document,
    *,
    public_url: str,
    facts_position: int,
    period: str | None = None,
    actor: Actor,
    store: EventStore,
    clock: Clock,
    new_id: IdFactory,
) -> Rendered:
    """The document's PDF; its first issue is recorded as `DocumentIssued`."""
    rendered = await asyncio.to_thread(render, document, public_url=public_url)
    stream = await store.read_stream(document_stream(rendered.code))
    if stream.version > 0:
        return rendered
    event = DocumentIssued(
        paper=Paper(document.kind),
        code=rendered.code,
        ticket_id=rendered.subject,
        period=period,
        sha256=rendered.sha256,
        size_bytes=len(rendered.pdf),
        facts_position=facts_position,
    )
    meta = Metadata(
        event_id=new_id(),
        occurred_at=clock(),
        actor=actor,
        correlation_id=rendered.subject or f"document-{rendered.code}",
        causation_id=None,
    )
    # the same paper issued at the same moment by another call: recorded once, by that call
    with contextlib.suppress(ConcurrencyError):
        await store.append(stream.id, expected_version=0, events=[NewEvent(event=event, meta=meta)])
    return rendered
