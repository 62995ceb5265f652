"""Structural signs that a name-like word or a number in clean text is no personal data.

Staff write about words, products and places as often as about people: "ganz frank
gesagt", "deniz bedeutet meer", "die grace period", "Gemeindehaus Pützchen",
"Fujitsu Esprimo", "Tarifstelle 2.4.1.1". The name recognizers ask these tests
before they take a word that only its lexicon entry marks as a name; a salutation
or a role before the word still wins.
"""

from __future__ import annotations

import re

from spacy.lang.de.stop_words import STOP_WORDS

from assistant.privacy.lexicon import Lexicon, Token, english_name_words

# Degree adverbs modify an adjective or adverb, never a name: "ganz frank", "sehr klar".
# Not "so", "zu", "eher", "besonders": "zu frank", "besonders murat" name people.
DEGREE_ADVERBS = frozenset({"ganz", "sehr", "ziemlich", "äußerst", "recht", "relativ", "allzu"})
# A word talked about as a word: "deniz bedeutet meer", "noor ist arabisch für licht".
MEANS = frozenset({"bedeutet", "bedeuten", "meint", "übersetzt"})
COPULAS = frozenset({"ist", "heißt", "steht"})
WORD_NOUNS = frozenset({"wort", "wortes", "begriff", "begriffs", "ausdruck", "schreibweise"})
SPELLING_VERBS = frozenset({"schreibt", "spricht", "buchstabiert", "trennt", "dekliniert"})
LANGUAGE_ADJECTIVE = re.compile(r"[^\W\d_]{3,}isch")
AFTER_LANGUAGE = frozenset({"für", "übersetzt"})
# A number that only a numbering word names: a version, section, tariff or item.
NUMBERING_VALUE = re.compile(r"\d{1,3}(?:\.\d{1,3}){1,4}")
NUMBERING_WORD = re.compile(r"([^\W\d_]+)\.?[ \t]*(?:nr\.?[ \t]*)?$", re.IGNORECASE)


def spaced(tok: Token) -> bool:
    """Only spaces between this word and the one before."""
    return tok.before in (" ", "\u00a0")


# Abbreviations that are also names, before a number: "max. 10 pro Tag", "Min. 3 Wochen".
NUMBER_ABBREVIATIONS = frozenset({"max", "min"})
NUMBER_NEXT = re.compile(r"[ \t]*\d")


def word_use(tokens: list[Token], first: int, last: int, lex: Lexicon) -> bool:
    """The words tokens[first..last] are used as a word, an adjective or part of an
    English phrase, not as the name of a person."""
    if first == last and _number_abbreviation(tokens, first):
        return True
    before = tokens[first - 1] if first > 0 and spaced(tokens[first]) else None
    after = tokens[last + 1] if last + 1 < len(tokens) and spaced(tokens[last + 1]) else None
    if before is not None and before.text.lower() in DEGREE_ADVERBS:
        return True
    if before is not None and before.text.lower() in WORD_NOUNS:
        return True  # "das wort yusuf", "der begriff amal"
    spelling = first > 1 and tokens[first - 2].text.lower() in SPELLING_VERBS
    if before is not None and before.text.lower() == "man" and spelling:
        return True  # "wie schreibt man jacqueline"
    if after is None:
        return False
    following = after.text.lower()
    if following in MEANS:
        return True
    if following in COPULAS and _language_gloss(tokens, last + 2):
        return True
    english_name = tokens[first].text.lower() in english_name_words()
    return first == last and english_name and _english_continuation(after.text, lex)


def _language_gloss(tokens: list[Token], i: int) -> bool:
    """ "(ist) arabisch für …", "(heißt) türkisch übersetzt …": a gloss, not a nationality
    ("deniz ist türkisch und …")."""
    if i + 1 >= len(tokens) or not spaced(tokens[i]) or not spaced(tokens[i + 1]):
        return False
    adjective = tokens[i].text.lower()
    return bool(LANGUAGE_ADJECTIVE.fullmatch(adjective)) and tokens[i + 1].text in AFTER_LANGUAGE


def _english_continuation(word: str, lex: Lexicon) -> bool:
    """ "grace period", "amber alert": a first name that is also an English word, then
    an English word that is no German word or name: an English phrase (not "anna
    office")."""
    lower = word.lower()
    cap = lower.capitalize()
    if len(lower) < 4 or not word.islower() or lower not in lex.english:
        return False
    if cap in lex.nouns or cap in lex.surnames or cap in lex.first_names:
        return False
    # German words are at least as often in lower case as English ones in German text
    # (will, fast, also); a stop word is German whatever its margin.
    return lower not in STOP_WORDS and lex.lower_margin.get(cap, -99.0) <= 1.0


def numbered(text: str, start: int, end: int, words: frozenset[str]) -> bool:
    """Is text[start:end] a dotted number right after one of the numbering `words`
    ("Version 4.2.1", "Tarifstelle 2.4.1.1", "Ziffer 3.1.2")?"""
    if not NUMBERING_VALUE.fullmatch(text[start:end]):
        return False
    match = NUMBERING_WORD.search(text, max(0, start - 40), start)
    return match is not None and match.group(1).lower() in words


