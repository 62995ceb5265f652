"""A conversation as release 0.1.0 stored it, before the privacy rework (issue 10).

The tables and Chainlit (2.12.0) are unchanged since m004_chat_history; what differs is
what the old code put in them (git history of assistant/web/chat_history.py and
assistant/privacy/): answers were redacted like typed text, so ordinary words became
placeholders ("Präsenztage" -> <PERSON_2>, commit e656f2f); answer steps carried no
`{"kind": "answer"}` metadata; a text whose redaction failed was stored as `<REDACTED>`;
the session's history sat in the thread metadata as [role, text] pairs. The rows here are
written with plain SQL in exactly the shape Chainlit's `SQLAlchemyDataLayer` wrote them
(JSON as text, ISO times as text, `showInput` as a string), into `chat.db` as on SQLite.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import sqlalchemy as sa
from chainlit.types import Pagination, ThreadFilter

from assistant import db
from assistant.privacy.retention import CHAT_DB, CHAT_TABLES, ELEMENTS_DIR, element_file
from assistant.web.chat_history import RedactedDataLayer, element_text
from assistant.web.ui import history_from_steps

QUESTION = "Wie viele <PERSON_2> gelten für <PERSON_1> im Homeoffice?"
ANSWER = "Es gelten drei <PERSON_2> je Woche [1].\n\n**Quellen**\n\n- [1] Dienstvereinbarung"
PASSAGE = "§ 3 Präsenztage: drei Tage je Woche im Amt."
OLD_HISTORY = {
    "history": [("user", QUESTION), ("assistant", "Es gelten drei <PERSON_2> je Woche [1].")],
    "outputs": [QUESTION, ANSWER, "<REDACTED>"],
    "feedback": (1, "Danke, <PERSON_1> weiß jetzt Bescheid."),
    "passage": PASSAGE,
    "listed": True,
}


def insert_old_chat(data_dir: Path) -> dict[str, str]:
    """The old conversation in `<data dir>/chat.db` (tables created if missing); its ids."""
    ids = {k: str(uuid.uuid4()) for k in ("user", "thread", "q", "a", "masked", "el", "fb")}
    engine = sa.create_engine(f"sqlite:///{(data_dir / CHAT_DB).resolve()}")
    at = "2026-12-01T08:15:00.000000Z"
    with engine.begin() as conn:
        for table in CHAT_TABLES:
            table.create(conn, checkfirst=True)
        conn.execute(db.chat_users.insert(), [_user(ids, at)])
        conn.execute(db.chat_threads.insert(), [_thread(ids, at)])
        conn.execute(db.chat_steps.insert(), _steps(ids))
        conn.execute(db.chat_elements.insert(), [_element(ids)])
        conn.execute(
            db.chat_feedbacks.insert(),
            [{"id": ids["fb"], "forId": ids["a"], "threadId": ids["thread"], "value": 1,
              "comment": OLD_HISTORY["feedback"][1]}],
        )  # fmt: skip
    engine.dispose()
    target = element_file(data_dir / ELEMENTS_DIR, f"{ids['user']}/{ids['el']}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(PASSAGE, encoding="utf-8")
    return ids


def _user(ids, at) -> dict:
    meta = json.dumps({"roles": ["mitarbeitende"], "groups": ["personal"]})
    return {"id": ids["user"], "identifier": "altbestand", "metadata": meta, "createdAt": at}


def _thread(ids, at) -> dict:
    session = {"history": [list(t) for t in OLD_HISTORY["history"]], "chat_profile": None}
    return {
        "id": ids["thread"],
        "createdAt": at,
        "name": QUESTION,
        "userId": ids["user"],
        "userIdentifier": "altbestand",
        "tags": None,
        "metadata": json.dumps(session),
    }


def _steps(ids) -> list[dict]:
    rows = []
    for n, (key, kind, output) in enumerate(
        [
            ("q", "user_message", QUESTION),
            ("a", "assistant_message", ANSWER),
            ("masked", "user_message", "<REDACTED>"),  # redaction failed: masked whole
        ]
    ):
        at = f"2026-12-01T08:15:0{n + 1}.000000Z"
        rows.append(
            {
                **{c.name: None for c in db.chat_steps.columns},
                "id": ids[key],
                "name": "altbestand" if kind == "user_message" else "Amtswissen",
                "type": kind,
                "threadId": ids["thread"],
                "streaming": False,
                "metadata": "{}",  # no {"kind": "answer"} before the rework
                "generation": "{}",
                "output": output,
                "createdAt": at,
                "start": at,
                "end": at,
                "showInput": "json",
            }
        )
    return rows


def _element(ids) -> dict:
    key = f"{ids['user']}/{ids['el']}"
    return {
        **{c.name: None for c in db.chat_elements.columns},
        "id": ids["el"],
        "threadId": ids["thread"],
        "type": "text",
        "url": "/verlauf/element/" + key,
        "objectKey": key,
        "name": "Quelle 1",
        "display": "side",
        "forId": ids["a"],
        "mime": "text/plain",
    }


def read_old_chat(layer: RedactedDataLayer, ids: dict[str, str]) -> dict:
    """What the app reads back of the old conversation through its data layer."""

    async def read():
        try:
            thread = await layer.get_thread(ids["thread"])
            user = await layer.get_user("altbestand")
            listed = await layer.list_threads(
                Pagination(first=20), ThreadFilter(userId=user.id if user else "-")
            )
            return thread, listed
        finally:
            await layer.engine.dispose()

    thread, listed = asyncio.run(read())
    steps = sorted(thread["steps"], key=lambda s: s["createdAt"])
    answer = next(s for s in steps if s["id"] == ids["a"])
    element = thread["elements"][0]
    return {
        "history": history_from_steps(steps),
        "outputs": [s["output"] for s in steps],
        "feedback": (answer["feedback"]["value"], answer["feedback"]["comment"]),
        "passage": element_text(layer, element["objectKey"]),
        "listed": ids["thread"] in {t["id"] for t in listed.data},
    }
