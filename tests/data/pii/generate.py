"""Generate the synthetic PII sets (fixed seed; all values fictitious).

    .venv/bin/python tests/data/pii/generate.py

* ``synthetic.jsonl``: staff questions with personal data, one JSON object per
  line: ``{"text": ..., "spans": [[start, end, TYPE], ...]}``;
* ``clean.jsonl``: admin messages without personal data (laws, amounts, dates,
  offices, file plan numbers): ``{"text": ...}``.

Templates are in ``templates.py``; values come from Faker ``de_DE`` and from
the generators below (valid check digits where the format has one).
"""

from __future__ import annotations

import json
import random
import re
import string
import sys
from pathlib import Path

from faker import Faker

sys.path.insert(0, str(Path(__file__).parent))
from templates import CLEAN_FILLERS, CLEAN_TEMPLATES, PII_TEMPLATES

HERE = Path(__file__).parent
SEED = 20240601
ICAO = "CFGHJKLMNPRTVWXYZ"
AREA_CODES = [
    "0611",
    "06131",
    "0261",
    "0651",
    "0621",
    "030",
    "089",
    "040",
    "0221",
    "069",
    "0711",
    "0228",
    "06221",
    "0631",
    "06341",
]
MOBILE = ["0151", "0152", "0160", "0162", "0170", "0171", "0172", "0175", "0176", "0179"]


