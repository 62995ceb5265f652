"""Links in document text are shown as text, unless their host is allowed.

A document is data, not the city's voice: "Formular unter https://evil.example/phish"
must not become a link the chat offers to click (prompt injection, phishing). Every
URL in text that comes from documents – passages in search mode and in the side
panel, and the model's answer, which quotes them – is set as inline code (visible,
copyable, not clickable) unless its host is one of `link_allowed_hosts` (the city's
own domains; subdomains included). Markdown links `[Text](URL)` and autolinks
`<URL>` to other hosts become text as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_URL_BODY = r"[^\s<>`\"'()\[\]{}|\\^]+"
_LINKS = re.compile(
    r"!?\[(?P<label>[^\]\n]*)\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)"
    r"|<(?P<auto>(?:https?|ftp|mailto):[^>\s]+)>"
    rf"|(?P<bare>(?:(?:https?|ftp)://|www\.){_URL_BODY})",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?"


def defang(text: str, allowed_hosts: Iterable[str] = ()) -> str:
    """`text` with every link to a host not allowed turned into plain (code) text."""
    allowed = tuple(h.strip().lower().lstrip(".") for h in allowed_hosts if h.strip())

    def replace(match: re.Match) -> str:
        if match.group("bare"):
            url = match.group("bare")
            core = url.rstrip(_TRAILING)
            return url if is_allowed(core, allowed) else _code(core) + url[len(core) :]
        url = match.group("target") or match.group("auto")
        if is_allowed(url, allowed):
            return match.group(0)
        label = (match.group("label") or "").strip()
        return f"{label} ({_code(url)})" if label else _code(url)

    return _LINKS.sub(replace, text)


def is_allowed(url: str, allowed: tuple[str, ...]) -> bool:
    """An http(s) URL whose host is an allowed one or below it."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() not in ("http", "https") or not host:
        return False
    return any(host == h or host.endswith("." + h) for h in allowed)


def _code(url: str) -> str:
    return f"`{url}`"
