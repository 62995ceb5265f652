"""The side panel of sources: shown per answer, in citation order, cleared before the next.

Chainlit's panel shows every side element of the conversation; without
clearing, the sources of a new answer would sit below all earlier ones (the
earlier answers keep their source list as text).
"""

from __future__ import annotations

import asyncio
import contextlib

import chainlit as cl

from assistant.web import ui

SIDEBAR_TITLE_DELAY_S = 0.8
_background: set[asyncio.Task] = set()  # tasks the loop must not garbage-collect


async def show(reply: cl.Message, rendered: ui.Rendered) -> None:
    """Attach the sources one by one, so the side panel lists them in citation order."""
    for element in rendered.elements:
        await element.send(for_id=reply.id)
    cl.user_session.set("sources", rendered.elements)
    if rendered.elements:
        await cl.ElementSidebar.set_title(rendered.sources_title)
        # The browser renames the panel after the last side element it rendered
        # ("Original-PDF [5]") once the elements are drawn, which can come after the
        # title above: say it again when they are.
        spawn(_title_again(rendered.sources_title))


async def clear() -> None:
    """Take the previous answer's sources out of the side panel."""
    shown = cl.user_session.get("sources") or []
    await asyncio.gather(*(element.remove() for element in shown))
    cl.user_session.set("sources", [])


def spawn(coroutine) -> None:
    """Run in the background; keep a reference until done (the loop holds tasks weakly)."""
    task = asyncio.create_task(coroutine)
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _title_again(title: str, delay: float = SIDEBAR_TITLE_DELAY_S) -> None:
    await asyncio.sleep(delay)
    with contextlib.suppress(Exception):  # the person may have left meanwhile
        await cl.ElementSidebar.set_title(title)
