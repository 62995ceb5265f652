"""A city's own face of the app from a site directory outside the checkout (issue 14, item 2).

The fictional town of Kleinwalde keeps name, login title, welcome text, start
questions, no-result tip, link hosts, colour and logo in its site dir; the served
app (real browser) shows none of the sample city's wording on the login, start and
no-result screens, and no tracked file of the checkout changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser_util import (
    ASSISTANT_MESSAGES,
    CHROMIUM,
    ROOT,
    Recording,
    app_env,
    ask,
    ingest,
    launch,
    open_chat,
    screenshot_on_failure,
    start_app,
    wait_until_done,
)
from conftest import make_settings, require

from assistant.errors import ConfigError
from assistant.web.site import DEFAULT_NOTHING_FOUND_TIP, load_site, prepare_app_root

SITE_TOML = """
name = "Kleinwalde-Auskunft"
description = "Der digitale Auskunftsdienst der Stadt Kleinwalde."
login_title = "Anmeldung zur Kleinwalde-Auskunft"
nothing_found_tip = "Hinweis: Fragen Sie mit den Begriffen der Hundesteuersatzung oder rufen Sie das Bürgerbüro Kleinwalde an."
link_allowed_hosts = ["kleinwalde.de"]

[colors]
primary = "#1b5e20"

[[starters]]
label = "Hund anmelden"
frage = "Wie melde ich einen Hund zur Hundesteuer an?"

