"""The tantivy schema of the lexical index and the marker that records how an index
directory was built (schema and German analysis: an index built otherwise would not
match the query's terms).

Schema 3 adds the `questions` field (doc2query: questions a local model wrote for a
chunk at ingest, issue 12). An index of schema 2 is still opened as it is – every
search works, only generated questions cannot be stored until it is rebuilt – so
upgrading never forces re-ingesting.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import tantivy

from assistant.errors import ConfigError

SCHEMA_VERSION = 3
READABLE_SCHEMAS = (2, 3)  # 2: before doc2query, no `questions` field
MARKER = "amtswissen-lexical.json"
TEXT_FIELDS = ("body", "parts", "section", "title")
QUESTIONS = "questions"


def build_schema(version: int = SCHEMA_VERSION) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("chunk_key", "doc_id", "collection"):
        builder.add_text_field(name, tokenizer_name="raw")
    builder.add_text_field("doc_version", tokenizer_name="raw", fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="freq")
    builder.add_bytes_field("payload", stored=True)
    if version >= 3:
        # Stored too: the relevance gate reads a hit's question terms (coverage).
        builder.add_text_field(
            QUESTIONS, tokenizer_name="whitespace", index_option="freq", stored=True
        )
    return builder.build()


def check_marker(path: Path, analyzer_id: str) -> int:
    """The schema version of the index in `path` (a new directory gets the current
    one); refuses an index built with another analysis or an unknown schema."""
    marker = path / MARKER
    if not marker.exists():
        if (path / "meta.json").exists():
            raise mismatch(path, "unbekannt", analyzer_id)
        tmp = marker.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(
            json.dumps({"schema": SCHEMA_VERSION, "analyzer": analyzer_id}), encoding="utf-8"
        )
        os.replace(tmp, marker)  # atomic: a concurrent opener sees all or nothing
        return SCHEMA_VERSION
    found = json.loads(marker.read_text(encoding="utf-8"))
    if found.get("analyzer") != analyzer_id or found.get("schema") not in READABLE_SCHEMAS:
        raise mismatch(path, str(found.get("analyzer")), analyzer_id)
    return int(found["schema"])


def mismatch(path: Path, found: str, expected: str) -> ConfigError:
    return ConfigError(
        f"Der Stichwort-Suchindex in {path} wurde mit einer anderen Textanalyse "
        f"erstellt ({found}, erwartet {expected}).",
        hint="Das Verzeichnis löschen und die Dokumente neu einlesen (assistant ingest).",
    )