# Endings that make a street of the word before them (addresses.py has the full list).
STREET_ENDINGS = ("straße", "strasse", "gasse", "allee", "ring", "damm", "weg", "platz", "ufer")


# Street words that end no German surname: with them any head makes a street, also a
# person's name (Pacelliufer, Adenauerallee, Brucknerstraße).
STREET_WORDS = ("straße", "strasse", "gasse", "allee", "platz", "ufer")


def street_name(word: str, lex: Lexicon) -> bool:
    """A known word with a street ending is a street (Kaiserring, Rosenweg), unless the
    whole is a listed surname (Steinweg); with an unambiguous street word any head."""
    lower = word.lower()
    for suffix in STREET_ENDINGS:
        head = word[: -len(suffix)]
        if lower.endswith(suffix) and len(head) >= 3 and word not in lex.surnames:
            return suffix in STREET_WORDS or lex.is_word(head) or head in lex.places
    return False


def _number_abbreviation(tokens: list[Token], i: int) -> bool:
    """ "Max. 3 Wochen", "max 10 pro Tag": an abbreviation with its dot, or in lower case
    without, right before a number."""
    tok = tokens[i]
    if tok.text.lower() not in NUMBER_ABBREVIATIONS or not (tok.dot or tok.text.islower()):
        return False
    rest = tokens[i + 1].before if i + 1 < len(tokens) else ""
    return bool(NUMBER_NEXT.match(rest.removeprefix(".")))


# The administration's own account, named as its holder right before the value ("Konto
# der Stadtkasse (IBAN …)", "an die Stadtkasse:⏎IBAN …"): a public cash office, then
# only punctuation or an account word. "Die Stadtkasse erstattet auf Ihr Konto …" has
# more in between and stays a person's; a Sparkasse is a bank, no holder.
CASH_OFFICE = re.compile(
    r"(?<![^\W_])(?:(?:stadt|kreis|gemeinde|amts|landes|bundes|gerichts|justiz|verbands)kasse"
    r"|kämmerei)(?:[\s:(,–-]*(?:iban|konto|kontonummer|bankverbindung)\b)?[\s:(,–-]*$",
    re.IGNORECASE,
)
# A BIC right after such an IBAN ("IBAN DE09 … – BIC COLSDE33XXX").
IBAN_BEFORE = re.compile(
    r"(?i:\b[a-z]{2}\d\d(?:[ ]?[a-z0-9]{1,4}){3,8})[\s,;–-]*(?i:bic|swift)?[\s:]*$"
)


def own_account(text: str, start: int, kind: str) -> bool:
    """Is the IBAN or BIC at `start` the administration's own account (above)?"""
    before = text[max(0, start - 80) : start]
    if kind == "BIC":
        iban = IBAN_BEFORE.search(before)
        if iban is None:
            return False
        return own_account(text, start - len(before) + iban.start(), "IBAN")
    return bool(CASH_OFFICE.search(before.split("\n\n")[-1]))


# The legal form that German commercial law requires in a company's name (HGB § 19,
# GmbHG § 4, AktG § 4): "Bürotechnik Mayer GmbH", "Bäckerei Sommer GmbH & Co. KG". A
# surname inside it names the firm, not a person; a comma ends the firm ("Jürgen Hahn,
# Hahn Bestattungen GmbH": the first is the person). "AG" before a name is a working group
# ("Frau Mayer AG Digitalisierung").
_FIRM_TAIL = re.compile(
    r"(?:[ \t]+(?:[A-ZÄÖÜ][\w.'’-]*|&|und)){0,3}?[ \t]+(?:GmbH|gGmbH|AG(?![ \t]+[A-ZÄÖÜ])|KG|KGaA|OHG|GbR|UG|SE|e\.[ ]?K\.)(?!\w)"
)
_FIRM_WINDOW = 50


def firm_name(text: str, end: int) -> bool:
    """The name that ends at `end` is followed, on its line, by a company's legal form."""
    return bool(_FIRM_TAIL.match(text[end : end + _FIRM_WINDOW]))


# The administration as the holder of a number that names its holder: a customer,
# member or contract number "der Stadt", "unserer Verwaltung", "des Landkreises" is the
# office's own account with a supplier or an association, no citizen's file.
OWN_HOLDER = re.compile(
    r"(?i:kunden|mitglieds|vertrags|abonnenten|abo)[\w.-]*[ \t]+(?:der|des|unserer?|unseres)"
    r"[ \t]+(?i:stadt|stadtverwaltung|gemeinde|gemeindeverwaltung|verwaltung|kreis"
    r"|kreisverwaltung|landkreises|kreises|amtes|amts|behörde|kommune|samtgemeinde"
    r"|verbandsgemeinde)\w*(?:[ \t]+(?:bei|beim|im|in|für)[ \t]+[\w.-]+)?[ \t]*:?[ \t]*$"
)


def own_number(text: str, start: int) -> bool:
    """Is the number at `start` the administration's own customer, member or contract
    number ("Kundennummer der Stadt 88-20411", "… unserer Verwaltung beim Verlag: …")?"""
    return OWN_HOLDER.search(text[max(0, start - 60) : start]) is not None
