"""`LexicalIndex` on tantivy: persistent, incremental, shared by several processes.

Text is analysed in Python (`analysis.py`: folding, stop words, stemming, compound
parts) and handed to tantivy as space-separated terms for its built-in `whitespace`
tokenizer. So the index needs no custom tokenizer registered before it can be read,
any process can open it, and a query never passes through tantivy's query parser:
it is built from analysed terms, so quotes, colons, AND/OR, "-" or brackets in user
text are just characters.

Concurrency: tantivy allows one `IndexWriter` per directory (a lock file), and the
serving process and an `assistant ingest` process may share the directory. A writer
is therefore opened only for one write operation, committed and released at once;
a busy lock is retried for `lock_timeout_s`. Before each search a reader checks
meta.json (one stat) and reloads when it changed, so it sees commits from any process
at once.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import tantivy
from rapidfuzz.distance import OSA

from assistant.models import Chunk
from assistant.retrieval.lexical import AnalysedQuery, IndexBusyError
from assistant.retrieval.lexical.analysis import PART_WEIGHT, GermanAnalyzer, default_analyzer
from assistant.retrieval.lexical.expansion import QueryExpander, default_expander, is_english
from assistant.retrieval.lexical.feedback import (
    document_evidence,
    feedback_terms,
    select_synonyms,
    vocabulary_parts,
)
from assistant.retrieval.lexical.schema import (
    QUESTIONS,
    TEXT_FIELDS,
    build_schema,
    check_marker,
    mismatch,
)

_CHUNK_ID = re.compile(r"(?P<doc>.+):v(?P<v>\d+):\d+")  # as the ingest pipeline builds it
_SEP = "\x1f"  # joins key parts; cannot occur in ids typed by people
_MAX_QUERY_WORDS = 32  # a pasted page must not become a thousand-term query
_AGG_BATCH = 50_000  # tantivy aborts aggregations above 65,000 buckets
# Weight of the indexed word that a misspelt question word is corrected to.
SPELLING_WEIGHT = 0.8
_MIN_SPELL_CHARS = 5
_SPELL_PREFIX = 3  # candidates share the first letters: 2 costs ~10x the time at 100k chunks
# Extra weight (times the BM25 score) for a chunk that contains every word of the query.
COORDINATION = 0.5
# A "§ 17" in the question that names a chunk's own heading beats a mere mention.
_SECTION_REF_BOOST = 2.0

# Field weights, measured with `bench/lexical_probe.py eval` (62 questions of our own
# over the federal laws and the Bad Boll statutes, MRR@10): body only 0.50; with the
# section and title fields 0.65; with compound parts weighted 0.3 0.73 (weighted 1.0:
# 0.66); with the coordination bonus 0.74. Section 2 or title 0.5 did not help.
# With query expansion (issue 6, tests/data/eval, docs/retrieval.md) a section weight
# of 0.7 lifted MRR on both development sets (knowledge 0.786 → 0.806, laws
# 0.653 → 0.680); 0.5 cost a plain law question, 2.0 hurt clearly.
# Issue 12 (docs/retrieval.md, tuning parts): a title weight of 2.0 (the law's or
# guideline's name is evidence for the whole document) lifted R@5 on the everyday law
# set 0.487 → 0.500 and changed no other figure (LegalQuAD: 0.94 both ways).
# Questions a local model wrote for the chunk (doc2query, issue 12): below the body,
# since a model may ask what the passage does not answer. Not measured: no model here.
DEFAULT_BOOSTS = {"body": 1.0, "parts": 0.3, "section": 0.7, "title": 2.0, QUESTIONS: 0.7}
# Document-level evidence (feedback.document_evidence) is off: at 0.5 it lifted R@5 on
# the tuning parts (everyday laws 0.500 → 0.539 with the title weight, knowledge 0.939 →
# 0.959) but filled the top 5 with passages of one document, and LegalQuAD's
# document recall@5 fell 0.94 → 0.915, below the floor of 0.93.
DOC_EVIDENCE = 0.0


def _version_key(doc_id: str, version: int) -> str:
    return f"{doc_id}{_SEP}{version}"


class TantivyLexicalIndex:
    """A tantivy index in one directory. Thread-safe; see the module docstring."""

    def __init__(
        self,
        path: Path,
        analyzer: GermanAnalyzer | None = None,
        *,
        expander: QueryExpander | None = None,
        boosts: dict[str, float] | None = None,
        part_weight: float = PART_WEIGHT,
        coordination: float = COORDINATION,
        spelling: bool = True,
        prf_terms: int = 0,
        prf_docs: int = 10,
        prf_weight: float = 0.3,
        thesaurus: Path | None = None,
        thesaurus_weight: float = 0.5,
        synonym_window: int = 20,
        doc_boost: float = DOC_EVIDENCE,
        doc_window: int = 50,
        vocabulary_split: bool = False,
        lock_timeout_s: float = 10.0,
        writer_heap_bytes: int = 64_000_000,
    ):
        self.path = Path(path)
        self.analyzer = analyzer or default_analyzer()
        # Query-time only (see expansion.py); the default is the shipped synonym list
        # plus English translation when Debian's trans-de-en is installed.
        if expander is None:
            cache = self.path.parent / "cache"
            expander = default_expander(cache) if analyzer is None else QueryExpander(analyzer)
        self.expander = expander
        self.boosts = {**DEFAULT_BOOSTS, **(boosts or {})}
        self.part_weight = part_weight
        self.coordination = coordination
        self.spelling = spelling
        # Issue 12 (feedback.py); each measured in docs/retrieval.md.
        self.prf_terms, self.prf_docs, self.prf_weight = prf_terms, prf_docs, prf_weight
        self.thesaurus = thesaurus if thesaurus and Path(thesaurus).exists() else None
        self.thesaurus_weight, self.synonym_window = thesaurus_weight, synonym_window
        self.doc_boost, self.doc_window = doc_boost, doc_window
        self.vocabulary_split = vocabulary_split
        self.lock_timeout_s = lock_timeout_s
        self._heap = writer_heap_bytes
        self._write_lock = threading.Lock()  # one writer per object; other processes: file lock
        self.path.mkdir(parents=True, exist_ok=True)
        schema = check_marker(self.path, self.analyzer.analyzer_id)
        self._schema = build_schema(schema)
        # An index of schema 2 (before doc2query) is searched as it is, without questions.
        self.has_questions = schema >= 3
        self._fields = TEXT_FIELDS + ((QUESTIONS,) if self.has_questions else ())
        self._index: tantivy.Index | None = self._open_index()
        self._seen_meta: tuple[int, int, int] | None = None

    # --- opening -----------------------------------------------------------------

    def _open_index(self) -> tantivy.Index:
        try:
            return tantivy.Index(self._schema, path=str(self.path), reuse=True)
        except ValueError as exc:
            if "schema does not match" in str(exc):
                raise mismatch(self.path, "anderes Schema", self.analyzer.analyzer_id) from exc
            raise

    def _live_index(self) -> tantivy.Index:
        if self._index is None:
            raise RuntimeError("lexical index is closed")
        return self._index

    # --- writing -----------------------------------------------------------------

    @contextmanager
    def _writer(self) -> Iterator[tantivy.IndexWriter]:
        """A writer for one operation: committed on success, rolled back on error,
        and in both cases released so that other processes can write."""
        with self._write_lock:
            writer = self._acquire_writer()
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()  # consumes the writer: frees the lock file
            self._live_index().reload()  # read-your-writes in this process

    def _acquire_writer(self) -> tantivy.IndexWriter:
        deadline = time.monotonic() + self.lock_timeout_s
        pause = 0.01
        while True:
            try:
                return self._live_index().writer(self._heap, 1)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        "Der Stichwort-Suchindex wird gerade von einem anderen Vorgang "
                        "geschrieben.",
                        hint="Bitte in einigen Minuten erneut versuchen; läuft ein "
                        "Einlesevorgang (assistant ingest), dessen Ende abwarten.",
                    ) from exc
            time.sleep(pause)
            pause = min(pause * 2, 0.25)

    def _document(self, chunk: Chunk, questions: Sequence[str] = ()) -> tantivy.Document:
        # Compound parts of text, heading and title share one low-weight field: a
        # heading "Hundesteuermarken" must not outweigh a body that says "Ermäßigung".
        words, parts = self.analyzer.analyze_split(chunk.text)
        section, section_parts = self.analyzer.analyze_split(chunk.section)
        title, title_parts = self.analyzer.analyze_split(chunk.title)
        return tantivy.Document(
            chunk_key=_version_key(chunk.doc_id, chunk.version) + _SEP + chunk.chunk_id,
            doc_id=chunk.doc_id,
            doc_version=_version_key(chunk.doc_id, chunk.version),
            collection=chunk.collection,
            body=" ".join(words),
            parts=" ".join(parts + section_parts + title_parts),
            section=" ".join(section),
            title=" ".join(title),
            payload=json.dumps(dataclasses.asdict(chunk), ensure_ascii=False).encode(),
            **self._questions_field(questions),
        )

    def _questions_field(self, questions: Sequence[str]) -> dict[str, str]:
        if not self.has_questions:
            return {}
        return {QUESTIONS: " ".join(t for q in questions for t in self.analyzer.analyze(q))}

    def add(
        self, chunks: Sequence[Chunk], questions: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        # Analyse before taking the writer: the lock is held only for tantivy's work.
        questions = questions or {}
        docs = [(c, self._document(c, questions.get(c.chunk_id, ()))) for c in chunks]
        if not docs:
            return
        with self._writer() as writer:
            for chunk, doc in docs:
                writer.delete_documents_by_term("chunk_key", doc.get_first("chunk_key"))
                writer.add_document(doc)

    def delete(self, doc_id: str, version: int | None = None) -> None:
        with self._writer() as writer:
            if version is None:
                writer.delete_documents_by_term("doc_id", doc_id)
            else:
                writer.delete_documents_by_term("doc_version", _version_key(doc_id, version))

    # --- reading -----------------------------------------------------------------

    def _searcher(self) -> tantivy.Searcher:
        index = self._live_index()
        # Every commit (from any process) replaces meta.json atomically: a new inode.
        # Reloading only then saves ~0.1 ms per search on a 100k-chunk index.
        try:
            meta = (self.path / "meta.json").stat()
            stamp = (meta.st_ino, meta.st_mtime_ns, meta.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp is None or stamp != self._seen_meta:
            index.reload()
            self._seen_meta = stamp
        return index.searcher()

    def query_groups(self, query: str) -> list[dict[str, float]]:
        """Weighted terms of user text, one group per word, at most _MAX_QUERY_WORDS."""
        groups = self.expander.groups(query, self.part_weight)
        unique = {tuple(sorted(g.items())): g for g in groups}  # "Hund Hund" is one word
        return list(unique.values())[:_MAX_QUERY_WORDS]

    def _word_query(self, group: dict[str, float]) -> tantivy.Query:
        """One word of the question: its terms in every field, each with its weight."""
        clauses = []
        for term, weight in group.items():
            for field in self._fields:
                boost = self.boosts[field] * weight
                if field == "section" and term[0] == "§":
                    boost *= _SECTION_REF_BOOST
                if boost <= 0:
                    continue
                q = tantivy.Query.term_query(self._schema, field, term, index_option="freq")
                clauses.append(
                    (tantivy.Occur.Should, q if boost == 1 else tantivy.Query.boost_query(q, boost))
                )
        return tantivy.Query.boolean_query(clauses)

    def build_query(
        self,
        groups: list[dict[str, float]],
        collections: Sequence[str] | None,
        feedback: dict[str, float] | None = None,
    ):
        """BM25 over body, compound parts, section and title; chunks that contain every
        word of the question score extra; feedback terms (pseudo-relevance feedback)
        add weakly, outside the "every word" bonus; filtered to `collections`."""
        words = [(tantivy.Occur.Should, self._word_query(g)) for g in groups]
        query = tantivy.Query.boolean_query(words)
        if feedback:
            extra = self._word_query({t: w * self.prf_weight for t, w in feedback.items()})
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, query), (tantivy.Occur.Should, extra)]
            )
        if len(words) > 1 and self.coordination > 0:
            # Without this, one rare word in a short chunk ("Die Gemeinde erhebt die
            # Hundesteuer.") beats the chunk that has all of "Hundesteuer Ermäßigung".
            every = tantivy.Query.boolean_query(words, minimum_number_should_match=len(words))
            query = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Should, query),
                    (tantivy.Occur.Should, tantivy.Query.boost_query(every, self.coordination)),
                ]
            )
        if collections is None:
            return query
        allowed = tantivy.Query.term_set_query(self._schema, "collection", list(collections))
        # Inside the query, scored 0: the filter decides membership, never the ranking.
        return tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, query),
                (tantivy.Occur.Must, tantivy.Query.const_score_query(allowed, 0.0)),
            ]
        )

    def analyse(self, query: str) -> AnalysedQuery:
        """The question's weighted term groups, computed once per question: the search
        and the relevance gate both use them."""
        return AnalysedQuery(query, tuple(self.query_groups(query)), is_english(query))

    def search(
        self, query: str | AnalysedQuery, k: int, collections: Sequence[str] | None = None
    ) -> list[tuple[Chunk, float]]:
        self._live_index()  # a closed index fails loudly, even for an empty query
        analysed = query if isinstance(query, AnalysedQuery) else self.analyse(query)
        groups = list(analysed.groups)
        if k <= 0 or not groups or (collections is not None and not list(collections)):
            return []
        searcher = self._searcher()
        if self.spelling and not analysed.english:  # English words are no misspellings
            groups = [self._correct(g, searcher) for g in groups]
        if self.vocabulary_split and not analysed.english:
            groups = [self._split(g, searcher) for g in groups]
        feedback = None
        if self.prf_terms > 0 or self.thesaurus is not None:
            groups, feedback = self._feedback(groups, collections, searcher)
        query = self.build_query(groups, collections, feedback)
        limit = max(k, self.doc_window) if self.doc_boost > 0 else k
        hits = searcher.search(query, limit=limit, count=False).hits
        found = [(self._chunk(searcher.doc(address)), float(score)) for score, address in hits]
        if self.doc_boost > 0 and found:
            scores = document_evidence([(c.doc_id, s) for c, s in found], self.doc_boost)
            found = sorted(zip((c for c, _ in found), scores), key=lambda x: -x[1])
        return found[:k]

    def _feedback(self, groups, collections, searcher):
        """Second-pass terms from the first pass's best passages (feedback.py)."""
        window = max(self.prf_docs, self.synonym_window if self.thesaurus else 0)
        first = searcher.search(self.build_query(groups, collections), limit=window).hits
        passages = []
        for score, address in first:
            chunk = self._chunk(searcher.doc(address))
            passages.append((self.analyzer.analyze(f"{chunk.section} {chunk.text}"), score))
        feedback = None
        if self.prf_terms > 0:
            query_terms = {t for g in groups for t in g}
            total = searcher.num_docs
            feedback = feedback_terms(
                passages[: self.prf_docs],
                query_terms,
                lambda t: searcher.doc_freq("body", t),
                total,
                self.prf_terms,
            )
        if self.thesaurus is not None:
            from assistant.retrieval.lexical.expansion import _thesaurus_table

            table = _thesaurus_table(self.thesaurus, self.analyzer)
            sets = [set(terms) for terms, _ in passages]
            kept = select_synonyms(groups, lambda t: table.get(t, ()), sets)
            groups = [
                {**g, **{s: self.thesaurus_weight for s in chosen if s not in g}}
                for g, chosen in zip(groups, kept)
            ]
        return groups, feedback

    def _split(self, group: dict[str, float], searcher: tantivy.Searcher) -> dict[str, float]:
        """A compound of the question that the part list cannot split ("Führhund") is
        split against the index vocabulary; its parts count as compound parts."""
        word = next(iter(group))
        if len(group) > 1 or len(word) < 7 or not word.isalpha():
            return group
        parts = vocabulary_parts(
            word,
            lambda t: searcher.doc_freq("body", t) > 0,
            lambda w: self.analyzer.analyze_word(w)[0][0] if self.analyzer.analyze_word(w) else w,
        )
        if parts is None:
            return group
        return {**group, **{p: self.part_weight for p in parts if p and p not in group}}

    def _correct(self, group: dict[str, float], searcher: tantivy.Searcher) -> dict[str, float]:
        """A word of the question that occurs nowhere in the index ("Elterngled",
        "persoanlausweis") also searches for the most common indexed word within one
        edit (two for longer words; a swap of neighbours is one edit) that starts with
        the same three letters, with a lower weight."""
        word = next(iter(group))
        if len(word) < _MIN_SPELL_CHARS or not word.isalpha():
            return group
        own = ("body", "section", QUESTIONS) if self.has_questions else ("body", "section")
        if any(searcher.doc_freq(f, word) for f in own):  # a generated question's word too
            return group
        limit = 1 if len(word) < 8 else 2
        candidates = [
            (OSA.distance(word, term, score_cutoff=limit), -df, term)
            for term, df in searcher.terms_with_prefix("body", word[:_SPELL_PREFIX])
            if abs(len(term) - len(word)) <= limit
        ]
        best = min((c for c in candidates if c[0] <= limit), default=None)
        if best is None:
            return group
        return {**group, best[2]: max(group.get(best[2], 0.0), SPELLING_WEIGHT)}

    @staticmethod
    def _chunk(doc: tantivy.Document) -> Chunk:
        return Chunk(**json.loads(doc.get_first("payload")))

    def versions(self) -> set[tuple[str, int]]:
        searcher = self._searcher()
        # The term dictionary still lists keys of deleted chunks until segments merge;
        # a terms aggregation counts live chunks only. Batches keep it under tantivy's
        # bucket limit.
        keys = [term for term, _ in searcher.terms_with_prefix("doc_version", "")]
        found: set[tuple[str, int]] = set()
        for start in range(0, len(keys), _AGG_BATCH):
            batch = keys[start : start + _AGG_BATCH]
            query = tantivy.Query.term_set_query(self._schema, "doc_version", batch)
            agg = {"v": {"terms": {"field": "doc_version", "size": len(batch)}}}
            for bucket in searcher.aggregate(query, agg)["v"]["buckets"]:
                doc_id, version = bucket["key"].rsplit(_SEP, 1)
                found.add((doc_id, int(version)))
        return found

    def chunks_of(self, doc_id: str, version: int) -> list[Chunk]:
        """All chunks of one document version, in document order (for backfills)."""
        searcher = self._searcher()
        query = tantivy.Query.term_query(self._schema, "doc_version", _version_key(doc_id, version))
        hits = searcher.search(query, limit=max(searcher.num_docs, 1), count=False).hits
        chunks = [self._chunk(searcher.doc(address)) for _, address in hits]
        return sorted(chunks, key=lambda c: c.ordinal)

    def question_terms(self, chunk_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """The analysed terms of the generated questions (doc2query) of these chunks,
        for those that have any: the relevance gate counts them as the passage's words."""
        if not self.has_questions or not chunk_ids:
            return {}
        parsed = [(_CHUNK_ID.fullmatch(cid), cid) for cid in chunk_ids]
        keys = [_version_key(m["doc"], int(m["v"])) + _SEP + cid for m, cid in parsed if m]
        searcher = self._searcher()
        query = tantivy.Query.term_set_query(self._schema, "chunk_key", keys)
        found: dict[str, frozenset[str]] = {}
        for _, address in searcher.search(query, limit=len(keys), count=False).hits:
            doc = searcher.doc(address)
            if terms := (doc.get_first(QUESTIONS) or "").split():
                found[self._chunk(doc).chunk_id] = frozenset(terms)
        return found

    def count(self) -> int:
        return self._searcher().num_docs

    def document_frequencies(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """(number of chunks, chunks whose text contains each analysed term) – for
        weighting a question's words by rarity (the relevance gate)."""
        searcher = self._searcher()
        return searcher.num_docs, {t: searcher.doc_freq("body", t) for t in terms}

    def close(self) -> None:
        with self._write_lock:
            self._index = None
