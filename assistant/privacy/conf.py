"""Turn ``recognizers.yaml`` into Presidio recognizers."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from presidio_analyzer import (
    AnalyzerEngine,
    EntityRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerResult,
)
from presidio_analyzer import predefined_recognizers as predefined
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

from assistant.privacy.addresses import AddressRecognizer, PostcodeTownRecognizer
from assistant.privacy.attendance import AttendanceRecognizer
from assistant.privacy.birthdates import BirthDateRecognizer
from assistant.privacy.casual import CasualNameRecognizer
from assistant.privacy.file_references import FileReferenceRecognizer, LabelledNumberRecognizer
from assistant.privacy.forms import FormFieldRecognizer
from assistant.privacy.identifiers import (
    BicRecognizer,
    CuedDocumentRecognizer,
    HealthInsuranceRecognizer,
    IbanRecognizer,
    MrzRecognizer,
    ObfuscatedEmailRecognizer,
    SocialSecurityRecognizer,
)
from assistant.privacy.names import NameRecognizer
from assistant.privacy.phones import GermanPhoneRecognizer
from assistant.privacy.plates import LicencePlateRecognizer
from assistant.privacy.recognizers import (
    CASE_SENSITIVE,
    COUNTRIES,
    CueRecognizer,
    HintedIpRecognizer,
    IdDocumentRecognizer,
    OfflineEmailRecognizer,
    TaxIdRecognizer,
    email_domain_valid,
)
from assistant.privacy.spoken import SpokenNumberRecognizer
from assistant.privacy.tax_numbers import CELL as TAX_NUMBER_CELL
from assistant.privacy.tax_numbers import TaxNumberRecognizer
from assistant.privacy.trained import MODEL_DIR, TrainedNameRecognizer

DEFAULT_CONF = Path(__file__).with_name("recognizers.yaml")

# Presidio classes replaced by a subclass: offline e-mail, grouped Steuer-ID, phone score,
# IP addresses looked for only where a text has their shape.
_REPLACED = {
    "DeTaxIdRecognizer": TaxIdRecognizer,
    "EmailRecognizer": OfflineEmailRecognizer,
    "IpRecognizer": HintedIpRecognizer,
    "PhoneRecognizer": GermanPhoneRecognizer,
}
_KINDS = {"id_document": IdDocumentRecognizer}


def load_conf(path: Path = DEFAULT_CONF) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class _InPlaceResults(list):
    """Results the enhancer may change in place: a deep copy of them is the list itself."""

    def __deepcopy__(self, memo: dict) -> list:
        return list(self)


class InPlaceContextEnhancer(LemmaContextAwareEnhancer):
    """Presidio's lemma context enhancer without its deep copy of the results.

    The copy (every result with its explanation and metadata) was a sixth of the
    analysis time. The analyzer hands in results it keeps no other use for: it goes
    on with the enhanced list only, so raising their scores in place changes nothing.
    """

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        return super().enhance_using_context(
            text, _InPlaceResults(raw_results), nlp_artifacts, recognizers, context
        )


class LeanAnalyzerEngine(AnalyzerEngine):
    """Presidio's analyzer without its per-recognizer context pass where it is a no-op.

    That pass splits the results by recognizer (two scans of all results per
    recognizer) and calls each one's ``enhance_using_context``; the base method returns
    its results unchanged, and results arrive grouped in recognizer order already. So
    where no recognizer overrides it, keeping the results of the selected recognizers
    is the same list, and only the lemma enhancer is left to run.
    """

    def analyze(self, *args, **kwargs) -> list[RecognizerResult]:
        """Presidio's analysis; afterwards recognizers that share what they found in the
        text between each other (`forget`) drop it, so no message text lingers."""
        try:
            return super().analyze(*args, **kwargs)
        finally:
            for recognizer in self.registry.recognizers:
                if isinstance(recognizer, AddressRecognizer):
                    recognizer.forget()

    def _enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
        if any(_own_context_pass(r) for r in recognizers):
            return super()._enhance_using_context(
                text, raw_results, nlp_artifacts, recognizers, context
            )
        key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY
        ids = {r.id for r in recognizers}
        results = [r for r in raw_results if r.recognition_metadata[key] in ids]
        return self.context_aware_enhancer.enhance_using_context(
            text=text,
            raw_results=results,
            nlp_artifacts=nlp_artifacts,
            recognizers=recognizers,
            context=context,
        )


def _own_context_pass(recognizer: EntityRecognizer) -> bool:
    return type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context


def context_enhancer(conf: dict) -> LemmaContextAwareEnhancer:
    ctx = conf["context"]
    return InPlaceContextEnhancer(
        context_similarity_factor=ctx["factor"],
        min_score_with_context_similarity=ctx["min_score"],
        context_prefix_count=ctx["prefix"],
        context_suffix_count=ctx["suffix"],
    )


def build_recognizers(conf: dict) -> list[EntityRecognizer]:
    """All recognizers of the conf, in the order they are listed."""
    recognizers: list[EntityRecognizer] = [_presidio(entry) for entry in conf["presidio"]]
    identifiers = identifier_recognizers(conf["identifiers"])
    streets = next(r for r in identifiers if isinstance(r, AddressRecognizer))
    recognizers += identifiers
    recognizers += [_pattern(entry, streets) for entry in conf["patterns"]]
    recognizers += [
        CueRecognizer(
            entity=entry["entity"],
            patterns=entry["patterns"],
            name=entry["name"],
            ignore_case=entry.get("ignore_case", False),
        )
        for entry in conf["cues"]
    ]
    recognizers.append(
        BirthDateRecognizer(conf["names"], entity="DATE_OF_BIRTH", name="BirthDateRecognizer")
    )
    ids = conf["identifiers"]
    recognizers.append(
        SpokenNumberRecognizer(
            ids["address"]["street_suffixes"], ids["licence_plate"].get("official_vehicles", ())
        )
    )
    recognizers.append(NameRecognizer(conf["names"]))
    recognizers.append(CasualNameRecognizer(conf["names"]))
    recognizers.append(AttendanceRecognizer(entity="PERSON", name="AttendanceRecognizer"))
    recognizers.append(form_fields(conf))
    recognizers += trained_tagger(conf["names"])
    return recognizers


def trained_tagger(names: dict) -> list[EntityRecognizer]:
    """The trained tagger, if the conf names one (trained.py)."""
    entry = names.get("trained_model")
    if not entry:
        return []
    return [
        TrainedNameRecognizer(
            names,
            path=MODEL_DIR.parent / entry["dir"],
            score=names["scores"]["trained"],
            labels=entry["labels"],
        )
    ]


def form_fields(conf: dict) -> FormFieldRecognizer:
    """Table columns and form fields; a column's header is the cue of the conf's
    cue patterns (file numbers, dates of birth) for each of its cells."""
    cues = [
        (
            entry["entity"],
            re.compile(
                p["regex"], CASE_SENSITIVE | (re.IGNORECASE if entry.get("ignore_case") else 0)
            ),
        )
        for entry in conf["cues"]
        if entry["entity"] in ("CASE_NUMBER", "DATE_OF_BIRTH")
        for p in entry["patterns"]
    ]
    cues.append(("TAX_ID", TAX_NUMBER_CELL))  # a Steuernummer column
    names = conf["names"]
    role = rf"(?:{'|'.join(names['roles'])})(?:{names['role_suffix']})?"
    own = conf["identifiers"]["file_reference"].get("cues", ())
    return FormFieldRecognizer(names["name_fields"], names["person_fields"], cues, role, own)


def identifier_recognizers(conf: dict) -> list[EntityRecognizer]:
    """Structured identifiers of any case and grouping (identifiers.py, addresses.py)."""

    def common(key: str) -> dict:
        entry = conf[key]
        return {"entity": entry["entity"], "name": key, "cues": entry.get("cues", ())}

    plates = conf["licence_plate"]
    return [
        SocialSecurityRecognizer(**common("social_security")),
        HealthInsuranceRecognizer(**common("health_insurance")),
        IbanRecognizer(**common("iban")),
        BicRecognizer(COUNTRIES, **common("bic")),
        LicencePlateRecognizer(
            plates["not_words"],
            plates["not_abbreviations"],
            plates.get("districts", ()),
            plates.get("official_vehicles", ()),
            plates.get("fleet_columns", ()),
            plates.get("person_columns", ()),
            plates.get("devices", ()),
            **common("licence_plate"),
        ),
        CuedDocumentRecognizer(conf["id_document"]["cue_pattern"], **common("id_document")),
        MrzRecognizer(entity=conf["id_document"]["entity"], name="mrz"),
        AddressRecognizer(conf["address"], **common("address")),
        TaxNumberRecognizer(**common("tax_number")),
        FileReferenceRecognizer(**common("file_reference")),
        LabelledNumberRecognizer(entity="CASE_NUMBER", name="labelled_number"),
        ObfuscatedEmailRecognizer(
            email_domain_valid,
            conf["obfuscated_email"].get("functional_mailboxes", ()),
            **common("obfuscated_email"),
        ),
    ]


def _presidio(entry: dict) -> EntityRecognizer:
    name = entry["class"]
    cls = _REPLACED.get(name) or getattr(predefined, name)
    kwargs = {"supported_entity": entry["entity"], "supported_language": "de"}
    for key in (
        "context",
        "supported_regions",
        "score",
        "valid_score",
        "functional_mailboxes",
        "switchboard_cues",
    ):
        if key in entry:
            kwargs[key] = entry[key]
    recognizer = cls(**kwargs)
    if isinstance(recognizer, PatternRecognizer) and not name.startswith(("Iban", "Email")):
        # German patterns are written for upper case; see CASE_SENSITIVE.
        recognizer.global_regex_flags = CASE_SENSITIVE
    return recognizer


def _pattern(entry: dict, streets: AddressRecognizer) -> EntityRecognizer:
    if entry.get("kind") == "postcode_town":
        # a town is not redacted where it belongs to an office's address
        return PostcodeTownRecognizer(streets, **_pattern_kwargs(entry))
    if entry.get("kind"):
        return _KINDS[entry["kind"]](
            entity=entry["entity"],
            context=entry["context"],
            score=entry["score"],
            name=entry["name"],
        )
    return PatternRecognizer(**_pattern_kwargs(entry))


def _pattern_kwargs(entry: dict) -> dict:
    return {
        "supported_entity": entry["entity"],
        "patterns": [Pattern(p["name"], p["regex"], p["score"]) for p in entry["patterns"]],
        "context": entry.get("context"),
        "supported_language": "de",
        "name": entry["name"],
        "global_regex_flags": CASE_SENSITIVE,
    }
