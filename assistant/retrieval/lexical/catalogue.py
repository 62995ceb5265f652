"""Scoring that applies to catalogue collections only (open data, issue 16).

A catalogue unit is a dataset's short title, tags and description; questions about it
are long and use other words. Two query-side changes help there, and each is wrapped
so that it can only ever score chunks of the catalogue collections — every other
chunk (laws, guidelines, council papers) scores exactly as before:

* a question's compound that the static part list cannot split is split against the
  index vocabulary (`feedback.vocabulary_parts`; "Sirenenstandorte" keeps "standort");
* a unit with at least half of the question's words gets a bonus: the "every word"
  bonus of the index (`COORDINATION`) is rarely met by a short unit and a long question.

Figures (open-data set A, tuning; B measured once) in docs/opendata.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import tantivy

# Open-data set A (tuning): topic recall@5 0.52 → 0.56 at 0.3 and at 0.6, shares
# 0.4–0.6 alike.
CATALOGUE_COORDINATION = 0.3
CATALOGUE_SHARE = 0.5


def only_in(schema: tantivy.Schema, collections: Iterable[str], query: tantivy.Query):
    """`query`, matching chunks of `collections` only (the filter scores 0)."""
    allowed = tantivy.Query.term_set_query(schema, "collection", sorted(collections))
    return tantivy.Query.boolean_query(
        [
            (tantivy.Occur.Must, query),
            (tantivy.Occur.Must, tantivy.Query.const_score_query(allowed, 0.0)),
        ]
    )


def most_words(
    schema: tantivy.Schema,
    collections: Iterable[str],
    query: tantivy.Query,
    words: Sequence[tuple[tantivy.Occur, tantivy.Query]],
) -> tantivy.Query:
    """`query`, plus CATALOGUE_COORDINATION for a chunk of `collections` that has at
    least CATALOGUE_SHARE of the question's words (two or more)."""
    need = max(2, math.ceil(len(words) * CATALOGUE_SHARE))
    if len(words) <= need:
        return query
    most = tantivy.Query.boolean_query(list(words), minimum_number_should_match=need)
    bonus = tantivy.Query.boost_query(only_in(schema, collections, most), CATALOGUE_COORDINATION)
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Should, bonus)])
