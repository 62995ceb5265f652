"""Item 6 of issue 11: only the author of a conversation may rate its answers (the probe:
`PUT /feedback` with another person's step id)."""

from __future__ import annotations

import json
import time

from secapp import password, run_cli, served_app
from served import Chat, client, token

app = served_app  # the fixture: this module's served app (secapp.py)


def _put(app, tok: str, step_id: str, value: int, comment: str):
    body = {"sessionId": "x", "feedback": {"forId": step_id, "value": value, "comment": comment}}
    with client(cookies={"access_token": tok}) as c:
        return c.put(f"{app.url}/feedback", json=body)


def _feedback(app) -> list:
    rows = json.loads(run_cli(app, "logs", "list", "--json") or "[]")
    return [(r.get("feedback"), r.get("feedback_comment")) for r in rows if r.get("feedback")]


def test_feedback_on_someone_elses_answer_is_refused(app):
    anna = token(app.url, "anna", password("anna"))
    chat = Chat(app.url, anna)
    reply = chat.ask("Wie viel Tagegeld gibt es auf Dienstreisen?").reply()
    chat.close()
    time.sleep(1)  # the step reaches the chat history in the background
    before = _feedback(app)
    stranger = token(app.url, "bernd", password("bernd"), "127.0.0.31")
    refused = _put(app, stranger, reply["id"], 0, "fremde Bewertung")
    assert refused.status_code == 403
    assert "eigenen Unterhaltungen" in refused.json()["detail"]
    assert _feedback(app) == before  # nothing reached anna's audit row
    own = _put(app, anna, reply["id"], 1, "hilfreich")
    assert own.status_code == 200
    assert (1, "hilfreich") in _feedback(app)
