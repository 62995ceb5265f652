"""A city's own face of the app: name, logo, colours, texts – outside the checkout.

`ASSISTANT_SITE_DIR` names a directory the city keeps (e.g. /etc/amtswissen/site):

    site.toml        name, description, login title, start questions, no-result tip,
                     link hosts, colours (every key optional; see docs/de/standort.md)
    willkommen.md    the welcome page (replaces the shipped chainlit.md)
    logo_light.*     logos and favicon (svg or png), replace the shipped ones in public/
    logo_dark.*
    favicon.*

Chainlit reads `.chainlit/config.toml`, its translations, `chainlit.md` and `public/`
from its app root. Instead of editing those tracked files (a `git pull` would then
conflict), `prepare_app_root` builds an app root under the data dir from the shipped
files plus the site's overrides at every start; the launcher points Chainlit at it
(CHAINLIT_APP_ROOT). Without a site dir the shipped demo defaults apply.
"""

from __future__ import annotations

import colorsys
import fcntl
import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import ConfigError
from assistant.host import tighten_permissions

if TYPE_CHECKING:
    from assistant.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SITE_FILE = "site.toml"
WELCOME_FILE = "willkommen.md"
LOGOS = ("logo_light", "logo_dark", "favicon")
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".ico")

DEFAULT_NAME = "Amtswissen"
DEFAULT_DESCRIPTION = (
    "KI-Assistent der Stadtverwaltung – Antworten aus den eigenen Leitlinien, mit Quellen."
)
# (label, question): typical questions that the sample documents in knowledge/ answer.
DEFAULT_STARTERS = (
    ("Tagegeld auf Dienstreisen", "Wie hoch ist das Tagegeld bei einer ganztägigen Dienstreise?"),
    ("Mobiles Arbeiten", "Wie viele Tage pro Woche darf ich mobil arbeiten?"),
    ("Passwortregeln", "Welche Anforderungen gelten für mein Passwort?"),
    (
        "Personalausweis verloren",
        "Was muss eine Bürgerin tun, wenn ihr Personalausweis verloren ist?",
    ),
)
DEFAULT_NOTHING_FOUND_TIP = (
    "Tipp: Fragen Sie mit den Fachbegriffen der Dienstanweisungen (z. B. „Tagegeld“, "
    "„Gleitzeit“, „Präsenztage“) oder wenden Sie sich an die zuständige Stelle."
)
_KEYS = {
    "name",
    "description",
    "login_title",
    "starters",
    "nothing_found_tip",
    "link_allowed_hosts",
    "colors",
}
_COLOR_KEYS = {"primary", "primary_dark"}
_STARTER_KEYS = {"label", "frage"}


@dataclass(frozen=True)
class Site:
    """What the chat shows that belongs to one city (the demo's values by default)."""

    name: str = DEFAULT_NAME
    description: str = DEFAULT_DESCRIPTION
    login_title: str = ""  # empty: "Bitte melden Sie sich an, um {name} zu nutzen"
    starters: tuple[tuple[str, str], ...] = DEFAULT_STARTERS
    nothing_found_tip: str = DEFAULT_NOTHING_FOUND_TIP
    link_allowed_hosts: tuple[str, ...] = ()
    colors: dict[str, str] = field(default_factory=dict)  # "#rrggbb" by key
    directory: Path | None = None

    @property
    def login(self) -> str:
        return self.login_title or f"Bitte melden Sie sich an, um {self.name} zu nutzen"


def load_site(settings: Settings) -> Site:
    """The site of `settings.site_dir` (its site.toml), or the demo defaults. The link
    hosts are the setting's plus the site's. A wrong file is a German ConfigError."""
    hosts = tuple(settings.link_allowed_hosts)
    directory = settings.site_dir
    if directory is None:
        return Site(link_allowed_hosts=hosts)
    if not directory.is_dir():
        raise ConfigError(
            f"Das Standortverzeichnis {directory} gibt es nicht.",
            code="site",
            hint="ASSISTANT_SITE_DIR prüfen (docs/de/standort.md).",
        )
    raw = _read_toml(directory / SITE_FILE)
    site = Site(
        name=_text(raw, "name", DEFAULT_NAME),
        description=_text(raw, "description", DEFAULT_DESCRIPTION),
        login_title=_text(raw, "login_title", ""),
        starters=_starters(raw.get("starters"), directory / SITE_FILE),
        nothing_found_tip=_text(raw, "nothing_found_tip", DEFAULT_NOTHING_FOUND_TIP),
        link_allowed_hosts=hosts + tuple(_strings(raw.get("link_allowed_hosts", []))),
        colors=_colors(raw.get("colors", {})),
        directory=directory,
    )
    return site