class Values:
    """Fictitious values of every slot type."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fake = Faker("de_DE")
        self.fake.seed_instance(rng.randrange(10**9))
        self.foreign = [Faker(loc) for loc in ("tr_TR", "pl_PL", "it_IT", "en_US", "hr_HR")]
        for faker in self.foreign:
            faker.seed_instance(rng.randrange(10**9))

    def _person_faker(self) -> Faker:
        return self.rng.choice(self.foreign) if self.rng.random() < 0.25 else self.fake

    def first(self) -> str:
        return self._person_faker().first_name()

    def last(self) -> str:
        name = self._person_faker().last_name()
        if self.rng.random() < 0.08:
            name += "-" + self.fake.last_name()
        return name

    def name(self) -> str:
        return f"{self.first()} {self.last()}"

    def street(self) -> str:
        number = str(self.rng.randint(1, 180)) + self.rng.choice(["", "", "", "a", "b"])
        if self.rng.random() < 0.15:
            place = self.rng.choice(["Am Markt", "Im Wiesengrund", "An der Kirche", "Auf der Höhe"])
            return f"{place} {number}"
        return f"{self.fake.street_name()} {number}"

    def address(self) -> str:
        return f"{self.street()}, {self.fake.postcode()} {self.fake.city_name()}"

    def iban(self) -> str:
        iban = self.fake.iban()
        if self.rng.random() < 0.6:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def taxid(self) -> str:
        while True:
            digits = [self.rng.randint(1, 9)] + [self.rng.randint(0, 9) for _ in range(9)]
            if max(digits.count(d) for d in digits) <= 3 and len(set(digits)) < 10:
                break
        product = 10
        for d in digits:
            total = (d + product) % 10 or 10
            product = (total * 2) % 11
        number = "".join(map(str, digits)) + str((11 - product) % 10)
        if self.rng.random() < 0.5:
            return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}"
        return number

    def svnr(self) -> str:
        birth = self.fake.date_of_birth(minimum_age=18, maximum_age=80)
        body = f"{self.rng.randint(10, 89)}{birth:%d%m%y}"
        letter = self.rng.choice(string.ascii_uppercase)
        serial = f"{self.rng.randint(0, 99):02d}"
        digits = body + f"{ord(letter) - 64:02d}" + serial
        weights = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1]
        total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(digits, weights))
        return f"{body}{letter}{serial}{total % 10}"

    def kvnr(self) -> str:
        letter = self.rng.choice(string.ascii_uppercase)
        digits = [self.rng.randint(0, 9) for _ in range(8)]
        values = [int(c) for c in f"{ord(letter) - 64:02d}"] + digits
        total = sum(sum(divmod(v * (1 if i % 2 == 0 else 2), 10)) for i, v in enumerate(values))
        return f"{letter}{''.join(map(str, digits))}{total % 10}"

    def phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.35:
            prefix, number = rng.choice(MOBILE), str(rng.randint(1000000, 9999999))
        else:
            prefix, number = rng.choice(AREA_CODES), str(rng.randint(10000, 9999999))
        style = rng.randrange(5)
        if style == 0:
            return f"+49 {prefix[1:]} {number}"
        if style == 1:
            return f"{prefix}/{number}"
        if style == 2:
            return f"{prefix}-{number}"
        if style == 3:
            return f"+49 (0){prefix[1:]} {number}"
        return f"{prefix} {number}"

    def email(self) -> str:
        return self.rng.choice([self.fake.free_email, self.fake.email, self.fake.company_email])()

    def idcard(self) -> str:
        serial = self.rng.choice("LMNPRTVWXY") + "".join(
            self.rng.choice(ICAO + "0123456789") for _ in range(8)
        )
        if not any(c.isdigit() for c in serial):
            serial = serial[:-1] + "7"
        return serial

    def dob(self) -> str:
        birth = self.fake.date_of_birth(minimum_age=1, maximum_age=95)
        months = [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ]
        return self.rng.choice(
            [
                f"{birth:%d.%m.%Y}",
                f"{birth.day}. {months[birth.month - 1]} {birth.year}",
                f"{birth:%d.%m.%Y}",
                f"{birth.day}.{birth.month}.{birth.year}",
            ]
        )

    def az(self) -> str:
        rng = self.rng
        return rng.choice(
            [
                f"{rng.randint(10, 99)}-{rng.randint(1, 999)}/{rng.randint(2019, 2025)}",
                f"{rng.randint(100, 999)}.{rng.randint(10, 99)}.{rng.randint(1000, 9999)}",
                f"5.{rng.randint(1000, 9999)}.{rng.randint(100000, 999999)}.{rng.randint(1, 9)}",
                f"KD-{rng.randint(100000, 999999)}",
                str(rng.randint(1000000, 99999999)),
            ]
        )

    def bic(self) -> str:
        return self.fake.swift(length=self.rng.choice([8, 11]))

    def plate(self) -> str:
        letters = "".join(self.rng.choice(string.ascii_uppercase) for _ in range(2))
        return f"{self.rng.choice(['MZ', 'TR', 'KO', 'LU', 'WI'])}-{letters} {self.rng.randint(1, 9999)}"


SLOT_TYPES = {
    "first": "PERSON",
    "last": "PERSON",
    "name": "PERSON",
    "street": "ADDRESS",
    "address": "ADDRESS",
    "iban": "IBAN",
    "taxid": "TAX_ID",
    "svnr": "SOCIAL_SECURITY",
    "kvnr": "HEALTH_INSURANCE",
    "phone": "PHONE",
    "email": "EMAIL",
    "idcard": "ID_CARD",
    "dob": "DATE_OF_BIRTH",
    "az": "CASE_NUMBER",
    "bic": "BIC",
    "plate": "LICENCE_PLATE",
}
SLOT = re.compile(r"\{(\w+)\}")


def fill(template: str, values: Values) -> dict:
    """Fill a template's slots, recording the span and type of every value."""
    text, spans, pos = "", [], 0
    for match in SLOT.finditer(template):
        text += template[pos : match.start()]
        value = getattr(values, match.group(1))()
        spans.append([len(text), len(text) + len(value), SLOT_TYPES[match.group(1)]])
        text += value
        pos = match.end()
    return {"text": text + template[pos:], "spans": spans}


def clean_message(template: str, rng: random.Random) -> dict:
    return {"text": SLOT.sub(lambda m: rng.choice(CLEAN_FILLERS[m.group(1)]), template)}


def main() -> None:
    rng = random.Random(SEED)
    values = Values(rng)
    synthetic = [fill(t, values) for t in PII_TEMPLATES for _ in range(13)]
    rng.shuffle(synthetic)
    clean = [clean_message(t, rng) for t in CLEAN_TEMPLATES for _ in range(3)]
    for name, rows in (("synthetic.jsonl", synthetic), ("clean.jsonl", clean)):
        lines = (json.dumps(row, ensure_ascii=False) for row in rows)
        (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(rows)} messages")


if __name__ == "__main__":
    main()
