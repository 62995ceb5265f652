"""Synthetic German administrative text for benchmarks (shared helper).

The vocabulary and word order come from the German federal-law corpus in
`../shared/corpora/bundesrecht/*.md` (read at run time relative to the repo
root; nothing of it is copied into the repository). A first-order Markov chain
over the corpus' word stream produces text with the corpus' own term
frequencies and realistic word sequences, without repeating whole passages
(at 100k chunks the corpus would otherwise be repeated ~80 times over, which
would make BM25 unrealistically easy or hard). Everything is seeded.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "bundesrecht"

COLLECTIONS = ("allgemein", "personal", "bauamt")
DOC_KINDS = (
    "Dienstanweisung",
    "Richtlinie",
    "Merkblatt",
    "Verwaltungsvorschrift",
    "Leitfaden",
    "Arbeitshilfe",
    "Rundverfügung",
    "Geschäftsanweisung",
)

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_SECTION = re.compile(r"^#+\s*§+\s*[\w.]+\s+(.+)$", re.MULTILINE)
_HEADING = re.compile(r"^#+\s*(.+)$", re.MULTILINE)
_MARKUP = re.compile(r"[*#_`|>]+|^\s*:\s+", re.MULTILINE)
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]+")
# Function words are never query words: a query of only "nur kann" would be
# empty after stop-word removal and flatter the lexical index.
_STOP = frozenset(
    [
        "aber",
        "alle",
        "als",
        "also",
        "am",
        "an",
        "auch",
        "auf",
        "aus",
        "bei",
        "bis",
        "dann",
        "das",
        "dass",
        "dem",
        "den",
        "der",
        "des",
        "die",
        "dies",
        "diese",
        "diesem",
        "diesen",
        "dieser",
        "dieses",
        "durch",
        "ein",
        "eine",
        "einem",
        "einen",
        "einer",
        "eines",
        "er",
        "es",
        "für",
        "gegen",
        "hat",
        "hier",
        "ihm",
        "ihn",
        "ihr",
        "im",
        "in",
        "ist",
        "kann",
        "können",
        "muss",
        "nach",
        "nicht",
        "noch",
        "nur",
        "ob",
        "oder",
        "ohne",
        "sein",
        "sich",
        "sie",
        "sind",
        "so",
        "soll",
        "sollen",
        "soweit",
        "über",
        "um",
        "und",
        "unter",
        "vom",
        "von",
        "vor",
        "wenn",
        "werden",
        "wer",
        "wird",
        "wie",
        "zu",
        "zum",
        "zur",
        "zwischen",
    ]
)


@dataclass(frozen=True)
class SynthChunk:
    doc_id: str
    collection: str
    title: str
    section: str
    ordinal: int
    text: str


@dataclass
class Vocabulary:
    successors: dict[str, list[str]]
    starts: list[str]
    section_titles: list[str]


def load_vocabulary(corpus: Path = DEFAULT_CORPUS) -> Vocabulary:
    """Word-successor lists, sentence starts and `§` headings from the corpus."""
    files = sorted(corpus.glob("*.md"))
    if not files:
        raise SystemExit(f"no corpus found at {corpus} (expected *.md files)")
    tokens: list[str] = []
    sections: list[str] = []
    for path in files:
        text = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8"))
        sections += [s.strip() for s in _SECTION.findall(text) if 3 <= len(s.split()) <= 12]
        body = _HEADING.sub("", text)
        body = _MARKUP.sub(" ", body)
        tokens += [t for t in body.split() if not t.startswith(("http", "(W", "(M", "(G"))]
    successors: dict[str, list[str]] = {}
    for a, b in pairwise(tokens):
        successors.setdefault(a, []).append(b)
    starts = [
        b for a, b in pairwise(tokens) if a.endswith(".") and b[:1].isupper() and b in successors
    ]
    return Vocabulary(successors, starts or list(successors), sorted(set(sections)))


def _sentence_text(vocab: Vocabulary, rng: random.Random, words: int) -> str:
    succ, starts = vocab.successors, vocab.starts
    out: list[str] = []
    word = rng.choice(starts)
    while len(out) < words:
        out.append(word)
        nxt = succ.get(word)
        word = rng.choice(nxt) if nxt else rng.choice(starts)
    text = " ".join(out)
    return text if text.endswith(".") else text.rstrip(",;:") + "."


def generate_chunks(
    n_chunks: int, seed: int = 7, vocab: Vocabulary | None = None, per_doc: int = 10
) -> list[SynthChunk]:
    """`n_chunks` chunks of ~100-150 words, `per_doc` per document, 3 collections."""
    vocab = vocab or load_vocabulary()
    rng = random.Random(seed)
    chunks: list[SynthChunk] = []
    doc = 0
    while len(chunks) < n_chunks:
        doc_id = f"syn-{doc:06d}"
        collection = COLLECTIONS[rng.randrange(len(COLLECTIONS))]
        topic = rng.choice(vocab.section_titles)
        title = f"{rng.choice(DOC_KINDS)} {topic} (Nr. {doc + 1})"
        para = rng.randint(1, 40)
        for ordinal in range(min(per_doc, n_chunks - len(chunks))):
            para += rng.randint(0, 2) if ordinal else 0
            section = f"§ {para} {rng.choice(vocab.section_titles)}"
            text = _sentence_text(vocab, rng, rng.randint(100, 150))
            chunks.append(SynthChunk(doc_id, collection, title, section, ordinal, text))
        doc += 1
    return chunks


def generate_queries(chunks: list[SynthChunk], n: int, seed: int = 11) -> list[str]:
    """`n` keyword queries of 2-6 words, each sampled (in order) from one chunk."""
    rng = random.Random(seed)
    queries: list[str] = []
    while len(queries) < n:
        words = _WORD.findall(rng.choice(chunks).text)
        words = [w.strip("-") for w in words if len(w) >= 3 and w.lower() not in _STOP]
        if len(words) < 6:
            continue
        picks = sorted(rng.sample(range(len(words)), rng.randint(2, 6)))
        queries.append(" ".join(words[i] for i in picks))
    return queries
