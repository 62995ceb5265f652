"""PostgreSQL full-text search against the tantivy default, on the development sets (issue 17).

    .venv/bin/python bench/pg_fts.py                       # laws, bundesrecht, knowledge
    .venv/bin/python bench/pg_fts.py knowledge --url postgresql://…/amtswissen_fts

Measurement only: the product's search path is unchanged. The chunks are exactly those
`bench/search_eval.py` builds (its corpus and chunk code, imported). They are loaded
into PostgreSQL with a `tsvector` column in the `german` configuration (title and
section weighted 'A', text 'D', GIN index), and each question is answered three ways
on the same chunks in the same run:

* `tantivy` – the current default: `SearchService` over the tantivy index, as
  `search_eval.py` runs it (lexical only, no embeddings);
* `pg-and` – `websearch_to_tsquery('german', q)`: every word of the question must occur;
* `pg-or` – the question's lexemes (`plainto_tsquery`) joined with `|`;

both ranked by `ts_rank_cd`; and `pg-or-tr`, the OR query ranked by `ts_rank(…, 1)`
(term frequency, length-normalised) as a check that the ranking function is not what
loses. Figures per set on the tuning part and
the held-back part (ids divisible by 3, `search_eval.held_back`): recall@5 and MRR@10
over the answerable questions, and p50/p95 of the time per question (all questions,
rows fetched), measured by the same `evaluate` as every other retrieval figure.
"""

from __future__ import annotations

import argparse
import sys

import psycopg
from search_eval import EVAL, SETS, _Manifest, corpus_chunks, held_back, index_chunks

from assistant.config import Settings
from assistant.models import Chunk, Hit, Scope
from assistant.retrieval.evaluation import EvalReport, evaluate, load_questions
from assistant.retrieval.search import SearchService

URL = "postgresql://amtswissen:amtswissen@127.0.0.1:5432/amtswissen_fts"
DEFAULT_SETS = ["laws", "bundesrecht", "knowledge"]

_SCHEMA = """
CREATE TABLE {t} (
    chunk_id text PRIMARY KEY, doc_id text NOT NULL, source text NOT NULL,
    title text NOT NULL, section text NOT NULL, page int, ordinal int NOT NULL,
    text text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german', coalesce(title, '') || ' ' || coalesce(section, '')), 'A')
        || setweight(to_tsvector('german', text), 'D')
    ) STORED
);
CREATE INDEX {t}_tsv ON {t} USING gin (tsv);
"""

# Both queries rank by cover density; the OR query is plainto_tsquery's lexemes with
# its '&' turned into '|' (the text form of a tsquery casts back without re-analysis).
_OR = "replace(plainto_tsquery('german', %(q)s)::text, ' & ', ' | ')::tsquery"
_QUERIES = {
    "pg-and": ("websearch_to_tsquery('german', %(q)s)", "ts_rank_cd(tsv, query)"),
    "pg-or": (_OR, "ts_rank_cd(tsv, query)"),
    # A check that the ranking function is not what loses: ts_rank (term frequency)
    # with the score divided by 1 + log(length), closer to BM25 than cover density.
    "pg-or-tr": (_OR, "ts_rank(tsv, query, 1)"),
}
_SELECT = """
SELECT chunk_id, doc_id, source, title, section, page, text, {rank} AS score
FROM {t}, (SELECT {query} AS query) AS q
WHERE tsv @@ query
ORDER BY score DESC, chunk_id
LIMIT %(k)s
"""


def load(conn: psycopg.Connection, corpus: str, chunks: list[Chunk]) -> str:
    """The chunks in table `fts_<corpus>`; reloaded when the chunk count changed."""
    table = f"fts_{corpus}"
    exists = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]
    if exists and conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == len(chunks):
        return table
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in _SCHEMA.format(t=table).split(";"):
        if statement.strip():
            conn.execute(statement)
    rows = [
        (c.chunk_id, c.doc_id, c.source, c.title, c.section or "", c.page, c.ordinal, c.text)
        for c in chunks
    ]
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
    conn.execute(f"ANALYZE {table}")
    conn.commit()
    print(f"loaded {len(chunks)} chunks into {table}", file=sys.stderr)
    return table


