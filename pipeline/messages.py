"""The language xuexi speaks on the screen, and its one message catalogue (gettext, managed with Babel).

Chinese first. Every message is written in Chinese in the code: that text is the msgid, so what a secretary reads
in results.json, summary.html and the 通报 comes straight from the code and never depends on a catalogue being
found. The catalogue (pipeline/locale, domain "xuexi") holds the English of those messages, for a screen whose
locale asks for English, and the Chinese of the few English strings of the command-line library (typer: "Usage:",
"Options" …), for every other screen.

- `_(msgid, **params)`: a text for the screen (help, progress, the closing table), in the screen's language.
- `N_(msgid, **params)`: a reason kept in results (an error's message, a failed file's reason): always Chinese.
- `shown(text)`: such a kept reason in the screen's language; it is read back through the catalogue's templates,
  so a reason read from results.json is shown in English too (and typer's English usage errors in Chinese).

The screen's language comes from LANGUAGE, LC_ALL, LC_MESSAGES, LANG (the first one set, as gettext reads them):
English for en*, Chinese for anything else, unset or C included.

To change a message: edit the code, then `sh pipeline/locale/update.sh` and fill in the new entries of
pipeline/locale/*/LC_MESSAGES/xuexi.po (tests/test_messages.py fails while a message has no translation)."""

from __future__ import annotations

import gettext
import os
import re
import string
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "xuexi"
CATALOGUES = {"zh": "zh_CN", "en": "en"}  # screen language -> catalogue folder
LANGUAGE_LIST = ":"  # LANGUAGE may list several, first choice first (zh_CN:en)


def language(environ=os.environ) -> str:
    """"en" when the locale asks for English, else "zh" (Chinese by default)."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            first = value.split(LANGUAGE_LIST)[0]
            return "en" if first.lower().startswith("en") else "zh"
    return "zh"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOGUES[lang]], fallback=True)


def _(msgid: str, **params) -> str:
    """`msgid` in the screen's language, with `params` filled in."""
    text = catalogue(language()).gettext(msgid)
    return text.format(**params) if params else text


def N_(msgid: str, **params) -> str:
    """A reason kept in results: `msgid` (Chinese) with `params` filled in; `shown` translates it for the screen."""
    return msgid.format(**params) if params else msgid


def shown(text: object) -> str:
    """A reason made by N_ (or a message typer wrote in English) in the screen's language: its translation when
    the screen's catalogue has its template; otherwise the text as it is."""
    return _Templates.of(language()).translate(str(text))


class _Templates:
    """The catalogue's messages with fields, as patterns that read the fields back out of a filled-in text."""

    def __init__(self, translations: gettext.NullTranslations):
        plain = getattr(translations, "_catalog", {})
        self.exact = {k: v for k, v in plain.items() if isinstance(k, str) and k and v}
        self.patterns = sorted(((self._pattern(k), v) for k, v in self.exact.items() if _named_fields(k)),
                               key=lambda item: -len(item[0].pattern))  # the most specific template first

    @classmethod
    @lru_cache(maxsize=None)
    def of(cls, lang: str) -> "_Templates":
        return cls(catalogue(lang))

    @staticmethod
    def _pattern(msgid: str) -> re.Pattern:
        out, groups = [], {}
        for literal, field, _spec, _conv in string.Formatter().parse(msgid):
            out.append(re.escape(literal))
            if field is None:
                continue
            if field in groups:  # the same value again
                out.append(f"(?P={groups[field]})")
            else:
                groups[field] = f"f{len(groups)}_{field}"
                out.append(f"(?P<{groups[field]}>.+?)")
        return re.compile("".join(out), re.S)

    def translate(self, text: str) -> str:
        if text in self.exact:
            return self.exact[text]
        for pattern, target in self.patterns:
            m = pattern.fullmatch(text)
            if m:
                values = {k.split("_", 1)[1]: shown(v) for k, v in m.groupdict().items()}
                return _unformatted(target).format(**values)
        return text


def _unformatted(template: str) -> str:
    """The template with its format specs dropped: the values read back are already formatted text."""
    return "".join(literal.replace("{", "{{").replace("}", "}}") + ("" if field is None else "{" + field + "}")
                   for literal, field, _spec, _conv in string.Formatter().parse(template))


def _named_fields(template: str) -> bool:
    """The template has fields, each with a name (typer's "[default: {}]" is filled in by position)."""
    fields = [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]
    return bool(fields) and all(f.isidentifier() for f in fields)
