"""Text of a council file that the server does not send as `File.text`.

Downloaded at sync time (never at question time) from `accessUrl` (else
`downloadUrl`) and read with the same offline parsers as uploads (ingest/parse.py),
after checking its type by content. The text is cached in the sync store under the
file's id with the file's `modified` and checksum, so an unchanged file is never
downloaded again. A file that cannot be read is a counted problem, not a failure of
the paper: the paper is indexed without that file's text.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.connectors.http import FetchError
from assistant.connectors.oparl.model import ref_id, text
from assistant.errors import IngestError

if TYPE_CHECKING:
    from assistant.connectors.engine import RunReport

_SUFFIX = {
    "application/pdf": ".pdf",
    "pdf": ".pdf",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "docx": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
}


class FileTexts:
    def __init__(self, sync, report: RunReport):
        self.sync, self.report = sync, report

    def text(self, file: dict | str) -> str:
        if isinstance(file, str):  # linked, not embedded: fetch the File object first
            try:
                file = self.sync._get(file, self.report)
            except FetchError as exc:
                self._problem(exc.code, file)
                return ""
            if not isinstance(file, dict):
                return ""
            if isinstance(file.get("text"), str):
                return file["text"]
        fid = ref_id(file)
        url = text(file.get("accessUrl")) or text(file.get("downloadUrl"))
        if not fid or not url:
            return ""
        stamp = text(file.get("modified")) + "|" + text(file.get("sha1Checksum"))
        cached = self.sync.store.get_object(self.sync.source.name, fid)
        if cached and cached["modified"] == stamp and cached["payload"]:
            return cached["payload"].get("text", "")
        content = self._download(file, url)
        if content is None:  # a passing failure (timeout, 5xx): try again next run
            return ""
        self.sync.store.put_object(self.sync.source.name, fid, "FileText", stamp, {"text": content})
        return content

    def _download(self, file: dict, url: str) -> str | None:
        """The file's text; "" when it has none for good (gone, too large, unreadable),
        None when the failure may pass."""
        settings = self.sync.settings
        max_bytes = int(settings.max_file_mb * 1024 * 1024)
        try:
            response = self.sync.client.get(url, max_bytes=max_bytes)
        except FetchError as exc:
            self._problem(exc.code, url)
            return "" if exc.code in ("not_found", "too_large") else None
        finally:
            self.report.requests = self.sync.client.requests
        self.report.counts["files"] += 1
        kind = (response.content_type.split(";")[0].strip() or text(file.get("mimeType"))).lower()
        suffix = _SUFFIX.get(kind) or _SUFFIX.get(text(file.get("mimeType")).lower()) or ".pdf"
        if suffix == ".txt":
            return response.content.decode("utf-8", errors="replace").strip()
        return self._parse(response.content, suffix, url)

    def _parse(self, content: bytes, suffix: str, url: str) -> str:
        from assistant.ingest.parse import parse_file

        settings = self.sync.settings
        name = hashlib.sha1(url.encode()).hexdigest()[:12] + suffix
        with tempfile.TemporaryDirectory(prefix="oparl-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(content)
            try:
                parsed = parse_file(
                    path,
                    max_bytes=int(settings.max_file_mb * 1024 * 1024),
                    max_pages=settings.max_pages,
                )
            except IngestError as exc:
                self._problem(f"file_{exc.code}", url)
                return ""
        return "\n\n".join(b.text for b in parsed.blocks if b.text.strip())

    def _problem(self, code: str, ref: str) -> None:
        messages = {
            "not_found": "Eine Datei fehlt auf dem Server (HTTP 404); die Vorlage ist ohne "
            "ihren Text aufgenommen.",
            "too_large": "Eine Datei ist zu groß; die Vorlage ist ohne ihren Text aufgenommen.",
        }
        self.report.problem(
            f"file_{code}" if not code.startswith("file_") else code,
            messages.get(
                code,
                "Eine Datei konnte nicht gelesen werden; die Vorlage ist ohne "
                "ihren Text aufgenommen.",
            ),
            ref,
        )
