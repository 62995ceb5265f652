"""`assistant eval` with open-data gold (issue 16): a hit counts by its dataset id (and portal).

Runs on the real Köln catalogue synced once for the module (fixture from test_opendata_sync).
"""

from __future__ import annotations

import json

from test_opendata_sync import invoke, koeln  # noqa: F401 - the module fixture

from assistant.models import Hit
from assistant.retrieval.evaluation import Question, is_hit


def test_eval_counts_a_hit_by_dataset_id_and_portal(koeln, tmp_path):  # noqa: F811
    served = koeln["served"]["results"]
    kita = next(p for p in served if p["name"] == "kindertagesstätten-köln")
    lines = [
        {"id": "d1", "question": "Kindertagesstätten in Köln", "kind": "topic",
         "dataset_id": kita["id"], "portal": "koeln"},
        {"id": "d2", "question": "Kindertagesstätten in Köln", "kind": "topic",
         "dataset_id": kita["id"], "portal": "govdata"},
        {"id": "f1", "question": "Einwohner nach Altersgruppen in Köln 2012", "kind": "figure",
         "dataset_id": "fdeb99c8-8640-4539-b342-2eeaf06eefc9", "answer": 1044555},
    ]  # fmt: skip
    path = tmp_path / "od.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), "utf-8")
    result = invoke(koeln["data"], "eval", str(path), "-k", "1,5", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    ranks = {o["id"]: o["rank"] for o in report["outcomes"]}
    assert ranks["d1"] is not None and ranks["d1"] <= 5
    assert ranks["d2"] is None  # the same id from another portal is not the gold
    assert ranks["f1"] is not None and ranks["f1"] <= 5
    assert report["overall"]["n"] == 3


def test_is_hit_by_dataset_id():
    hit = Hit(rank=1, score=1.0, doc_id="x", chunk_id="x-0", source="s", title="T", section="",
              page=None, collection="opendaten", text="t",
              meta={"kind": "opendata", "dataset_id": "abc", "portal": "koeln"})  # fmt: skip
    assert is_hit(hit, Question("1", "q", dataset_id="abc"))
    assert is_hit(hit, Question("1", "q", dataset_id="abc", portal="koeln"))
    assert not is_hit(hit, Question("1", "q", dataset_id="abc", portal="bonn"))
    assert not is_hit(hit, Question("1", "q", dataset_id="ab"))
    assert Question("1", "q", dataset_id="abc").answerable
