"""Compile the word lists under ``data/`` that the name recognizer uses.

Run by a developer, never at run time (the package ships the compiled files)::

    pip download german-nouns==1.2.5 --no-deps -d /tmp/gn && unzip -q /tmp/gn/*.whl -d /tmp/gn
    pip download spacy-lookups-data==1.0.5 --no-deps -d /tmp/sl && unzip -q /tmp/sl/*.whl -d /tmp/sl
    .venv/bin/python -m assistant.privacy.compile_lexicon \
        --wiktionary /tmp/gn/german_nouns/nouns.csv \
        --word-probs /tmp/sl/spacy_lookups_data/data/de_lexeme_prob.json.gz \
        --nam-dict /tmp/gg/gender_guesser/data/nam_dict.txt \
        --en-word-probs /tmp/sl/spacy_lookups_data/data/en_lexeme_prob.json.gz
    .venv/bin/python -m assistant.privacy.compile_lexicon \
        --english-dict /usr/share/dict/american-english   # apt-get install wamerican

    (``pip download gender-guesser==0.4.0 --no-deps -d /tmp/gg`` and unzip, like above.)

Sources and licences (see ``data/SOURCES.md``):

* first names and surnames: Faker's person providers of the locales below (MIT),
  Cyrillic ones transliterated as German registers write them; further first
  names from Jörg Michael's ``nam_dict.txt`` 1.2 (GNU FDL 1.2, shipped in
  ``gender-guesser``; the compiled list is shared under the same licence);
* common nouns (with their inflected forms) and place names: German Wiktionary
  as extracted by the ``german-nouns`` package (CC BY-SA 4.0). The compiled noun
  and place files are derived from it and carry the same licence;
* lower-case words: the case-sensitive German word probabilities of
  ``spacy-lookups-data`` 1.0.5 (MIT);
* English words: the frequent English words of the same package that are more
  often written in lower case than capitalized, plus Faker's ``en_US`` word list
  (MIT), less the first names of the German-language locales (max, till): staff
  use English words (file, core, update) that some name lists have as names.

``data/brands.txt`` is written by hand (see its header), not compiled.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib
import json
import re
from pathlib import Path

# Latin-script locales of the people a German city administration serves.
LOCALES = [
    "de_DE",
    "de_AT",
    "de_CH",
    "de_LI",
    "de_LU",
    "en_US",
    "en_GB",
    "en_IE",
    "fr_FR",
    "fr_CH",
    "it_IT",
    "es_ES",
    "pl_PL",
    "tr_TR",
    "cs_CZ",
    "hr_HR",
    "nl_NL",
    "pt_PT",
    "pt_BR",
    "ro_RO",
    "hu_HU",
    "sk_SK",
    "sl_SI",
    "da_DK",
    "sv_SE",
    "no_NO",
    "fi_FI",
    "lt_LT",
    "lv_LV",
    "et_EE",
    "az_AZ",
    # Further Latin-script locales: people of many origins live in German cities.
    "en_IN",
    "en_KE",
    "en_NG",
    "en_PK",
    "es_AR",
    "es_CO",
    "es_MX",
    "fr_BE",
    "fr_DZ",
    "nl_BE",
    "ga_IE",
    "id_ID",
    "is_IS",
    "ha_NG",
    "ig_NG",
    "yo_NG",
    "sw",
    "tw_GH",
    "uz_UZ",
    "vi_VN",
    "zu_ZA",
]
# Cyrillic-script locales, transliterated the way German registers write them
# (Sokolow, Wolkowa, Schewtschenko).
CYRILLIC_LOCALES = ["ru_RU", "uk_UA", "bg_BG", "mk_MK"]
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b w g d e jo sch s i i k l m n o p r s t u f ch z tsch sch schtsch _ y _ e ju ja i ji je g".split(),  # noqa: SIM905 - one letter each
        strict=True,
    )
)
NAME_SHAPE = re.compile(r"[^\W\d_][^\W\d_']*(?:['’-][^\W\d_]+)*")
DATA = Path(__file__).parent / "data"
LOWER_WORD = re.compile(r"[a-zäöüß]+")
MIN_LOG_PROB = -17.0  # rarer lower-case words are left out
MIN_MARGIN = -2.3  # lower-case at least a tenth as frequent as capitalized
MIN_EN_LOG_PROB = -13.5  # about the 25,000 most frequent English lower-case words
# Wiktionary parts of speech of names: such entries are no common nouns.
NAME_POS = {"Vorname", "Nachname", "Toponym", "Eigenname"}
# Wiktionary columns that are not word forms.
NON_FORM_COLUMNS = {"lemma", "pos", "genus", "genus 1", "genus 2", "genus 3", "genus 4"}


def _faker_names(attrs: tuple[str, ...], locales: tuple[str, ...] = tuple(LOCALES)) -> set[str]:
    names: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in attrs:
            values = getattr(provider, attr, None)
            if isinstance(values, (list, tuple, dict, set)):
                names.update(values)
    return {n for n in names if _name_shaped(n)}


def _name_shaped(name: str) -> bool:
    # Two-letter "names" (Al, Bo, Li …) collide with too much ordinary text.
    return len(name) > 2 and name[0].isupper() and bool(NAME_SHAPE.fullmatch(name))


def _transliterate(name: str) -> str:
    out = "".join(_CYRILLIC.get(c.lower(), c) if c.isalpha() else c for c in name).replace("_", "")
    return out[:1].upper() + out[1:]


def _cyrillic_names(attrs: tuple[str, ...]) -> set[str]:
    names: set[str] = set()
    for locale in CYRILLIC_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in attrs:
            values = getattr(provider, attr, None)
            if isinstance(values, (list, tuple, dict, set)):
                names.update(_transliterate(v) for v in values)
    return {n for n in names if _name_shaped(n) and n.isascii()}


def _nam_dict(path: Path) -> set[str]:
    """First names of Jörg Michael's nam_dict.txt (GNU FDL 1.2, shipped in gender-guesser).

    Lines: gender (cols 0-2), name (3-29), sort mark (30; '+' lines are duplicates
    with expanded umlauts), one frequency digit per country. '+' inside a name
    stands for '-', ' ' or nothing (Jun+Wei).
    """
    names: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or len(line) < 31 or line[29] == "+" or line[0] == "=":
                continue
            name = line[3:29].strip()
            parts = name.replace("+", " ").split()
            variants = {name.replace("+", "-"), name.replace("+", "").capitalize(), *parts}
            names.update(v for v in variants if " " not in v and _name_shaped(v))
    return names


def _wiktionary(path: Path) -> tuple[set[str], set[str]]:
    """Plain common nouns (all inflected forms) and place names."""
    nouns: set[str] = set()
    places: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pos = set(row["pos"].split(","))
            if "Substantiv" in pos and not pos & NAME_POS:
                nouns.update(v for k, v in row.items() if k not in NON_FORM_COLUMNS and _is_word(v))
            elif "Toponym" in pos and _is_word(row["lemma"]):
                places.add(row["lemma"])
    return nouns, places


def _lowercase_words(path: Path) -> dict[str, float]:
    """Capitalized forms of common lower-case words, with log(P(lower) / P(Capitalized)).

    "Soweit", "Findet", "Solange" are capitalized only at a sentence start;
    "Peter", "Merkel" almost never appear in lower case.
    """
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        probs: dict[str, float] = json.load(handle)
    words = {}
    for word, prob in probs.items():
        if len(word) < 3 or prob < MIN_LOG_PROB or not LOWER_WORD.fullmatch(word):
            continue
        margin = prob - probs.get(word.capitalize(), -30.0)
        if margin > MIN_MARGIN:
            words[word.capitalize()] = round(margin, 1)
    return words


def _english_words(path: Path, german_first: set[str]) -> set[str]:
    """Frequent English words more often written in lower case than capitalized."""
    from faker.providers.lorem.en_US import Provider as EnglishLorem

    with gzip.open(path, "rt", encoding="utf-8") as handle:
        probs: dict[str, float] = json.load(handle)
    words = {
        word
        for word, prob in probs.items()
        if len(word) > 2
        and prob >= MIN_EN_LOG_PROB
        and re.fullmatch(r"[a-z]+", word)
        and prob > probs.get(word.capitalize(), -30.0)
    }
    words |= {w for w in EnglishLorem.word_list if len(w) > 2}
    return {w for w in words if w.capitalize() not in german_first}


def _is_word(value: str | None) -> bool:
    return bool(value) and " " not in value and value[:1].isupper() and len(value) > 2


def _write(name: str, words: set[str], header: str) -> None:
    text = "".join(f"{w}\n" for w in sorted(words))
    (DATA / name).write_text(f"# {header}\n{text}", encoding="utf-8")
    print(f"{name}: {len(words)} entries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wiktionary", type=Path, help="nouns.csv of german-nouns")
    parser.add_argument("--word-probs", type=Path, help="de_lexeme_prob.json.gz")
    parser.add_argument("--nam-dict", type=Path, help="nam_dict.txt of gender-guesser")
    parser.add_argument("--en-word-probs", type=Path, help="en_lexeme_prob.json.gz")
    parser.add_argument(
        "--english-dict", type=Path, help="/usr/share/dict/american-english (wamerican)"
    )
    args = parser.parse_args()
    if args.english_dict:
        _english_name_words(args.english_dict)
    sources = (args.wiktionary, args.word_probs, args.nam_dict, args.en_word_probs)
    if any(sources):
        if not all(sources):
            parser.error("--wiktionary, --word-probs, --nam-dict and --en-word-probs go together")
        _compile(args)


def _english_name_words(path: Path) -> None:
    """First names that are also lower-case English words (grace, jack, amber): such a
    word starts an English phrase ("grace period"), a name like anna does not."""
    first = {line for line in (DATA / "first_names.txt").read_text("utf-8").splitlines()}
    words = {w.strip() for w in path.read_text("utf-8").splitlines()}
    found = {
        w for w in words if len(w) > 2 and w.isalpha() and w.islower() and w.capitalize() in first
    }
    _write(
        "english_name_words.txt",
        found,
        "SCOWL via Debian wamerican 2020.12.07 (Copyright 2000-2011 by Kevin Atkinson; "
        "permission to use, copy, modify, distribute and sell granted without fee, see "
        "data/SOURCES.md): lower-case English words that are also in first_names.txt",
    )


def _compile(args: argparse.Namespace) -> None:
    first_attrs = ("first_names", "first_names_male", "first_names_female", "middle_names")
    first = _faker_names(first_attrs) | _cyrillic_names(first_attrs) | _nam_dict(args.nam_dict)
    nouns, places = _wiktionary(args.wiktionary)
    # Foreign-locale surnames that are German nouns ("Lage") would turn ordinary
    # words into names; German surnames that are nouns (Fischer, Koch) stay.
    german = tuple(loc for loc in LOCALES if loc.startswith("de_"))
    foreign = _faker_names(("last_names",)) | _cyrillic_names(("last_names",))
    last = _faker_names(("last_names",), german) | (foreign - nouns)
    sources = "Faker person providers (MIT), locales: " + " ".join(LOCALES + CYRILLIC_LOCALES)
    _write("first_names.txt", first, sources + "; nam_dict.txt 1.2 (GNU FDL 1.2)")
    _write("surnames.txt", last, sources)
    _write("nouns_de.txt", nouns, "German Wiktionary via german-nouns 1.2.5 (CC BY-SA 4.0)")
    _write("places_de.txt", places, "German Wiktionary via german-nouns 1.2.5 (CC BY-SA 4.0)")
    lower = _lowercase_words(args.word_probs)
    rows = [f"{word}\t{margin}" for word, margin in sorted(lower.items())]
    header = "# spacy-lookups-data 1.0.5 de_lexeme_prob (MIT): word, log P(lower)/P(Capitalized)\n"
    (DATA / "lowercase_de.tsv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"lowercase_de.tsv: {len(rows)} entries")
    german_first = _faker_names(
        ("first_names", "first_names_male", "first_names_female"),
        tuple(loc for loc in LOCALES if loc.startswith("de_")),
    )
    english = _english_words(args.en_word_probs, german_first)
    _write(
        "english_words.txt",
        english,
        "spacy-lookups-data 1.0.5 en_lexeme_prob (MIT), lower case more frequent than "
        "capitalized, log prob >= -13.5; Faker en_US word list (MIT); less German first names",
    )


if __name__ == "__main__":
    main()
