"""Reporting of the search benchmark (`search.py`): the results table, the verdict
against the issue's targets, and the real-embedder line."""

from __future__ import annotations

from pathlib import Path

from _search_common import TARGET_P95_MS, TARGET_RATIO, TARGET_RSS_MB


def _cpu(stats: dict) -> str:
    if "cpu_p50_ms" not in stats:
        return "—"
    return f"{stats['cpu_p50_ms']:.1f} / {stats['cpu_p95_ms']:.1f}"


def _capped(name: str, stats: dict, queries: int) -> str:
    return name + (f" [first {stats['n']} q]" if stats["n"] < queries else "")


def _rows(r: dict) -> list[tuple]:
    """Table rows of one size: ours (hybrid, per-document ingest, lexical, scoped),
    then the baseline if it ran."""
    size, ours, base, rss = r["size"], r["ours"], r.get("baseline"), r.get("rss")
    nq = r["queries"]
    hyb, lex, scoped = ours["hybrid"], ours["lexical"], ours["scoped"]
    ratio = base["hybrid"]["p95_ms"] / hyb["p95_ms"] if base else None
    per_doc = ours["ingest_per_document"]
    rows = [
        (
            f"{size:,}",
            "ours hybrid (incl. query embedding)",
            f"{ours['ingest_chunks_s']:.0f}",
            f"{hyb['p50_ms']:.2f}",
            f"{hyb['p95_ms']:.2f}",
            f"{ratio:.1f}×" if ratio else "—",
            f"{rss['vmhwm_mb']:.0f}" if rss else "—",
            _cpu(hyb),
        ),
        (
            "",
            f"ours ingest, 1 document per write (last {per_doc['docs']} docs)",
            f"{per_doc['chunks_s']:.0f}",
            "",
            "",
            "",
            "",
            "",
        ),
        (
            "",
            "ours lexical only",
            "",
            f"{lex['p50_ms']:.2f}",
            f"{lex['p95_ms']:.2f}",
            "",
            "",
            _cpu(lex),
        ),
        (
            "",
            _capped("ours hybrid, scoped to 2 of 3 collections", scoped, nq),
            "",
            f"{scoped['p50_ms']:.2f}",
            f"{scoped['p95_ms']:.2f}",
            "",
            "",
            _cpu(scoped),
        ),
    ]
    if base:
        bh = base["hybrid"]
        rows.append(
            (
                "",
                _capped("EnsembleRetriever(BM25Retriever, Chroma)", bh, nq),
                f"{base['ingest_chunks_s']:.0f}",
                f"{bh['p50_ms']:.2f}",
                f"{bh['p95_ms']:.2f}",
                "1.0×",
                "—",
                _cpu(bh),
            )
        )
    return rows


def table(results: list[dict]) -> str:
    head = (
        "size",
        "system",
        "ingest chunks/s",
        "p50 ms",
        "p95 ms",
        "ratio (p95)",
        "RSS MB",
        "CPU p50 / p95 ms",
    )
    rows = [row for r in results for row in _rows(r)]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]

    def line(cells) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *map(line, rows)])


def verdict(results: list[dict]) -> list[str]:
    out = []
    for r in results:
        if r["size"] < 100_000:
            continue
        p95 = r["ours"]["hybrid"]["p95_ms"]
        out.append(
            f"hybrid p95 {p95:.2f} ms ≤ {TARGET_P95_MS:.0f} ms at {r['size']:,}: "
            f"{'MET' if p95 <= TARGET_P95_MS else 'NOT MET'}"
        )
        if r.get("baseline"):
            ratio = r["baseline"]["hybrid"]["p95_ms"] / p95
            out.append(
                f"≥ {TARGET_RATIO:.0f}× faster than EnsembleRetriever (p95): {ratio:.1f}× "
                f"{'MET' if ratio >= TARGET_RATIO else 'NOT MET'}"
            )
        if r.get("rss"):
            mb = r["rss"]["vmhwm_mb"]
            out.append(
                f"serving RSS {mb:.0f} MB < {TARGET_RSS_MB:.0f} MB: "
                f"{'MET' if mb < TARGET_RSS_MB else 'NOT MET'}"
            )
    return out


def report(results: list[dict], corpus: dict | None, corpus_path: Path) -> None:
    print("\n" + table(results))
    for line in verdict(results):
        print("  " + line)
    if corpus is not None:
        if "pending" in corpus:
            print(f"\nreal embedder on {corpus_path.name}: pending ({corpus['pending']})")
        else:
            print(
                f"\nreal embedder on {corpus_path.name}: {corpus['files']} files, "
                f"{corpus['chunks']} chunks in {corpus['seconds']} s = "
                f"{corpus['chunks_s']} chunks/s (of which embedding {corpus['embed_s']} s); "
                f"{corpus['counts']}"
            )
