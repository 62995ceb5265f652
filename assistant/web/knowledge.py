"""The knowledge managers' part of the chat: attach files to upload them, `/dokumente`
to list their documents, a button to retire one. Thin: `UploadService` decides and
does the work (ingest/upload.py); this module asks, reports and renders (ui.py).

Every function gets the person as the account store knows them now (app.py looks
them up on each message); the service checks role and collection again itself.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import chainlit as cl

from assistant.ingest.upload import NO_UPLOAD, parse_validity
from assistant.web import kmtexts, ui
from assistant.web.docdates import findable

if TYPE_CHECKING:
    from assistant.access.accounts import User
    from assistant.services import Services

RETIRE_ACTION = "zurueckziehen"  # the action of lists in stored conversations
DOCS_COMMAND = {
    "id": ui.DOCS_COMMAND,
    "icon": "folder-open",
    "description": "Meine Dokumente: Version, Stand, Rückmeldungen, zurückziehen",
}


async def offer_commands(services: Services, person: User | None) -> None:
    """Knowledge managers get the `/dokumente` command in the composer."""
    if person and services.uploads.may_upload(person):
        await cl.context.emitter.set_commands([DOCS_COMMAND])


async def upload(services: Services, message: cl.Message, files: list, person: User | None):
    """Attached files go into a collection the person manages; a report per file."""
    service = services.uploads
    if person is None or not service.may_upload(person):
        await cl.Message(content=NO_UPLOAD).send()
        return
    valid_from, valid_until = parse_validity(message.content or "")
    collection = await _pick_collection(service.targets(person))
    if collection is None:
        await cl.Message(content=kmtexts.UPLOAD_PICK_TIMEOUT).send()
        return
    progress = cl.Message(content=kmtexts.upload_progress(collection, 0, len(files), files[0].name))
    await progress.send()
    if services.settings.jobs == "queue":
        await _upload_by_worker(
            services, person, collection, files, progress, valid_from, valid_until
        )
        return
    results = []
    for i, element in enumerate(files):
        progress.content = kmtexts.upload_progress(collection, i, len(files), element.name)
        await progress.update()
        report = await cl.make_async(service.upload)(  # a worker thread: other chats go on
            person,
            collection,
            [(element.name, Path(element.path))],
            valid_from=valid_from,
            valid_until=valid_until,
        )
        results += report.results
    await _report(services, progress, collection, results)


async def _upload_by_worker(services, person, collection, files, progress, *validity) -> None:
    """ASSISTANT_JOBS=queue: the files are handed to the worker at once; the message shows
    the job's progress (polled, no thread waits) and then the report per file."""
    service = services.uploads
    ticket = await cl.make_async(service.submit)(
        person,
        collection,
        [(e.name, Path(e.path)) for e in files],
        valid_from=validity[0],
        valid_until=validity[1],
    )
    shown = None
    while True:
        job, results = await cl.make_async(service.progress)(ticket)
        if job is None or job.finished:
            break
        done = sum(r is not None for r in results)
        current = files[min(done, len(files) - 1)].name
        content = kmtexts.upload_progress(collection, done, len(files), current)
        if content != shown:
            progress.content = shown = content
            await progress.update()
        await asyncio.sleep(services.settings.job_poll_seconds)
    await _report(services, progress, collection, results)


async def _report(services: Services, progress: cl.Message, collection: str, results) -> None:
    records = {r.doc_id: services.manifest.get(r.doc_id) for r in results if r.doc_id}
    progress.content = kmtexts.upload_report(
        collection, results, {k: v for k, v in records.items() if v}
    )
    await progress.update()


async def _pick_collection(targets: list[str]) -> str | None:
    if len(targets) == 1:
        return targets[0]
    actions = [cl.Action(name="sammlung", payload={"name": t}, label=t) for t in targets]
    ask = cl.AskActionMessage(content=kmtexts.UPLOAD_PICK, actions=actions, timeout=300)
    answer = await ask.send()
    picked = answer.get("payload", {}).get("name") if answer else None
    await _settle(ask, f"Sammlung: {picked}" if picked else kmtexts.UPLOAD_PICK_TIMEOUT)
    return picked


async def _settle(ask: cl.AskActionMessage, content: str) -> None:
    """Replace Chainlit's English note on the answered question ("Selected: …") with German."""
    ask.content = content
    await ask.update()


async def show_documents(services: Services, person: User | None) -> None:
    """A short answer in the chat and the link to the page with the list (docpage.py):
    a table with a column per fact and an action per row does not fit a chat message."""
    service = services.uploads
    if person is None or not service.may_upload(person):
        await cl.Message(content=kmtexts.NOTHING_MANAGED).send()
        return
    documents = await cl.make_async(service.documents)(person)
    waiting = [f"„{d.record.title}“: {note}" for d in documents if (note := findable(d.record))]
    await cl.Message(content=kmtexts.documents_reply(len(documents), waiting)).send()


async def retire(services: Services, action: cl.Action, person: User | None) -> None:
    """The retire button of document lists that earlier versions showed in the chat: stored
    conversations still carry it. New lists are on the page (docpage.py)."""
    service = services.uploads
    record = services.manifest.get(action.payload.get("doc_id", ""))
    if person is None or record is None:
        await cl.Message(content="Dieses Dokument gibt es nicht (mehr).").send()
        return
    service.check(person, record.collection)
    confirm = cl.AskActionMessage(
        content=kmtexts.RETIRE_CONFIRM.format(title=record.title, version=record.version),
        actions=[
            cl.Action(name="ja", payload={"ok": True}, label="Ja, zurückziehen"),
            cl.Action(name="nein", payload={"ok": False}, label="Abbrechen"),
        ],
        timeout=120,
    )
    answer = await confirm.send()
    ok = bool(answer and answer.get("payload", {}).get("ok"))
    await _settle(confirm, f"„{record.title}“ zurückziehen: {'ja' if ok else 'nein'}")
    if not ok:
        await cl.Message(content="Nichts geändert.").send()
        return
    await cl.make_async(service.retire)(person, record.doc_id)
    await action.remove()
    await cl.Message(
        content=f"„{record.title}“ wurde zurückgezogen und wird nicht mehr gefunden."
    ).send()
