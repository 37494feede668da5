"""The UI reads fully in Chinese: every catalogue is complete, and every string the code and the
templates mark for translation has a Chinese translation in some catalogue.

Strings are found the way `makemessages` finds them (Django's templatize for templates, then a
Python gettext extractor), so a string added without updating the catalogue fails here rather
than showing up in English on a resident's phone.
"""

import io
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_python
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "jinlin"
CATALOGUES = sorted(PACKAGE.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "gettext_lazy": None,
    "ngettext_lazy": (1, 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext_lazy": ((1, "c"), 2, 3),
    "gettext_noop": None,
}
SKIPPED_DIRS = {"tests", "migrations", "locale", "__pycache__"}


def _read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def _sources():
    for path in sorted(PACKAGE.rglob("*")):
        if SKIPPED_DIRS & set(path.relative_to(PACKAGE).parts):
            continue
        if path.suffix == ".py":
            yield path, path.read_text(encoding="utf-8")
        elif path.suffix in (".html", ".txt") and "templates" in path.parts:
            # templatize writes gettext calls among filler for xgettext, which ignores layout;
            # Python's tokenizer does not, so indentation is dropped (line numbers stay).
            code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
            yield path, "\n".join(line.lstrip() for line in code.splitlines())


def _marked_strings():
    for path, code in _sources():
        found = extract_python(io.BytesIO(code.encode("utf-8")), KEYWORDS, [], {})
        for lineno, _funcname, messages, _comments in found:
            messages = messages if isinstance(messages, tuple) else (messages,)
            if not messages or not messages[0]:
                continue
            context = None
            if _funcname in ("pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"):
                context, messages = messages[0], messages[1:]
            yield f"{path.relative_to(ROOT)}:{lineno}", context, messages[0]


def test_there_are_catalogues_for_the_shell_and_the_core_app():
    assert PACKAGE / "locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES
    assert PACKAGE / "core/locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_has_every_message_translated_and_nothing_fuzzy(path):
    catalogue = _read(path)
    assert not catalogue.fuzzy, "the header is marked fuzzy: Babel would skip the whole catalogue"
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert problems == []


def test_every_marked_string_has_a_chinese_translation():
    # Django's own catalogues count too: a template that reuses an admin string ("Welcome,")
    # is translated at run time by Django's catalogue.
    import django

    django_catalogues = Path(django.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    translated = set()
    for path in [*CATALOGUES, *django_catalogues]:
        for message in _read(path):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and all(strings) and not message.fuzzy:
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                translated.add((message.context, key))
    missing = sorted(
        {f"{where}: {msgid!r}" for where, context, msgid in _marked_strings() if (context, msgid) not in translated}
    )
    assert missing == [], "run makemessages for the app and translate:\n" + "\n".join(missing)
