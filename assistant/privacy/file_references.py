"""File references numbered by a registry: groups joined by dashes around a year.

German offices number their files as register or office code(s), year and a running
number ("JA-2026-00123", "63-BA-2026-0101", "2026-BT-03318"), or as year and a long
serial ("2026-00812344"). Such a reference leads to one person's case, so it is a
``CASE_NUMBER`` even without a cue. A date (2026-03-15), a period (2021-2027) and a
council paper (2026-0419) have too short a last group. Tickets, orders, inventory and
council papers are numbered the same way and name no person: after one of the `cues`
(here: words that veto) the reference stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.privacy.scored import Candidate, ScoredRecognizer

_GROUP = r"(?:[A-Za-z]{1,5}|\d{1,3})"
REFERENCE = re.compile(
    rf"(?<![\w/.-])(?:{_GROUP}-(?:{_GROUP}-)?(?:19|20)\d\d-\d{{3,7}}"
    r"|(?:19|20)\d\d-[A-Za-z]{1,5}-\d{3,7}|(?:19|20)\d\d-\d{5,8})(?![\w/-]|[.,]\d)"
)
# Prefixes of ticket numbers (ITIL: incident, request, change, problem).
TICKET = re.compile(r"(?i:inc|req|chg|prb|ritm|sr|tkt|it)-")
SCORE = 0.8


class FileReferenceRecognizer(ScoredRecognizer):
    def __init__(self, **kwargs) -> None:
        super().__init__(window=(60, 0), **kwargs)

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in REFERENCE.finditer(text):
            if TICKET.match(match.group()):
                continue
            if self.cue_near(text, match.start(), match.end()):
                continue  # a ticket, an order, a council paper
            yield match.start(), match.end(), SCORE, SCORE


# A label that is a compound whose head names a number ("Hundesteuer-Nr.", "Abholnummer",
# "Beitragsnummer", abbreviated: "Vollstr.-Nr."; an account or key of a levy or a file:
# "Beitragskonto", "Buchungszeichen", "Vorgangskennung"), then a number of file-number shape: groups joined
# by - / . with at least five digits, three-digit groups ("512 887 331"), or one code of
# six or more digits with at most four letters around them ("151104723088", "BE2041773").
LABELLED = re.compile(
    r"(?<![\w-])(?P<label>[A-Za-zÄÖÜäöüß]{3,}(?:\.?-?(?:[Nn]r\.?|[Nn]ummer|[Kk]onto|[Kk]ennung"
    r"|[Zz]eichen)|nr\.?))(?![\w-])"
    r"[ \t]*:?[ \t]*(?P<value>(?=(?:[A-Za-z]*[-/.]?)*\d)(?=(?:\D*\d){5})"
    r"(?:[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)+|\d{3}(?:[ ]\d{3}){2,3}"
    r"|[A-Za-z]{0,4}\d{6,}[A-Za-z]{0,2}))(?![\w/-]|[.,]\d)"
)
# An IBAN right after an account label ("Girokonto DE02…") is the IBAN recognizer's.
IBAN_SHAPE = re.compile(r"[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,}")
# Numbers that name no person's case: contact and place, parts of a document or a
# product, orders, suppliers' invoices and tickets, the council's papers and decisions
# (the administration's own processes, no citizen's matter; the veto words of
# the file references), and the
# identifiers with their own recognizer (insurance, tax, passport: typed by it).
NOT_CASES = re.compile(
    r"(?i:telefon|tel|fax|handy|mobil|ruf|durchwahl|haus|zimmer|raum|etage|seite|version|"
    r"artikel|serien|modell|produkt|teile|geräte?|inventar|bestell|ticket|liefer|angebot|"
    # the administration's own processes: purchase orders, suppliers' invoices, IT changes
    r"auftrag|rechnung|change|incident|störung|stoerung|"
    # procurement and lost property (numbered by the object, not by a person)
    r"rahmenvertrag|fundn|fundsache|"
    # its training programme: courses and seminars ("Kursnummer", "Lehrgangs-Nr.")
    r"kurs|seminar|schulung|fortbildung|lehrgang|veranstaltung|"
    r"vorlage|drucksache|sitzung|beschluss|rats|ausschuss|niederschrift|protokoll|"
    r"projekt|vergabe|kapitel|abschnitt|position|lauf|linie|"
    # the accounts of the municipal budget (NKHR/NKF chart of accounts): Sachkonto,
    # Haushaltskonto, Aufwands-, Ertrags-, Finanz-, Bestandskonto, Kostenstelle/-träger
    r"sach|haushalts|aufwands|ertrags|finanz|bestands|kostenst|kostentr|"
    r"gleis|kanal|versicherten|versicherungs|renten|sozialversicherungs|kranken|steuer|"
    r"identifikations|pass|ausweis|führerschein|iban|bic|kfz|kennzeichen|post|plz|"
    r"hausnummer|top)"
)


# Inside a compound too: a phone, a vehicle's plate, a travel or identity document, the
# identifiers with a recognizer of their own ("Rückrufnummer", "Fahrzeugkennzeichen",
# "Personalausweisnummer", "Rentenversicherungsnummer").
NOT_CASES_INSIDE = re.compile(
    r"(?i:telefon|rufnummer|fax|handy|mobil|durchwahl|kennzeichen|ausweis|pass|führerschein|"
    r"versicherungsnummer|versichertennummer|steuer-?id|identifikations|konto-?nr|kontonummer|"
    # an office's or a service's line ("Servicenummer", "Hotline-Nr.")
    r"service|hotline|zentrale|notruf)"
)


# The words of NOT_CASES: an abbreviated label ("Rechn.-Nr.", "Best.-Nr.") may stand for
# any of them it begins.
_NOT_CASE_WORDS = tuple(re.findall(r"[a-zäöüß]{3,}", NOT_CASES.pattern))


def is_number_label(label: str) -> bool:
    """A compound label with a number head whose first part names no contact, place,
    product, own process or identifier of its own ("Schülernummer", "Beitragskonto")."""
    match = LABELLED.fullmatch(f"{label} 4091726")
    if not match or NOT_CASES.match(label) or NOT_CASES_INSIDE.search(label):
        return False
    stem, dot, _ = label.partition(".")
    return not (dot and any(w.startswith(stem.lower()) for w in _NOT_CASE_WORDS))


class LabelledNumberRecognizer(ScoredRecognizer):
    """A number after a compound label of "-nummer" (-Nr., -konto, -kennung, -zeichen)
    whose first part is no contact, place, document part, product or order word: the
    account or file number of a fee, a levy or a request (Hundesteuer-Nr., Abholnummer,
    Beitragskonto). The label, not the wording around it, says what the value is."""

    def __init__(self, **kwargs) -> None:
        super().__init__(window=(0, 0), **kwargs)

    def candidates(self, text: str) -> Iterator[Candidate]:
        for match in LABELLED.finditer(text):
            label, value = match.group("label"), match.group("value")
            if not is_number_label(label) or IBAN_SHAPE.match(value):
                continue
            yield match.start("value"), match.end("value"), SCORE, SCORE
