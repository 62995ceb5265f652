"""Chainlit handlers — thin: translate between the chat and the services.

Started by `assistant serve` (see web.py). The services are built once per
process on first use; each handler calls one service and renders its result.
"""

from __future__ import annotations

from functools import lru_cache

import chainlit as cl

from assistant.config import Settings
from assistant.services import Services
from assistant.ui import render_hits


@lru_cache(maxsize=1)
def services() -> Services:
    return Services(Settings())


@cl.set_starters
async def starters(_user=None, _language=None) -> list[cl.Starter]:
    from assistant.ui import STARTERS

    return [cl.Starter(label=label, message=message) for label, message in STARTERS]


@cl.on_message
async def on_message(message: cl.Message) -> None:
    try:
        result = await cl.make_async(services().search.search)(message.content)
    except Exception:  # a person sees German, the log sees the type only
        import logging

        logging.getLogger(__name__).exception("search failed")
        await cl.Message(content="Bei der Suche ist ein Fehler aufgetreten. Bitte später "
                         "erneut versuchen oder die IT informieren.").send()
        return
    content, elements = render_hits(result.hits)
    await cl.Message(content=content, elements=elements).send()
