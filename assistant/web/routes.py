"""The app's own routes and folders inside Chainlit's server, mounted at start-up."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.services import Services


def mount(app: Any, services: Services) -> None:
    """The IT review (/it), the knowledge manager's documents (/dokumente), our pages'
    logout and stored history elements ahead of Chainlit's catch-all;
    our checked login and feedback routes ahead of Chainlit's; attached files under the
    data dir."""
    from assistant.web.chat_history import register_history_routes
    from assistant.web.docpage import register_document_routes
    from assistant.web.feedback import register_feedback_routes
    from assistant.web.http import logout_route
    from assistant.web.itpage import register_it_routes
    from assistant.web.login import register_login_route

    files_in_data_dir(services)
    register_it_routes(app, services)
    register_document_routes(app, services)
    app.router.routes.insert(0, logout_route(services.accounts))
    register_history_routes(app, services)
    register_feedback_routes(app)
    if services.settings.auth_mode == "password":
        register_login_route(app, services)


def files_in_data_dir(services: Services) -> None:
    """Chainlit keeps attached files under ./.files and deletes that whole folder on
    shutdown; under the data dir instead (all state moves with ASSISTANT_DATA_DIR), in a
    folder of this process's own (host and port), so the app processes sharing one data
    dir never delete each other's attached files when one of them stops."""
    import shutil
    import socket

    import chainlit.config
    import chainlit.server

    instance = f"{socket.gethostname()}-{os.environ.get('CHAINLIT_PORT', 'default')}"
    folder = services.settings.ensure_data_dir().resolve() / "chat-files" / instance
    if folder.is_dir():  # left over by this instance's crash: its sessions are gone
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    chainlit.config.FILES_DIRECTORY = chainlit.server.FILES_DIRECTORY = folder
