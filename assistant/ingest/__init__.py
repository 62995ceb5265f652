"""Ingestion: files → parsed blocks (`parse`) → section-aware chunks (`chunking`) → indexes.

Call `offline.ensure_offline()` before touching `unstructured`; `parse_file` does it for you.
"""
