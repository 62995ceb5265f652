"""Last line of defence: every log record's message and exception text is redacted.

Application code logs ids, types and timings, never message text. Should a
question or an answer still reach a log call (in our code or a library's, or
quoted in an exception), this turns it into placeholders before any handler
sees it; if redaction fails, the message is masked whole.

    uninstall = setup_logging(settings.log_level, lambda: services.redactor)

`setup_logging` is the one setup of both processes, the CLI and the chat app
(web/app.py), at their start. `install_log_redaction` wraps the logging record
factory, so it covers every logger and every handler, including those added
later (Chainlit, uvicorn, engineio, socketio, httpx). `RedactingFilter` can also
be attached to a single handler.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote

from assistant.privacy.results import MASK

if TYPE_CHECKING:
    from assistant.privacy import Redactor

# The privacy package's own loggers (redactor, audit, retention): reviewed to log
# types, counts, ids and timings only. The chat server's start lines (web/server.py):
# reviewed to log only the host and port the service binds – configuration, which the
# admin must read unmasked to find a port clash.
TRUSTED = ("assistant.privacy", "assistant.web.server")
# The redactor's libraries: their debug lines quote the analysed text, and they
# log from inside the redactor (whose lock a nested redaction would wait for):
# their records are masked, never redacted.
MASKED = ("presidio", "spacy")
_DONE = "_amtswissen_redacted"
# uvicorn's access formatter reads the record's five arguments (client, method, path
# with query, HTTP version, status), so its records keep them, redacted one by one.
ACCESS = "uvicorn.access"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO lines are noise in the log IT reads (one per recognizer, request…).
NOISY = ("chromadb", "httpx", "unstructured", "presidio-analyzer")
_state = threading.local()


@contextmanager
def redacting() -> Iterator[None]:
    """Mark this thread as inside a redaction: records logged meanwhile are masked."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


class RedactingFilter(logging.Filter):
    """Rewrites a record in place: message, exception and stack text redacted."""

    def __init__(self, redactor: Callable[[], Redactor]):
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _DONE, False) or record.name.startswith(TRUSTED):
            return True
        setattr(record, _DONE, True)
        if record.name.startswith(MASKED) or getattr(_state, "depth", 0):
            _mask(record)
            return True
        try:
            with redacting():
                self._rewrite(record)
        except Exception:  # noqa: BLE001 - a log call must never fail, nor leak
            _mask(record)
        return True

    def _rewrite(self, record: logging.LogRecord) -> None:
        redactor = self._redactor()
        if record.name == ACCESS and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            client, path = self._text(redactor, str(client)), _access_path(redactor, str(path))
            record.args = (client, method, path, version, status)
            return
        message = record.getMessage()
        record.msg, record.args = self._text(redactor, message), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _exception_text(record.exc_info[1], redactor)
        elif record.exc_text:
            record.exc_text = self._text(redactor, record.exc_text)
        record.exc_info = None  # handlers must not format the raw exception again
        if record.stack_info:
            record.stack_info = self._text(redactor, record.stack_info)

    @staticmethod
    def _text(redactor: Redactor, text: str) -> str:
        from assistant.privacy.redact import redact_or_mask

        return redact_or_mask(redactor, text, where="log filter").text


def _access_path(redactor: Redactor, path: str) -> str:
    """A request path as the access log shows it: decoded and redacted (`/it?q=Frau+Erika+…`
    hides a name from the redactor only while it is encoded); query values are masked
    whole, as nothing a person types into a form belongs in a log."""
    path, _, query = path.partition("?")
    shown = unquote(path)
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        shown += "?" + "&".join(f"{key}={MASK if value else ''}" for key, value in pairs)
    return RedactingFilter._text(redactor, shown)


def _mask(record: logging.LogRecord) -> None:
    if record.name == ACCESS and isinstance(record.args, tuple) and len(record.args) == 5:
        record.args = (MASK, MASK, MASK, MASK, record.args[4])  # the status stays a number
        return
    record.msg, record.args = MASK, ()
    record.exc_info, record.stack_info = None, None
    record.exc_text = MASK if record.exc_text else None


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _exception_text(exc: BaseException, redactor: Redactor) -> str:
    """The traceback as Python prints it, but each exception's message (and notes)
    redacted. Frames (file, line, function, source line) are code and stay readable."""
    parts: list[str] = []
    for link, te in _chain(traceback.TracebackException.from_exception(exc)):
        parts.append(link)
        if te.stack:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(te.stack.format())
        parts.append(RedactingFilter._text(redactor, "".join(te.format_exception_only())))
    return "".join(parts).rstrip("\n")


def _chain(te: traceback.TracebackException) -> list[tuple[str, traceback.TracebackException]]:
    """(separator, exception), oldest first: each exception carries how it relates to
    the older one printed before it, as Python prints chained exceptions."""
    pairs: list[tuple[str, traceback.TracebackException]] = []
    seen: set[int] = set()
    while te is not None and id(te) not in seen:
        seen.add(id(te))
        if te.__cause__ is not None:
            older, link = te.__cause__, _CAUSE
        elif te.__context__ is not None and not te.__suppress_context__:
            older, link = te.__context__, _CONTEXT
        else:
            older, link = None, ""
        pairs.append((link, te))
        te = older
    return pairs[::-1]


def install_log_redaction(redactor: Callable[[], Redactor]) -> Callable[[], None]:
    """Redact every record created from now on; returns a function that undoes it.

    `redactor` is called on the first record (building the analyzer is slow,
    and most commands never log).
    """
    previous = logging.getLogRecordFactory()
    redacting = RedactingFilter(redactor)

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        redacting.filter(record)
        return record

    logging.setLogRecordFactory(factory)

    def uninstall() -> None:
        if logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)

    return uninstall


def setup_logging(level: str, redactor: Callable[[], Redactor]) -> Callable[[], None]:
    """The logging of a process, at its start: the CLI's and the chat app's (web/app.py).

    Libraries quieted; the level for every logger; a stderr handler unless the process
    has one (Chainlit installs its own on stdout before it imports the app); every
    record redacted from now on. Returns the function that undoes the redaction.
    """
    quiet_libraries()
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format=FORMAT)
    logging.getLogger().setLevel(level.upper())
    return install_log_redaction(redactor)


def quiet_libraries() -> None:
    """Libraries log warnings and errors only; Chainlit's warning on every page load that
    there is no `chainlit_de-DE.md` (chainlit.md is the German page) is dropped."""
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    chainlit_logger = logging.getLogger("chainlit")
    if not any(isinstance(f, _NoReadmeFallbackWarning) for f in chainlit_logger.filters):
        chainlit_logger.addFilter(_NoReadmeFallbackWarning())


class _NoReadmeFallbackWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Translated markdown file for")