[[starters]]
label = "Sperrmüll bestellen"
frage = "Wie bestelle ich einen Termin für die Sperrmüllabfuhr?"
"""
WELCOME = "# Willkommen bei der Kleinwalde-Auskunft\n\nFragen Sie zu den Satzungen der Stadt.\n"
LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><!-- kleinwalde --></svg>'
# What the sample city's demo says and Kleinwalde's screens must not.
SAMPLE_WORDING = (
    "Amtswissen",
    "Tagegeld auf Dienstreisen",
    "Personalausweis verloren",
    "Mobiles Arbeiten",
    "Tagegeld",
    "Gleitzeit",
)
TRACKED = [".chainlit/config.toml", ".chainlit/translations/de-DE.json", "chainlit.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "public").iterdir()
)


def write_site(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    (folder / "willkommen.md").write_text(WELCOME, encoding="utf-8")
    (folder / "logo_light.svg").write_text(LOGO, encoding="utf-8")
    return folder


# --- the site and the app root, without a server ------------------------------------------


def test_without_a_site_dir_the_demo_defaults_apply(tmp_path):
    settings = make_settings(tmp_path)
    site = load_site(settings)
    assert site.name == "Amtswissen" and site.nothing_found_tip == DEFAULT_NOTHING_FOUND_TIP
    root = prepare_app_root(settings, site)
    assert root == (tmp_path / "data" / "app").resolve()
    assert (root / "chainlit.md").read_text() == (ROOT / "chainlit.md").read_text()
    assert 'name = "Amtswissen"' in (root / ".chainlit" / "config.toml").read_text()
    modes = {oct(p.stat().st_mode & 0o077) for p in [root, *root.rglob("*")]}
    assert modes == {"0o0"}, modes  # the data dir is the service's alone


def test_site_dir_overrides_name_texts_logo_colours_and_adds_link_hosts(tmp_path):
    settings = make_settings(
        tmp_path, site_dir=write_site(tmp_path / "site"), link_allowed_hosts=["landkreis.de"]
    )
    site = load_site(settings)
    assert site.starters[0] == ("Hund anmelden", "Wie melde ich einen Hund zur Hundesteuer an?")
    assert site.link_allowed_hosts == ("landkreis.de", "kleinwalde.de")
    root = prepare_app_root(settings, site)
    config = (root / ".chainlit" / "config.toml").read_text()
    assert 'name = "Kleinwalde-Auskunft"' in config and "Kleinwalde." in config
    german = json.loads((root / ".chainlit" / "translations" / "de-DE.json").read_text())
    assert german["auth"]["login"]["title"] == "Anmeldung zur Kleinwalde-Auskunft"
    assert (root / "chainlit.md").read_text() == WELCOME
    assert (root / "public" / "logo_light.svg").read_text() == LOGO
    assert "--primary: 124 55% 24%" in (root / "public" / "amtswissen.css").read_text()
    # a second start rebuilds from the shipped files: a removed override is gone again
    (tmp_path / "site" / "willkommen.md").unlink()
    root = prepare_app_root(settings)
    assert "Willkommen bei der Kleinwalde" not in (root / "chainlit.md").read_text()
    assert "Kleinwalde-Auskunft" in (root / "chainlit.md").read_text()  # the name, though


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("name = [", "keine gültige TOML-Datei"),
        ('titel = "x"', "unbekannte Einträge titel"),
        ('[[starters]]\nlabel = "x"', "„label“ und „frage“"),
        (
            '[[starters]]\nlabel = "x"\nfrage = "y"\ntitel = "z"',
            "site.toml: unbekannte Einträge titel",
        ),
        ('[colors]\nprimary = "grün"', "#rrggbb"),
        ("link_allowed_hosts = 3", "Liste von Texten"),
    ],
)
def test_a_wrong_site_file_is_a_german_error(tmp_path, text, says):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "site.toml").write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_site(make_settings(tmp_path, site_dir=tmp_path / "site"))
    assert says in raised.value.message and "docs/de/standort.md" in raised.value.hint


def test_a_missing_site_dir_is_refused_by_serve(tmp_path):
    env = app_env(tmp_path / "data", "http://127.0.0.1:9", ASSISTANT_SITE_DIR=str(tmp_path / "x"))
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "serve", "--port", "9"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1 and "Standortverzeichnis" in done.stdout + done.stderr


# --- served, in the browser --------------------------------------------------------------


def _digests() -> dict[str, str]:
    return {p: hashlib.sha256((ROOT / p).read_bytes()).hexdigest() for p in TRACKED}


def _visible_text(page) -> str:
    return page.evaluate("() => document.title + '\\n' + document.body.innerText")


def _left_over(text: str) -> list[str]:
    return [w for w in SAMPLE_WORDING if w in text]


def test_the_served_app_speaks_for_kleinwalde(tmp_path, ollama_server):
    from playwright.sync_api import sync_playwright

    require(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM} (set CHROMIUM_PATH)")
    ollama_server.start()
    ollama_server.reset()
    before = _digests()
    env = app_env(
        tmp_path / "data", ollama_server.url, ASSISTANT_SITE_DIR=str(write_site(tmp_path / "site"))
    )
    doc = tmp_path / "sperrmuell.md"
    doc.write_text(
        "# Satzung über die Sperrmüllabfuhr\n\n## § 1 Termine\n\nSperrmüll wird zweimal im Jahr "
        "auf Bestellung beim Bürgerbüro abgeholt; die Bestellung ist gebührenfrei.\n"
    )
    ingest([doc], env, tmp_path / "ingest.log")
    app = start_app(env, tmp_path / "app.log")
    try:
        with sync_playwright() as playwright:
            context = launch(playwright, tmp_path / "profile", Recording())
            page = context.new_page()
            page.set_default_timeout(30_000)
            with screenshot_on_failure(page, tmp_path / "login.png"):
                page.goto(f"{app.url}/login")
                page.get_by_text("Anmeldung zur Kleinwalde-Auskunft").wait_for()
                assert not _left_over(_visible_text(page)), _visible_text(page)
            with screenshot_on_failure(page, tmp_path / "start.png"):
                open_chat(page, app.url)
                page.get_by_text("Hund anmelden").wait_for()
                page.get_by_text("Sperrmüll bestellen").wait_for()
                text = _visible_text(page)
                assert "Kleinwalde-Auskunft" in text and not _left_over(text), text
            with screenshot_on_failure(page, tmp_path / "nothing.png"):
                shown = page.locator(ASSISTANT_MESSAGES).count()
                ask(page, "Wann blüht der Flieder im Stadtpark?")
                answer = page.locator(f"{ASSISTANT_MESSAGES} >> nth={shown}")
                answer.wait_for()
                wait_until_done(page)
                page.get_by_text("Bürgerbüro Kleinwalde").wait_for()
                text = _visible_text(page)
                assert not _left_over(text), text
            settings = page.request.get(f"{app.url}/project/settings?language=de-DE").json()
            assert settings["markdown"] == WELCOME
            assert page.request.get(f"{app.url}/logo?theme=light").text() == LOGO
            context.close()
    finally:
        app.stop()
    assert _digests() == before  # the checkout's files are untouched