def _read_toml(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _bad(f"{path} ist keine gültige TOML-Datei ({exc}).") from None
    if unknown := sorted(set(raw) - _KEYS):
        raise _bad(f"{path}: unbekannte Einträge {', '.join(unknown)}.")
    return raw


def _bad(message: str) -> ConfigError:
    return ConfigError(
        message, code="site", hint="Erlaubte Einträge und ein Beispiel: docs/de/standort.md."
    )


def _text(raw: dict, key: str, default: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise _bad(f"site.toml: „{key}“ muss ein Text sein.")
    return value.strip()


def _strings(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad("site.toml: „link_allowed_hosts“ muss eine Liste von Texten sein.")
    return [v.strip() for v in value if v.strip()]


def _starters(value, path: Path) -> tuple[tuple[str, str], ...]:
    if value is None:
        return DEFAULT_STARTERS
    ok = isinstance(value, list) and all(
        isinstance(s, dict) and isinstance(s.get("label"), str) and isinstance(s.get("frage"), str)
        for s in value
    )
    if not ok:
        raise _bad("site.toml: jede Startfrage braucht „label“ und „frage“ ([[starters]]).")
    # A misspelt key (`titel` for `label`) would otherwise vanish without a word.
    if unknown := sorted({key for s in value for key in s} - _STARTER_KEYS):
        raise _bad(
            f"{path}: unbekannte Einträge {', '.join(unknown)} in [[starters]] "
            "(erlaubt sind „label“ und „frage“)."
        )
    return tuple((s["label"].strip(), s["frage"].strip()) for s in value)


def _colors(value) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) - _COLOR_KEYS:
        raise _bad("site.toml: unter [colors] gibt es nur primary und primary_dark.")
    for key, color in value.items():
        if not (isinstance(color, str) and re.fullmatch(r"#[0-9a-fA-F]{6}", color)):
            raise _bad(f"site.toml: Farbe „{key}“ bitte als #rrggbb angeben.")
    return dict(value)


# --- the app root Chainlit runs in -------------------------------------------------------


def prepare_app_root(settings: Settings, site: Site | None = None) -> Path:
    """Build `<data dir>/app` from the shipped files and the site's overrides; return it.
    Rebuilt at every start, so a new release's shipped files always arrive. Several app
    processes share it: one builds at a time (a lock file), into a staging folder whose
    parts then replace the old ones by rename, so a running process never reads a half
    built or missing file while another one starts."""
    site = site or load_site(settings)
    data = settings.ensure_data_dir().resolve()
    root = data / "app"
    with open(data / "app.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        root.mkdir(mode=0o700, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".app-", dir=data))
        try:
            _build_app_parts(staging, site)
            tighten_permissions(staging)  # copies keep the checkout's 0644
            for part in _APP_PARTS:
                old = staging / f"{part}.old"
                if (root / part).exists():
                    os.rename(root / part, old)
                os.rename(staging / part, root / part)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return root


_APP_PARTS = (".chainlit", "public", "chainlit.md")


def _build_app_parts(root: Path, site: Site) -> None:
    shutil.copytree(
        PROJECT_ROOT / ".chainlit" / "translations", root / ".chainlit" / "translations"
    )
    _write(root / ".chainlit" / "config.toml", _config_toml(site))
    _brand_translations(root / ".chainlit" / "translations", site)
    _write(root / "chainlit.md", _welcome(site))
    shutil.copytree(PROJECT_ROOT / "public", root / "public")
    _overlay_logos(root / "public", site)
    if site.colors:
        css = root / "public" / "amtswissen.css"
        css.write_text(css.read_text(encoding="utf-8") + _color_css(site.colors), encoding="utf-8")


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _config_toml(site: Site) -> str:
    """The shipped config.toml with the site's name and description in [UI]."""
    text = (PROJECT_ROOT / ".chainlit" / "config.toml").read_text(encoding="utf-8")
    for key, value in (("name", site.name), ("description", site.description)):
        line = f"{key} = {json.dumps(value, ensure_ascii=False)}"
        text, found = re.subn(rf"(?m)^{key} = .*$", lambda _m, line=line: line, text, count=1)
        if not found:
            raise ConfigError(f".chainlit/config.toml hat keinen Eintrag „{key}“.", code="site")
    return text


def _brand_translations(folder: Path, site: Site) -> None:
    """The site's login title in the German texts (the only one that names the app)."""
    path = folder / "de-DE.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["auth"]["login"]["title"] = site.login
    path.write_text(json.dumps(data, ensure_ascii=False, indent=4), encoding="utf-8")


def _welcome(site: Site) -> str:
    own = site.directory / WELCOME_FILE if site.directory else None
    if own and own.exists():
        return own.read_text(encoding="utf-8")
    text = (PROJECT_ROOT / "chainlit.md").read_text(encoding="utf-8")
    return text.replace(DEFAULT_NAME, site.name)


def _overlay_logos(public: Path, site: Site) -> None:
    """A site's logo_light.svg (or .png …) replaces the shipped logo of that name: Chainlit
    serves the first `logo_light.*` it finds, so the shipped one goes."""
    if site.directory is None:
        return
    for stem in LOGOS:
        own = [p for p in site.directory.glob(f"{stem}.*") if p.suffix.lower() in LOGO_SUFFIXES]
        if own:
            for shipped in public.glob(f"{stem}.*"):
                shipped.unlink()
            shutil.copyfile(own[0], public / own[0].name.lower())


def _color_css(colors: dict[str, str]) -> str:
    rules = ["\n/* The city's colours (site.toml [colors]). */"]
    for key, selector in (("primary", ":root"), ("primary_dark", ":root.dark")):
        if key in colors:
            hsl = _hsl(colors[key])
            rules.append(
                f"{selector} {{\n  --primary: {hsl} !important;\n  --ring: {hsl} !important;\n}}"
            )
    return "\n".join(rules) + "\n"


def _hsl(hex_color: str) -> str:
    """`#1b5e20` as Chainlit's CSS variables want it: `123 55% 24%`."""
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    return f"{round(h * 360)} {round(s * 100)}% {round(lightness * 100)}%"
