"""A polite CKAN action-API client: `ckanapi.RemoteCKAN` inside the connectors' manners.

ckanapi knows the action API (URL layout, `success`/`error` envelope, CKAN's error
types), but has no rate limit and no retries, and it folds every non-JSON answer into one
`CKANAPIError`. So each action call goes through the same rules as `http.PoliteClient`:
one request at a time with a pause between requests, a timeout (ckanapi passes
`requests_kwargs` on), retries with growing pauses on 429 (honouring `Retry-After`), 5xx,
timeouts and dropped connections, and every failure a `FetchError` with a German message.
The HTTP status and headers of the last answer come from a response hook on the session,
because ckanapi only keeps the body. File downloads use `PoliteClient` (size limit, content
type), paced by the same clock so the portal never sees two requests back to back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import ckanapi
import requests
from ckanapi.errors import CKANAPIError, NotFound, SearchQueryError, ValidationError

from assistant.connectors.http import FetchError, PoliteClient, Response

log = logging.getLogger(__name__)

_RETRY_STATUS = {429, 500, 502, 503, 504}
_MAX_RETRY_AFTER = 120.0


class CkanClient:
    def __init__(
        self,
        base_url: str,
        *,
        user_agent: str,
        rate: float = 1.0,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        session = requests.Session()
        session.hooks["response"].append(self._remember)
        self._ckan = ckanapi.RemoteCKAN(
            self.base_url, user_agent=user_agent, get_only=True, session=session
        )
        # Downloads: retries of a dead file cost the portal and tell us nothing new.
        self.files = PoliteClient(
            user_agent=user_agent, rate=0, timeout=timeout, retries=1, backoff=backoff, sleep=sleep
        )
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.timeout, self.retries, self.backoff, self._sleep = timeout, retries, backoff, sleep
        self._calls = 0
        self._last = 0.0
        self._status: int | None = None
        self._retry_after: str | None = None

    @property
    def requests(self) -> int:
        return self._calls + self.files.requests

    def close(self) -> None:
        self._ckan.close()
        self.files.close()

    def action(self, name: str, **params):
        """The `result` of one action (GET); `FetchError` once retries are used up."""
        url = f"{self.base_url}/api/3/action/{name}"
        attempt = 0
        while True:
            try:
                return self._once(name, params, url)
            except _Retry as retry:
                if attempt >= self.retries or retry.wait_hint > _MAX_RETRY_AFTER:
                    raise retry.error from None
                wait = max(self.backoff * 2**attempt, retry.wait_hint)
            attempt += 1
            log.info("retrying %s in %.1f s (attempt %d)", name, wait, attempt)
            self._sleep(wait)

    def download(self, url: str, *, max_bytes: int) -> Response:
        self._pace()
        try:
            return self.files.get(url, max_bytes=max_bytes)
        finally:
            self._last = time.monotonic()

    # --- internals ---------------------------------------------------------------------
    def _once(self, name: str, params: dict, url: str):
        self._pace()
        self._calls += 1
        self._status, self._retry_after = None, None
        try:
            return self._ckan.call_action(name, params, requests_kwargs={"timeout": self.timeout})
        except requests.Timeout:
            raise _Retry(_error("Der Server hat nicht rechtzeitig geantwortet.", "timeout", url))
        except requests.RequestException:
            raise _Retry(
                _error(
                    "Der Server ist nicht erreichbar oder hat die Verbindung abgebrochen.",
                    "connection",
                    url,
                )
            )
        except NotFound:
            raise _error("Das Objekt gibt es im Portal nicht (HTTP 404).", "not_found", url, 404)
        except (SearchQueryError, ValidationError) as exc:
            raise _error(
                f"Das Portal lehnt die Suchanfrage ab ({str(exc)[:200]}).", "rejected", url, 409
            ) from None
        except CKANAPIError:
            raise self._classify(url) from None
        finally:
            self._last = time.monotonic()

    def _classify(self, url: str) -> Exception:
        """ckanapi's catch-all error: retry on 429/5xx, else the answer was no CKAN JSON."""
        status = self._status
        if status in _RETRY_STATUS:
            error = _error(
                "Der Server bittet um weniger Anfragen (HTTP 429)."
                if status == 429
                else f"Der Server meldet einen Fehler (HTTP {status}).",
                "rate_limited" if status == 429 else "http_error",
                url,
                status,
            )
            return _Retry(error, _seconds(self._retry_after))
        if status and status >= 400:
            return _error(f"Der Server meldet einen Fehler (HTTP {status}).", "http_error", url)
        return _error(
            "Das Portal hat keine gültigen JSON-Daten geliefert (ist das eine CKAN-Adresse?).",
            "malformed_json",
            url,
            status,
        )

    def _remember(self, response, *args, **kwargs):
        self._status = response.status_code
        self._retry_after = response.headers.get("Retry-After")
        return response

    def _pace(self) -> None:
        pause = self._last + self.interval - time.monotonic()
        if pause > 0:
            self._sleep(pause)


class _Retry(Exception):  # internal control flow: never leaves this module
    def __init__(self, error: FetchError, wait_hint: float = 0.0):
        super().__init__(str(error))
        self.error, self.wait_hint = error, wait_hint


def _error(message: str, code: str, url: str, status: int | None = None) -> FetchError:
    return FetchError(message, code=code, url=url, status=status)


def _seconds(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0
