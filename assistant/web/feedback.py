"""Feedback (thumbs and comment) only from the author of the conversation.

Chainlit's `PUT /feedback` and `DELETE /feedback` check that someone is logged
in, not whose message it is: anyone who knew a step id could rate another
person's answer, and the rating landed in that person's audit row. These routes,
in front of Chainlit's, look the step's conversation up in the chat history
(never the thread id the request names) and let only its author through; then
Chainlit's own handler runs.
"""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at runtime.
from typing import Any

from chainlit import server
from chainlit.types import DeleteFeedbackRequest, UpdateFeedbackRequest
from fastapi import HTTPException, Request

NOT_YOURS = "Rückmeldungen gibt es nur zu Antworten in den eigenen Unterhaltungen."


def register_feedback_routes(app: Any) -> None:
    """Mount the checked `PUT /feedback` and `DELETE /feedback` ahead of Chainlit's."""

    async def put_feedback(request: Request, update: UpdateFeedbackRequest, user: server.UserParam):
        thread_id = await own_thread_of_step(update.feedback.forId, user)
        update.feedback.threadId = thread_id
        return await server.update_feedback(request, update, user)

    async def remove_feedback(
        request: Request, payload: DeleteFeedbackRequest, user: server.UserParam
    ):
        layer = _layer()
        rows = await layer.execute_sql(
            'SELECT "forId" FROM feedbacks WHERE "id" = :id', {"id": payload.feedbackId}
        )
        step_id = rows[0]["forId"] if isinstance(rows, list) and rows else None
        await own_thread_of_step(step_id, user)
        return await server.delete_feedback(request, payload, user)

    app.add_api_route("/feedback", put_feedback, methods=["PUT"], name="amtswissen_feedback")
    app.add_api_route(
        "/feedback", remove_feedback, methods=["DELETE"], name="amtswissen_feedback_delete"
    )
    for _ in range(2):  # both ahead of Chainlit's routes of the same path
        app.router.routes.insert(0, app.router.routes.pop())


async def own_thread_of_step(step_id: str | None, user: Any) -> str:
    """The conversation of this step if `user` wrote it; else 404 or 403 (German)."""

    layer = _layer()
    thread_id = await layer.thread_of_step(step_id) if step_id else None
    if thread_id is None:
        raise HTTPException(404, detail="Diese Antwort gibt es nicht.")
    try:
        author = await layer.get_thread_author(thread_id)
    except ValueError:  # a thread without author: nobody's to rate
        author = None
    if user is None or author != user.identifier:
        raise HTTPException(403, detail=NOT_YOURS)
    return thread_id


def _layer():
    from chainlit.data import get_data_layer

    layer = get_data_layer()
    if layer is None:
        raise HTTPException(500, detail="Der Chatverlauf ist nicht eingerichtet.")
    return layer