def pg_search(conn: psycopg.Connection, table: str, variant: str):
    query, rank = _QUERIES[variant]
    sql = _SELECT.format(t=table, query=query, rank=rank)

    def search(question: str, depth: int) -> list[Hit]:
        rows = conn.execute(sql, {"q": question, "k": depth}).fetchall()
        return [
            Hit(rank, float(score), doc_id, chunk_id, source, title, section, page, "default", text)
            for rank, (chunk_id, doc_id, source, title, section, page, text, score) in enumerate(
                rows, 1
            )
        ]

    return search


def tantivy_search(corpus: str, chunks: list[Chunk], records):
    """The default ranking exactly as `search_eval.run` builds it (no refusal gate)."""
    index = index_chunks(corpus, chunks)
    service = SearchService(
        Settings(weight_dense=0.0), _Manifest(records), index, vectors=None, embeddings=None
    )
    return lambda q, depth: service.search(q, depth, Scope.everything()).hits


def _row(set_name: str, part: str, system: str, r: EvalReport) -> dict:
    o = r.overall
    return {
        "set": set_name,
        "part": part,
        "system": system,
        "n": o.n,
        "r5": o.recall[5],
        "mrr": o.mrr,
        "p50": r.latency_ms["p50"],
        "p95": r.latency_ms["p95"],
    }


def measure(conn, set_names: list[str]) -> list[dict]:
    rows: list[dict] = []
    built: dict[str, tuple] = {}
    for set_name in set_names:
        files, corpus = SETS[set_name]
        if corpus not in built:
            chunks, records = corpus_chunks(corpus)
            built[corpus] = (
                len(chunks),
                {
                    "tantivy": tantivy_search(corpus, chunks, records),
                    **{v: pg_search(conn, load(conn, corpus, chunks), v) for v in _QUERIES},
                },
            )
        n_chunks, systems = built[corpus]
        questions = [q for f in files for q in load_questions(EVAL / f)]
        for part in ("tuning", "heldback"):
            qs = [q for q in questions if held_back(q.id) == (part == "heldback")]
            for system, search in systems.items():
                search(qs[0].question, 10)  # warm caches and the connection, not measured
                rows.append(_row(set_name, part, system, evaluate(search, qs, (5, 10))))
                print(_fmt(rows[-1]) + f"  chunks={n_chunks}", flush=True)
    return rows


def _fmt(r: dict) -> str:
    return (
        f"{r['set']:<12}{r['part']:<9}{r['system']:<9} n={r['n']:<3} R@5 {r['r5']:.3f}  "
        f"MRR@10 {r['mrr']:.3f}  p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms"
    )


def ratios(rows: list[dict]) -> None:
    """PG / tantivy per set and part: quality and latency."""
    base = {(r["set"], r["part"]): r for r in rows if r["system"] == "tantivy"}
    print(
        "\n| set | part | system | n | R@5 | MRR@10 | p50 ms | p95 ms | PG/tantivy R@5 · MRR · p50 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t = base[(r["set"], r["part"])]
        ratio = " · ".join(f"{r[m] / t[m]:.2f}" if t[m] else "–" for m in ("r5", "mrr", "p50"))
        print(
            f"| {r['set']} | {r['part']} | {r['system']} | {r['n']} | {r['r5']:.3f} | "
            f"{r['mrr']:.3f} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{'' if r['system'] == 'tantivy' else ratio} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="*", help=f"some of {', '.join(DEFAULT_SETS)} (all)")
    parser.add_argument("--url", default=URL, help="PostgreSQL (its own database: tables fts_*)")
    args = parser.parse_args()
    if unknown := set(args.sets) - set(DEFAULT_SETS):
        parser.error(f"unknown set: {', '.join(sorted(unknown))}")
    with psycopg.connect(args.url.replace("+psycopg", ""), autocommit=False) as conn:
        rows = measure(conn, args.sets or DEFAULT_SETS)
    ratios(rows)


if __name__ == "__main__":
    main()
