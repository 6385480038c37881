"""The Jinja2 environment of the HTML pages: templates beside this module, every value escaped (a submission
containing markup shows as text), and the filters the templates share."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .quarter import LEVEL_NAMES, percent

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a template naming a missing value is a bug to see, not a blank to print
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["percent"] = percent
    env.globals["LEVEL_NAMES"] = LEVEL_NAMES
    return env


def render_page(template: str, path: Path, **context) -> Path:
    """Render `template` with `context` to `path` (UTF-8), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(environment().get_template(template).render(**context), encoding="utf-8")
    return path
