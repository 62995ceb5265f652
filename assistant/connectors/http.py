"""Polite HTTP for syncs: one request at a time, a pause between requests, retries.

Council and open-data servers are small municipal machines shared with the public;
a sync must never look like an attack. So: a `User-Agent` that names us, a minimum
interval between requests (`ASSISTANT_SYNC_RATE`), a timeout per request, and
retries with growing pauses on 429 (honouring `Retry-After`), 5xx, timeouts and
dropped connections. A 404 is not retried: the object is gone or never public.
Every failure becomes a `FetchError` with a German message and a `code`.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from assistant.errors import AssistantError

log = logging.getLogger(__name__)

_RETRY_STATUS = {429, 500, 502, 503, 504}
_MAX_RETRY_AFTER = 120.0  # seconds; a server asking for longer ends the run (resumable)


class FetchError(AssistantError):
    """A request failed for good (after retries); `code` says how, `url` where."""

    code = "fetch"

    def __init__(self, message: str, *, code: str, url: str, status: int | None = None):
        super().__init__(message, code=code)
        self.url, self.status = url, status


@dataclass
class Response:
    url: str
    status: int
    content: bytes
    content_type: str
    server_date: datetime | None  # the server's clock (HTTP `Date`), never ours
    retry_after: float | None = None  # seconds, from a 429/503's `Retry-After`

    def json(self):
        try:
            return json.loads(self.content.decode("utf-8-sig", errors="replace"))
        except ValueError:
            raise FetchError(
                "Der Server hat keine gültigen JSON-Daten geliefert.",
                code="malformed_json",
                url=self.url,
                status=self.status,
            ) from None


class PoliteClient:
    """GET with rate limit, timeout and retries; counts its requests."""

    def __init__(
        self,
        *,
        user_agent: str,
        rate: float = 1.0,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._http = httpx.Client(
            headers={"User-Agent": user_agent, "Accept": "application/json, */*;q=0.5"},
            timeout=timeout,
            follow_redirects=True,
        )
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.retries, self.backoff, self._sleep = retries, backoff, sleep
        self.requests = 0
        self._last = 0.0

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, params: dict | None = None, *, max_bytes: int | None = None):
        """The response of a successful GET; `FetchError` once retries are used up."""
        attempt = 0
        while True:
            try:
                response = self._once(url, params, max_bytes)
            except FetchError as exc:
                if exc.code not in ("timeout", "connection") or attempt >= self.retries:
                    raise
                wait = self.backoff * 2**attempt
            else:
                if response.status < 400:
                    return response
                if response.status not in _RETRY_STATUS or attempt >= self.retries:
                    raise _status_error(response)
                wait = _retry_after(response, self.backoff * 2**attempt)
                if wait > _MAX_RETRY_AFTER:
                    raise _status_error(response)
            attempt += 1
            log.info("retrying %s in %.1f s (attempt %d)", _short(url), wait, attempt)
            self._sleep(wait)

    def get_json(self, url: str, params: dict | None = None):
        response = self.get(url, params)
        return response.json(), response

    def _once(self, url: str, params, max_bytes) -> Response:
        pause = self._last + self.interval - time.monotonic()
        if pause > 0:
            self._sleep(pause)
        self._last = time.monotonic()
        self.requests += 1
        try:
            with self._http.stream("GET", url, params=params) as r:
                content = _read_limited(r, max_bytes, url)
                return Response(
                    url=str(r.url),
                    status=r.status_code,
                    content=content,
                    content_type=r.headers.get("content-type", ""),
                    server_date=_http_date(r.headers.get("date")),
                    retry_after=_seconds(r.headers.get("retry-after")),
                )
        except httpx.TimeoutException:
            raise FetchError(
                "Der Server hat nicht rechtzeitig geantwortet.", code="timeout", url=url
            ) from None
        except httpx.HTTPError:
            raise FetchError(
                "Der Server ist nicht erreichbar oder hat die Verbindung abgebrochen.",
                code="connection",
                url=url,
            ) from None


def _read_limited(r: httpx.Response, max_bytes: int | None, url: str) -> bytes:
    chunks, size = [], 0
    for part in r.iter_bytes():
        size += len(part)
        if max_bytes is not None and size > max_bytes:
            raise FetchError(
                f"Die Datei ist größer als erlaubt ({max_bytes // (1024 * 1024)} MiB).",
                code="too_large",
                url=url,
            )
        chunks.append(part)
    return b"".join(chunks)


def _status_error(response: Response) -> FetchError:
    if response.status == 404:
        return FetchError(
            "Das Objekt gibt es auf dem Server nicht (mehr) (HTTP 404).",
            code="not_found",
            url=response.url,
            status=404,
        )
    if response.status == 429:
        return FetchError(
            "Der Server bittet um weniger Anfragen (HTTP 429); der Abgleich wird später "
            "fortgesetzt.",
            code="rate_limited",
            url=response.url,
            status=429,
        )
    return FetchError(
        f"Der Server meldet einen Fehler (HTTP {response.status}).",
        code="http_error",
        url=response.url,
        status=response.status,
    )


def _retry_after(response: Response, default: float) -> float:
    """`Retry-After` in seconds (either form the RFC allows), else `default`."""
    return max(default, response.retry_after) if response.retry_after is not None else default


def _seconds(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    when = _http_date(value)
    return max(0.0, (when - datetime.now(UTC)).total_seconds()) if when else None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _short(url: str) -> str:
    return url if len(url) < 120 else url[:117] + "..."
