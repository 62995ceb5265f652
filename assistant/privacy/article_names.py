"""A surname after an article, as staff speak of clients: "die Schmidt aus Ehrang ist
wieder da", "hab dem Kowalski gesagt". Only listed surnames that are no ordinary word,
place or first name ("der Müller" may be the miller, "die Linde" a tree), and only
before a lower-case word or a punctuation mark ("die Schmidt Stiftung" is not one).
Used by the name recognizer (names.py).
"""

from __future__ import annotations

from assistant.privacy.lexicon import Lexicon, Token
from assistant.privacy.name_tokens import TokenSpan

ARTICLES = frozenset({"der", "die", "den", "dem"})


def article_surnames(tokens: list[Token], lex: Lexicon, score: float) -> list[TokenSpan]:
    spans = []
    for i in range(1, len(tokens)):
        tok, article = tokens[i], tokens[i - 1]
        if article.text.lower() not in ARTICLES or tok.before != " " or tok.dash:
            continue
        word = tok.text
        if word not in lex.surnames or len(word) < 4 or not lex.is_capitalized(word):
            continue
        if lex.is_word(word) or lex.is_first_name(word) or word.lower() in lex.brands:
            continue
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if following is not None and following.before == " " and not following.text.islower():
            continue
        spans.append((i, i, score))
    return spans
