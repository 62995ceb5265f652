"""Train the small German name tagger shipped in assistant/privacy/data/ner-de.

    .venv/bin/python bench/train_ner.py [--out DIR]     # ~10 min on 2 cores

No German NER model may be downloaded, so the tagger is trained here, offline, from
data that is already in reach (read in place, never copied):

* the **tuning parts** of the staff-message sets 1 and 5–11 (``tests/data/pii``, ids
  not divisible by 3), messages with their PERSON and ADDRESS spans, and the tuning
  parts of their clean files as text without names;
* the **tuning part** of the GermEval 2014 dev split (sentence index % 3 != 0, PER
  spans), a third of it once more in lower case (staff type in lower case);
* 700 paragraphs of the federal laws (``../shared/corpora/bundesrecht``) as text
  without names, none of them among the 600 that ``bench/pii.py`` samples.

Held back, never trained on: the held-back parts of every set, sets 2–4 whole, the
GermEval held-back sentences and the GermEval test persons in ``heldout/``. One
tenth of the training documents (random, seed 13) is the dev split that picks the
best step. The model is ``bench/ner.cfg`` (spaCy's CPU "efficiency" NER, tok2vec
width 48, depth 2, maxout 2). Results: docs/privacy.md, "Session 17".
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import spacy
from spacy.tokens import DocBin

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import pii

DATA = ROOT / "tests" / "data" / "pii"
LABELS = {"PERSON": "PER", "ADDRESS": "ADR"}
TRAINED_SETS = ["", "_5", "_6", "_7", "_8", "_9", "_10", "_11"]
LAW_NEGATIVES = 700


def to_doc(nlp, text: str, spans) -> spacy.tokens.Doc:
    """A training doc; overlapping spans keep the first, tokens expand to words."""
    doc = nlp.make_doc(text)
    ents, taken = [], set()
    for start, end, kind in sorted(spans):
        if kind not in LABELS:
            continue
        span = doc.char_span(start, end, label=LABELS[kind], alignment_mode="expand")
        if span is None or taken & set(range(span.start, span.end)):
            continue
        taken |= set(range(span.start, span.end))
        ents.append(span)
    doc.ents = ents
    return doc


def documents(nlp) -> tuple[list, list]:
    """(train, dev) documents in a fixed order: one random draw (seed 13) per document
    sends a tenth to dev, another picks the GermEval sentences copied in lower case."""
    rng = random.Random(13)
    train, dev = [], []

    def add(doc) -> None:
        (dev if rng.random() < 0.1 else train).append(doc)

    for name in ("staff_messages", "staff_clean"):
        for suffix in TRAINED_SETS:
            for item in pii.read_jsonl(DATA / f"{name}{suffix}.jsonl"):
                if pii.part_of(item["id"]) == "tuning":
                    add(to_doc(nlp, item["text"], item.get("spans", [])))
    for index, (text, spans) in enumerate(pii.germeval_sentences()):
        if index % 3 == 0:
            continue  # the held-back part
        person = [(start, end, "PERSON") for start, end in spans]
        add(to_doc(nlp, text, person))
        if rng.random() < 0.35:
            add(to_doc(nlp, text.lower(), person))
    measured = set(pii.law_paragraphs(600))
    laws = [p for p in pii.law_paragraphs(0) if p not in measured]
    random.Random(5).shuffle(laws)
    train += [to_doc(nlp, p, []) for p in laws[:LAW_NEGATIVES]]
    return train, dev


def main() -> None:
    parser = argparse.ArgumentParser(description="Train the name tagger (offline).")
    parser.add_argument("--out", type=Path, default=Path(tempfile.mkdtemp(prefix="ner-")))
    args = parser.parse_args()
    nlp = spacy.blank("de")
    train, dev = documents(nlp)
    args.out.mkdir(parents=True, exist_ok=True)
    DocBin(docs=train).to_disk(args.out / "train.spacy")
    DocBin(docs=dev).to_disk(args.out / "dev.spacy")
    print(f"training docs {len(train)}, dev docs {len(dev)} -> {args.out}")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(ROOT / "bench" / "ner.cfg"),
            "--output",
            str(args.out),
            "--paths.train",
            str(args.out / "train.spacy"),
            "--paths.dev",
            str(args.out / "dev.spacy"),
        ],
        check=True,
    )
    print(f"best model: {args.out / 'model-best'}; copy it to assistant/privacy/data/ner-de")


if __name__ == "__main__":
    main()
