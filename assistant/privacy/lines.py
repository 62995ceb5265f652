"""Line-wise redaction for ``assistant redact [--json]`` (stdin → stdout)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from assistant.privacy.engine import Redactor


def redact_lines(lines: Iterable[str], redactor: Redactor, *, as_json: bool) -> Iterator[str]:
    """Exactly one output line per input line, empty lines included (no line ends).

    With `as_json`, each line is ``{"text": ..., "entities": [{"type", "start",
    "end", "score"}]}``; offsets refer to the input line.
    """
    for line in lines:
        text = line.rstrip("\r\n")
        result = redactor.redact(text)
        if not as_json:
            yield _one_line(result.text)
            continue
        entities = [
            {"type": e.type, "start": e.start, "end": e.end, "score": e.score}
            for e in result.entities
        ]
        yield json.dumps({"text": result.text, "entities": entities}, ensure_ascii=False)


def _one_line(text: str) -> str:
    # Placeholders never contain line breaks, so the output keeps the line count.
    return text.replace("\n", " ").replace("\r", " ")
