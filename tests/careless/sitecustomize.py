"""A careless log call in the served app, for test_log_redaction_served.py only.

The chat app runs in its own process (`assistant serve` replaces itself with
Chainlit), where a test cannot monkeypatch. Python imports `sitecustomize` from
PYTHONPATH at start; this one, in the Chainlit process only, wraps the answer
service's `prepare` (the real path of every chat question) once its module is
imported, so that it does what a careless developer might: log the question, in
our logger and in libraries' loggers with their own handlers, and log an
exception whose message quotes it. Nothing else changes.
"""

from __future__ import annotations

import importlib.abc
import logging
import sys

TARGET = "assistant.answering.answer"


def _careless(prepare):
    def wrapper(self, question, *args, **kwargs):
        logging.getLogger(TARGET).info("careless_answer_record: %s", question)
        logging.getLogger("uvicorn.error").warning("careless_uvicorn_record: %s", question)
        logging.getLogger("chainlit").warning("careless_chainlit_record: %s", question)
        logging.getLogger("engineio.server").error("careless_engineio_record: %s", question)
        try:
            raise ValueError(f"cannot parse {question!r}")
        except ValueError:
            logging.getLogger(TARGET).warning("careless_exception_record", exc_info=True)
        return prepare(self, question, *args, **kwargs)

    return wrapper


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != TARGET:
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        real_exec = spec.loader.exec_module

        def exec_module(module):
            real_exec(module)
            module.AnswerService.prepare = _careless(module.AnswerService.prepare)

        spec.loader.exec_module = exec_module
        return spec


if any(a.endswith("web/app.py") for a in sys.argv):  # `python -m chainlit run …/app.py`
    sys.meta_path.insert(0, _PatchOnImport())
