"""The log IT reads: libraries' chatter is off, their warnings and errors stay."""

from __future__ import annotations

import logging

from assistant.privacy.logfilter import quiet_libraries


def test_library_info_lines_and_the_readme_fallback_warning_are_dropped(caplog):
    quiet_libraries()
    quiet_libraries()  # idempotent: the app and the CLI may both call it
    with caplog.at_level(logging.INFO):
        logging.getLogger("presidio-analyzer").info("Loaded recognizer: X")
        logging.getLogger("chainlit").warning(
            "Translated markdown file for de-DE not found. Defaulting to chainlit.md."
        )
        logging.getLogger("chainlit").warning("Something else went wrong")
        logging.getLogger("presidio-analyzer").warning("a real warning")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["Something else went wrong", "a real warning"], messages
    # idempotent: one filter of ours, however often called (the chat history adds its own)
    filters = logging.getLogger("chainlit").filters
    assert len([f for f in filters if type(f).__module__ == "assistant.privacy.logfilter"]) == 1
