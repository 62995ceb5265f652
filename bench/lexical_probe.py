"""Probe of the lexical index: ranking quality on our own questions, and speed at scale.

    .venv/bin/python bench/lexical_probe.py eval      # dev questions: boosts, compounds on/off
    .venv/bin/python bench/lexical_probe.py heldout   # LegalQuAD doc recall (report only, no tuning)
    .venv/bin/python bench/lexical_probe.py knowledge # tests/data/eval over knowledge/.src
    .venv/bin/python bench/lexical_probe.py scale --chunks 100000

Reads the corpora from ../shared/corpora (never copied into the repo). The chunker
here is a stand-in (headings, ~1,200 characters), not the project's ingest chunker.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.models import Chunk
from assistant.retrieval.lexical.analysis import PART_WEIGHT, GermanAnalyzer
from assistant.retrieval.lexical.tantivy_index import (
    COORDINATION,
    DEFAULT_BOOSTS,
    TantivyLexicalIndex,
)

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")

# Our own questions (question, file stem, gold section). Not the held-out set.
DEV = """\
Hundesteuer Ermäßigung für Züchter|BBO_Satzung_Erhebung_Hundesteuer|§ 7
Wie hoch ist die Hundesteuer für einen Kampfhund?|BBO_Satzung_Erhebung_Hundesteuer|§ 5
Befreiung von der Hundesteuer für Blindenhunde|BBO_Satzung_Erhebung_Hundesteuer|§ 6
Hundemarke verloren, was kostet eine neue Marke?|BBO_Satzung_Erhebung_Hundesteuer|§ 11
Bis wann muss ich meinen Hund bei der Gemeinde anmelden?|BBO_Satzung_Erhebung_Hundesteuer|§ 10
Wann beginnt die Steuerpflicht für einen neuen Hund?|BBO_Satzung_Erhebung_Hundesteuer|§ 3
Wer muss im Winter den Gehweg räumen?|BBO_Satzung_Streupflicht|§ 2
Zu welchen Uhrzeiten muss bei Glatteis gestreut werden?|BBO_Satzung_Streupflicht|§ 7
Womit darf bei Eisglätte gestreut werden, ist Salz erlaubt?|BBO_Satzung_Streupflicht|§ 6
Wie breit muss der Schnee auf dem Gehweg geräumt werden?|BBO_Satzung_Streupflicht|§ 5
Wann ist die Verwaltungsgebühr fällig?|BBO_Satzung_Verwaltungsgebuehren|§ 8
Welche Leistungen sind gebührenfrei?|BBO_Satzung_Verwaltungsgebuehren|§ 2
Wer schuldet die Gebühren, haften mehrere gemeinsam?|BBO_Satzung_Verwaltungsgebuehren|§ 3
Gebuehren nach Zeitaufwand berechnen, Zeiteinheit 15 Minuten|BBO_Satzung_Verwaltungsgebuehren|§ 4
Muss Umsatzsteuer auf Gebühren gezahlt werden?|BBO_Satzung_Verwaltungsgebuehren|§ 5
Frist für die Anmeldung nach einem Umzug in eine neue Wohnung|bmg|§ 17
Was muss der Vermieter bei der Anmeldung bestätigen? Wohnungsgeberbestätigung|bmg|§ 19
Welche Wohnung ist die Hauptwohnung bei mehreren Wohnsitzen?|bmg|§ 22
Auskunftssperre im Melderegister eintragen lassen|bmg|§ 51
Wie lange ist ein Personalausweis gültig?|pauswg|§ 6
Vorläufiger Personalausweis ausstellen|pauswg|§ 3
Wer ist zuständig für die Ausstellung von Personalausweisen?|pauswg|§ 7
Reisepass entziehen wenn Ausreise untersagt|passg_1986|§ 8
Gültigkeitsdauer eines Reisepasses für Kinder|passg_1986|§ 5
Gebühren für einen Antrag nach dem Informationsfreiheitsgesetz|ifg|§ 10
Ablehnung eines Antrags auf Informationszugang wegen Betriebsgeheimnis|ifg|§ 6
Zustellung mit Postzustellungsurkunde|vwzg_2005|§ 3
Öffentliche Zustellung wenn der Aufenthalt unbekannt ist|vwzg_2005|§ 10
Tagegeld bei einer Dienstreise|brkg_2005|§ 6
Kilometerpauschale für die Fahrt mit dem privaten Auto auf Dienstreise|brkg_2005|§ 5
Übernachtungskosten bei Dienstreisen erstatten|brkg_2005|§ 7
Krank während der Dienstreise|brkg_2005|§ 12
Welche Haushaltsmitglieder werden beim Wohngeld berücksichtigt?|wogg|§ 6
Freibeträge beim Wohngeld für Schwerbehinderte|wogg|§ 17
Wohngeldantrag stellen|wogg|§ 22
Sperrstunde für Gaststätten|gastg|§ 18
Brauche ich eine Erlaubnis für den Ausschank von Alkohol?|gastg|§ 2
Wie hoch darf ein Bußgeld höchstens sein?|owig_1968|§ 17
Verjährung einer Ordnungswidrigkeit|owig_1968|§ 31
Ratenzahlung eines Bußgeldes|owig_1968|§ 18
Wie hoch ist das Elterngeld?|beeg|§ 2
Partnerschaftsbonus beim Elterngeld|beeg|§ 4b
Kündigungsschutz während der Elternzeit|beeg|§ 18
Wer bekommt Unterhaltsvorschuss?|uhvorschg|§ 1
Rückzahlung von Unterhaltsvorschuss|uhvorschg|§ 5
Anmeldung der Eheschließung beim Standesamt|pstg|§ 12
Geburt eines Kindes anzeigen, wer ist verpflichtet?|pstg|§ 19
Sterbefall beim Standesamt anzeigen|pstg|§ 28
Zwangsgeld androhen|vwvg|§ 13
Ersatzvornahme durch die Behörde|vwvg|§ 10
Akteneinsicht durch Beteiligte im Verwaltungsverfahren|vwvfg|§ 29
Anhörung vor Erlass eines Verwaltungsakts|vwvfg|§ 28
Rücknahme eines rechtswidrigen Verwaltungsaktes|vwvfg|§ 48
Widerruf eines rechtmäßigen Verwaltungsakts|vwvfg|§ 49
Begründung des Verwaltungsaktes|vwvfg|§ 39
Wiedereinsetzung in den vorigen Stand nach Fristversäumnis|vwvfg|§ 32
Was ist ein Verwaltungsakt?|vwvfg|§ 35
§ 5 Hundesteuer|BBO_Satzung_Erhebung_Hundesteuer|§ 5
Paragraph 11 Hundesteuersatzung|BBO_Satzung_Erhebung_Hundesteuer|§ 11
§ 48 VwVfG|vwvfg|§ 48
§ 17 BMG|bmg|§ 17
§ 31 OWiG Verjährung|owig_1968|§ 31
"""


# --- a stand-in chunker ---------------------------------------------------------------


def _windows(text: str, size: int = 1200) -> list[str]:
    """Paragraph-packed windows of about `size` characters."""
    out, cur = [], ""
    for para in re.split(r"\n\s*\n", text):
        if cur and len(cur) + len(para) > size:
            out.append(cur)
            cur = ""
        cur = f"{cur}\n\n{para}" if cur else para
        while len(cur) > 2 * size:
            out.append(cur[:size])
            cur = cur[size:]
    if cur.strip():
        out.append(cur)
    return out


def markdown_chunks(path: Path, collection: str = "allgemein") -> list[Chunk]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
    title, section, buf, sections = path.stem, "", [], []
    for line in text.splitlines():
        m = HEADING.match(line)
        if m:
            sections.append((section, "\n".join(buf)))
            buf, section = [], m.group(2).strip()
            if m.group(1) == "#" and title == path.stem:
                title = section
        else:
            buf.append(line)
    sections.append((section, "\n".join(buf)))
    chunks = []
    for sec, body in sections:
        for piece in _windows(body):
            if piece.strip():
                n = len(chunks)
                chunks.append(
                    Chunk(
                        f"{path.stem}-{n}",
                        path.stem,
                        1,
                        collection,
                        path.name,
                        title,
                        sec,
                        None,
                        n,
                        piece.strip(),
                    )
                )
    return chunks


def text_chunks(path: Path, collection: str = "urteile") -> list[Chunk]:
    pieces = _windows(path.read_text(encoding="utf-8"))
    return [
        Chunk(f"{path.stem}-{i}", path.stem, 1, collection, path.name, path.stem, "", None, i, p)
        for i, p in enumerate(pieces)
    ]


def dev_corpus() -> list[Chunk]:
    files = sorted((CORPORA / "bundesrecht").glob("*.md"))
    files += sorted((CORPORA / "kommunal-badboll").glob("*.md"))
    return [c for f in files for c in markdown_chunks(f)]


# --- ranking quality ------------------------------------------------------------------


def _rank_of(hits, stem: str, sec: str) -> int | None:
    pattern = re.compile(rf"^{re.escape(sec)}(?![0-9a-z])")
    for rank, (chunk, _) in enumerate(hits, 1):
        if chunk.doc_id == stem and pattern.match(chunk.section):
            return rank
    return None


def evaluate(index: TantivyLexicalIndex, questions) -> dict:
    ranks = [_rank_of(index.search(q, 10), stem, sec) for q, stem, sec in questions]
    return {
        "mrr@10": round(sum(1 / r for r in ranks if r) / len(ranks), 3),
        "hit@1": sum(r == 1 for r in ranks),
        "hit@5": sum(bool(r and r <= 5) for r in ranks),
        "hit@10": sum(bool(r) for r in ranks),
        "n": len(ranks),
    }


def cmd_eval(args) -> None:
    questions = [tuple(line.split("|")) for line in DEV.strip().splitlines()]
    chunks = dev_corpus()
    print(f"{len(chunks)} chunks, {len(questions)} questions")
    # (label, split compounds, field boosts, query part weight, coordination bonus)
    configs = [
        ("body only, no compounds", False, {"parts": 0, "section": 0, "title": 0}, 0.3, 0),
        ("+ section, title fields", False, {"parts": 0, "section": 1, "title": 1}, 0.3, 0),
        ("+ compounds, parts 1.0", True, {"parts": 1, "section": 1, "title": 1}, 1.0, 0),
        ("+ compounds, parts 0.3", True, {"parts": 0.3, "section": 1, "title": 1}, 0.3, 0),
        ("+ section 2", True, {"parts": 0.3, "section": 2, "title": 1}, 0.3, 0),
        ("+ title 0.5", True, {"parts": 0.3, "section": 1, "title": 0.5}, 0.3, 0),
        ("+ coordination 0.5", True, {"parts": 0.3, "section": 1, "title": 1}, 0.3, 0.5),
        ("+ coordination 1.0", True, {"parts": 0.3, "section": 1, "title": 1}, 0.3, 1.0),
        ("defaults", True, {}, PART_WEIGHT, COORDINATION),
    ]
    indexes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for split in (True, False):
            indexes[split] = TantivyLexicalIndex(
                Path(tmp) / str(split), GermanAnalyzer(split_compounds=split)
            )
            indexes[split].add(chunks)
        for label, split, boosts, part_weight, coordination in configs:
            index = indexes[split]
            index.boosts = {**DEFAULT_BOOSTS, **boosts}
            index.part_weight, index.coordination = part_weight, coordination
            print(f"{label:26}", evaluate(index, questions))
        if args.verbose:
            _show_misses(indexes[True], questions)
        for index in indexes.values():
            index.close()


def _show_misses(index, questions) -> None:
    for q, stem, sec in questions:
        hits = index.search(q, 10)
        if _rank_of(hits, stem, sec) != 1:
            top = [(c.doc_id, c.section[:30]) for c, _ in hits[:3]]
            print(f"  MISS {q!r} want {stem} {sec}: rank {_rank_of(hits, stem, sec)} top {top}")


def cmd_knowledge(args) -> None:
    """tests/data/eval/knowledge.jsonl over knowledge/.src/*.md: section found, per kind."""
    repo = Path(__file__).resolve().parents[1]
    rows = [
        json.loads(x) for x in (repo / "tests/data/eval/knowledge.jsonl").read_text().splitlines()
    ]
    rows = [r for r in rows if r["kind"] != "unanswerable"]
    chunks = [c for f in sorted((repo / "knowledge/.src").glob("*.md")) for c in markdown_chunks(f)]
    for split in (True, False):
        with tempfile.TemporaryDirectory() as tmp:
            index = TantivyLexicalIndex(Path(tmp), GermanAnalyzer(split_compounds=split))
            index.add(chunks)
            by_kind: dict[str, list] = {}
            for r in rows:
                stem = Path(r["source"]).stem
                hits = index.search(r["question"], 10)
                ranks = [
                    i
                    for i, (c, _) in enumerate(hits, 1)
                    if c.doc_id == stem and c.section.strip() == r["section"]
                ]
                by_kind.setdefault(r["kind"], []).append(ranks[0] if ranks else None)
            by_kind["all"] = [x for v in list(by_kind.values()) for x in v]
            print(f"compounds={split} ({len(chunks)} chunks):")
            for kind, ranks in by_kind.items():
                mrr = sum(1 / x for x in ranks if x) / len(ranks)
                hit5 = sum(bool(x and x <= 5) for x in ranks)
                print(f"  {kind:10} n={len(ranks):3} mrr@10 {mrr:.3f} hit@5 {hit5}")
            index.close()


def cmd_heldout(args) -> None:
    """LegalQuAD: does the gold decision appear among the top chunks? Report only."""
    lines = (CORPORA / "heldout" / "urteile-queries.jsonl").read_text().splitlines()
    queries = [json.loads(line) for line in lines]
    qrels = dict(
        line.split("\t")[:2]
        for line in (CORPORA / "heldout" / "urteile-qrels.tsv").read_text().splitlines()[1:]
    )
    chunks = [c for f in sorted((CORPORA / "urteile").glob("*.txt")) for c in text_chunks(f)]
    for split in (True, False):
        with tempfile.TemporaryDirectory() as tmp:
            index = TantivyLexicalIndex(Path(tmp), GermanAnalyzer(split_compounds=split))
            index.add(chunks)
            found = {1: 0, 5: 0, 10: 0}
            for q in queries:
                docs = [c.doc_id for c, _ in index.search(q["question"], 10)]
                gold = f"urteil-{qrels[q['query_id']]}"
                for k in found:
                    found[k] += gold in docs[:k]
            print(
                f"compounds={split}: {len(chunks)} chunks, {len(queries)} questions, "
                + ", ".join(f"doc in top {k}: {v / len(queries):.3f}" for k, v in found.items())
            )
            index.close()


# --- speed at scale -------------------------------------------------------------------


def synthetic_chunks(n: int, words: int, seed: int = 7) -> list[Chunk]:
    """German-looking chunks: word sequences drawn from the federal laws' vocabulary."""
    vocab = re.findall(
        r"[^\W\d_]+|\d+",
        " ".join(
            p.read_text(encoding="utf-8") for p in sorted((CORPORA / "bundesrecht").glob("*.md"))
        ),
    )
    rng = random.Random(seed)
    out = []
    for i in range(n):
        start = rng.randrange(len(vocab) - words)
        text = " ".join(vocab[start : start + words])  # real word order, real frequencies
        coll = ("allgemein", "personalamt", "ordnungsamt")[i % 3]
        out.append(
            Chunk(
                f"s{i}",
                f"doc{i // 20}",
                1,
                coll,
                f"doc{i // 20}.md",
                f"Dokument {i // 20}",
                f"§ {i % 20 + 1} Abschnitt",
                i % 40,
                i % 20,
                text,
            )
        )
    return out


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def _latencies(fn, queries) -> str:
    """p50/p95 of wall time and of this thread's CPU time (the machine may be shared)."""
    wall, cpu = [], []
    for q in queries:
        t, c = time.perf_counter(), time.thread_time()
        fn(q)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    wall.sort()
    cpu.sort()

    def pct(values, f):
        return values[int(f * (len(values) - 1))]

    return (
        f"wall p50 {pct(wall, 0.5):.2f} ms, p95 {pct(wall, 0.95):.2f} ms; "
        f"cpu p50 {pct(cpu, 0.5):.2f} ms, p95 {pct(cpu, 0.95):.2f} ms"
    )


def _threaded_qps(index, questions, threads: int = 4) -> str:
    """Queries per second with one thread and with `threads` threads searching at once."""
    import threading

    def work() -> None:
        for q in questions * 3:
            index.search(q, 10)

    rates = []
    for n in (1, threads):
        workers = [threading.Thread(target=work) for _ in range(n)]
        t = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        rates.append(n * len(questions) * 3 / (time.perf_counter() - t))
    return f"{rates[0]:,.0f} queries/s with 1 thread, {rates[1]:,.0f} with {threads}"


def cmd_scale(args) -> None:
    chunks = synthetic_chunks(args.chunks, args.words)
    questions = [line.split("|")[0] for line in DEV.strip().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        index = TantivyLexicalIndex(Path(tmp))
        t = time.perf_counter()
        for start in range(0, len(chunks), args.batch):
            index.add(chunks[start : start + args.batch])
        add_s = time.perf_counter() - t
        print(
            f"add: {len(chunks)} chunks in {add_s:.1f} s = {len(chunks) / add_s:,.0f} chunks/s "
            f"(batches of {args.batch}); count={index.count()}"
        )
        print(
            f"index size: {_dir_mb(Path(tmp)):.0f} MB; "
            f"max RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
        fresh = GermanAnalyzer()  # cold cache: worst case for query analysis
        print("query analysis (cold cache):", _latencies(fresh.analyze_query, questions))
        for label, colls in (("all", None), ("filtered", ["allgemein"])):
            index.search(questions[0], 10, colls)  # warm up
            lat = _latencies(lambda q, c=colls: index.search(q, 10, c), questions * 5)
            print(f"search k=10 {label}: {lat}")
        print("search k=50 all:", _latencies(lambda q: index.search(q, 50), questions * 5))
        print(
            "search k=50 2 collections:",
            _latencies(lambda q: index.search(q, 50, ["allgemein", "ordnungsamt"]), questions * 5),
        )
        print("4 threads searching:", _threaded_qps(index, questions))
        t = time.perf_counter()
        n_versions = len(index.versions())
        print(f"versions(): {n_versions} in {(time.perf_counter() - t) * 1000:.0f} ms")
        t = time.perf_counter()
        index.delete("doc7")
        index.add(chunks[:20])
        print(f"delete one doc + add 20 chunks: {(time.perf_counter() - t) * 1000:.0f} ms")
        index.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    ev = sub.add_parser("eval")
    ev.add_argument("-v", "--verbose", action="store_true")
    sub.add_parser("heldout")
    sub.add_parser("knowledge")
    sc = sub.add_parser("scale")
    sc.add_argument("--chunks", type=int, default=100_000)
    sc.add_argument("--words", type=int, default=120)
    sc.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    {"eval": cmd_eval, "heldout": cmd_heldout, "knowledge": cmd_knowledge, "scale": cmd_scale}[
        args.cmd
    ](args)


if __name__ == "__main__":
    main()
