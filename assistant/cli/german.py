"""Click's own words in German: usage line, headings, help option, usage errors.

Click marks its texts for gettext (each module does `from gettext import
gettext as _`) but ships no catalogue, so `assistant --help` said "Usage:" and
a missing argument "Missing argument". `install()` puts this small catalogue
into those modules' `_` and `ngettext`; a text not listed here stays as Click
wrote it. Only the CLI process calls it; nothing else uses Click.
"""

from __future__ import annotations

import importlib

import click

TEXTS = {
    "%(prog)s, version %(version)s": "%(prog)s, Version %(version)s",
    "Aborted!": "Abgebrochen.",
    "Commands": "Befehle",
    "Options": "Optionen",
    "Positional arguments": "Argumente",
    "Usage:": "Aufruf:",
    "Show the version and exit.": "Version anzeigen und beenden.",
    "Show this message and exit.": "Diese Hilfe anzeigen und beenden.",
    "Confirm the action without prompting.": "Ohne Rückfrage bestätigen.",
    "Do you want to continue?": "Fortfahren?",
    "Repeat for confirmation": "Zur Bestätigung wiederholen",
    "Error: The two entered values do not match.": "Fehler: Die beiden Eingaben sind verschieden.",
    "Error: invalid input": "Fehler: ungültige Eingabe",
    "Try '{command} {option}' for help.": "Hilfe: '{command} {option}'",
    "Error: {message}": "Fehler: {message}",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Missing argument": "Es fehlt das Argument",
    "Missing option": "Es fehlt die Option",
    "Missing parameter": "Es fehlt die Angabe",
    "Missing parameter: {param_name}": "Es fehlt die Angabe {param_name}",
    "Missing command.": "Es fehlt der Befehl.",
    "Missing {param_type}": "Es fehlt: {param_type}",
    "No such command {name!r}.": "Den Befehl {name!r} gibt es nicht.",
    "No such option {name!r}.": "Die Option {name!r} gibt es nicht.",
    "Option {name!r} does not take a value.": "Die Option {name!r} nimmt keinen Wert an.",
    "Argument {name!r} takes {nargs} values.": "Das Argument {name!r} braucht {nargs} Werte.",
    "Could not open file {filename!r}: {message}": "Die Datei {filename!r} lässt sich nicht "
    "öffnen: {message}",
    "default: {default}": "Standard: {default}",
    "env var: {var}": "Umgebungsvariable: {var}",
    "deprecated": "veraltet",
    "file": "Datei",
    "directory": "Ordner",
    "path": "Pfad",
    "{name} {filename!r} does not exist.": "{name} {filename!r} gibt es nicht.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} ist ein Ordner.",
    "{name} {filename!r} is a file.": "{name} {filename!r} ist eine Datei.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} ist nicht lesbar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} ist nicht beschreibbar.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} ist nicht ausführbar.",
    "{value!r} is not a valid {number_type}.": "{value!r} ist keine gültige Zahl ({number_type}).",
    "{value} is not in the range {range}.": "{value} liegt nicht im Bereich {range}.",
    "Choose from:\n\t{choices}": "Möglich sind:\n\t{choices}",
}
# (singular, plural) -> (German singular, German plural)
PLURALS = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Überzähliges Argument ({args})",
        "Überzählige Argumente ({args})",
    ),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Meinten Sie {possibility}?",
        "(Meinten Sie eines von: {possibilities}?)",
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "{value!r} ist nicht {choice}.",
        "{value!r} ist keines von {choices}.",
    ),
    (
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ): (
        "{value!r} passt nicht zum Format {format}.",
        "{value!r} passt zu keinem der Formate {formats}.",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "Die Option {name!r} braucht einen Wert.",
        "Die Option {name!r} braucht {nargs} Werte.",
    ),
}
_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def gettext(message: str) -> str:
    return TEXTS.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    german = PLURALS.get((singular, plural))
    if german is None:
        return singular if n == 1 else plural
    return german[0] if n == 1 else german[1]


def install() -> None:
    """Point Click's gettext hooks at this catalogue (idempotent)."""
    for name in _MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = gettext
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext


def usage_words(command: click.Command) -> None:
    """`[OPTIONEN]` and `BEFEHL [ARGUMENTE]...` in the usage lines of `command` and below."""
    command.options_metavar = "[OPTIONEN]"
    if isinstance(command, click.Group):
        command.subcommand_metavar = "BEFEHL [ARGUMENTE]..."
        for sub in command.commands.values():
            usage_words(sub)
