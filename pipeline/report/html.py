"""The Jinja2 environment of the HTML pages: templates beside this module, every value escaped (a submission
containing markup shows as text), and the filters the templates share. The review page (pipeline.review)
renders the same templates in its Flask environment, set up by the same `configure`."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .quarter import FLAG_VERDICT_LABELS, LEVEL_NAMES, percent

TEMPLATES = Path(__file__).parent / "templates"
# a template naming a missing value is a bug to see, not a blank to print
OPTIONS = {"undefined": StrictUndefined, "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}


def configure(env: Environment) -> Environment:
    """The filters and names every xuexi page uses."""
    env.filters["percent"] = percent
    env.filters["local_time"] = local_time
    env.globals["LEVEL_NAMES"] = LEVEL_NAMES
    env.globals["VERDICT_LABELS"] = FLAG_VERDICT_LABELS
    return env


@lru_cache(maxsize=1)
def environment() -> Environment:
    return configure(Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), **OPTIONS))


def render_page(template: str, path: Path, **context) -> Path:
    """Render `template` with `context` to `path` (UTF-8), creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(environment().get_template(template).render(**context), encoding="utf-8")
    return path


def local_time(moment: str) -> str:
    """An archive time (ISO 8601, UTC) as this machine's local time to the minute: 2026-07-01 14:03."""
    try:
        return datetime.fromisoformat(moment).astimezone().strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return moment or ""
