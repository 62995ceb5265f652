"""What a dataset unit's text holds (issue 16): a resource's description, which often is the
only place that says what a file covers (DKAN portals name resources by their path). The
package is made up."""

from __future__ import annotations

from assistant.connectors.opendata.units import dataset_unit, resource_entries

PACKAGE = {
    "id": "d-1",
    "name": "wasserspiele",
    "title": "Wasserspiele",
    "notes": "<p>Stand: 2020</p>",
    "resources": [
        {
            "id": "r-1",
            "name": "dataset/d-1/resource/r-1",  # a path, not a name
            "format": "csv",
            "url": "http://x/files/wasserspiele_nord.csv",
            "description": "<p>Auflistung der Fontänen im Bezirk Nordufer.</p>",
        },
        {
            "id": "r-2",
            "name": "Übersicht",
            "format": "html",
            "url": "http://x/w",
            "description": "",
        },
    ],
}


def test_a_resources_description_is_in_the_units_text_not_in_its_meta():
    entries = resource_entries(PACKAGE)
    unit = dataset_unit(
        PACKAGE, portal="muster", base_url="http://x", collection="c", resources=entries
    )
    text = "\n".join(body for _, body in unit.blocks)
    assert (
        "wasserspiele_nord.csv (csv): http://x/files/wasserspiele_nord.csv – Auflistung "
        "der Fontänen im Bezirk Nordufer." in text
    )
    assert "- Übersicht (html): http://x/w\n" in text + "\n"  # no empty description
    assert all("description" not in r for r in unit.meta["resources"])
