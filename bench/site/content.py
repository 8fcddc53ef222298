"""Read the site's hand-written pages: YAML front matter plus Markdown, rendered to HTML.

A page file starts with a ``---`` line, its front matter (a YAML mapping), another ``---``
line, then the Markdown body. Every problem is one BenchError that names the file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
import yaml
from markupsafe import Markup

from bench import paths
from bench.errors import BenchError

INDEX_KEYS = ("title", "date", "summary", "author")
MODEL_KEYS = ("title", "summary")
MARKDOWN_EXTENSIONS = ("tables", "footnotes", "toc", "fenced_code")
MARKDOWN_CONFIG = {
    # Number footnotes in the order the text cites them, not the order they are defined.
    "footnotes": {"USE_DEFINITION_ORDER": False},
    "toc": {"permalink": "#", "permalink_title": "Link to this section"},
}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_SECTION_START = re.compile(r'(?=<h2 id=")')
_SECTION_ID = re.compile(r'\A<h2 id="([^"]+)"')
_FOOTNOTES_START = '<div class="footnote">'


@dataclass(frozen=True)
class Section:
    """A slice of rendered HTML from one level-2 heading to the next (id "" for the lead-in)."""

    id: str
    html: str


@dataclass(frozen=True)
class Page:
    """A content file: its front matter, its body split into sections, and its footnotes."""

    path: Path
    meta: dict
    sections: tuple[Section, ...]
    footnotes: str


def read_page(path: Path, required: tuple[str, ...], given: dict | None = None) -> Page:
    """Parse ``path``; a missing file, bad front matter or a missing required key is an error.
    ``given`` holds values set elsewhere (the project file's title and author), which replace
    the front matter's."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BenchError(f"{path}: missing; write it (YAML front matter, then Markdown)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BenchError(f"{path}: cannot read ({error})") from None
    match = _FRONT_MATTER.match(text)
    if not match:
        raise BenchError(
            f"{path}: no front matter; start the file with a '---' line, YAML keys "
            f"({', '.join(required)}), and another '---' line"
        )
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 2}" if where else ""
        raise BenchError(f"{path}: front matter is not valid YAML{line}") from None
    if not isinstance(meta, dict):
        raise BenchError(f"{path}: front matter must be a YAML mapping of keys to values")
    meta = {**meta, **(given or {})}
    missing = [key for key in required if meta.get(key) in (None, "")]
    if missing:
        raise BenchError(f"{path}: front matter lacks {', '.join(missing)}")
    if "date" in required and not isinstance(meta["date"], dt.date):
        raise BenchError(f"{path}: front matter date {meta['date']!r} is not a YYYY-MM-DD date")
    body = render_markdown(text[match.end() :])
    main, _, footnotes = body.partition(_FOOTNOTES_START)
    return Page(
        path=path,
        meta=meta,
        sections=split_sections(main),
        footnotes=_FOOTNOTES_START + footnotes if footnotes else "",
    )


def render_markdown(text: str) -> str:
    """Markdown to HTML with tables, footnotes, heading ids and fenced code."""
    converter = markdown.Markdown(
        extensions=list(MARKDOWN_EXTENSIONS),
        extension_configs=MARKDOWN_CONFIG,
        output_format="html",  # <hr>, not XHTML's <hr />, which the Nu checker remarks on
    )
    return converter.convert(text)


def split_sections(html: str) -> tuple[Section, ...]:
    """Cut rendered HTML before every level-2 heading, keeping each heading's id."""
    sections = []
    for part in _SECTION_START.split(html):
        if not part.strip():
            continue
        match = _SECTION_ID.match(part)
        sections.append(Section(match.group(1) if match else "", part))
    return tuple(sections)


def read_index(content_dir: Path, given: dict | None = None) -> Page:
    """The write-up's front page; ``given``: the project file's title and author, if set."""
    return read_page(content_dir / "index.md", INDEX_KEYS, given)


def read_model_page(content_dir: Path, model: str) -> Page:
    path = content_dir / "models" / f"{model}.md"
    if not path.is_file():
        raise BenchError(
            f"{path}: missing; model {model!r} has results, so write its page "
            f"(front matter with {', '.join(MODEL_KEYS)}, then Markdown)"
        )
    return read_page(path, MODEL_KEYS)


def read_reference(content_dir: Path) -> dict:
    """The 2021 write-up's results table and other published results (reference_2021.yaml):
    the content folder's own, else the one bench ships."""
    path = content_dir / "reference_2021.yaml"
    if not path.exists():
        path = paths.default_content_dir() / "reference_2021.yaml"
    try:
        reference = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BenchError(f"{path}: missing; it holds the 2021 results shown beside ours") from None
    except yaml.YAMLError:
        raise BenchError(f"{path}: not valid YAML") from None
    if not isinstance(reference, dict) or not isinstance(reference.get("rows"), list):
        raise BenchError(f"{path}: expected a mapping with a 'rows' list")
    for number, row in enumerate(reference["rows"], start=1):
        missing = {"model", "label", "accuracy", "precision", "recall"} - set(row or {})
        if missing:
            raise BenchError(f"{path}: row {number} lacks {', '.join(sorted(missing))}")
    return reference


def place_blocks(page: Page, placements: tuple[tuple[str, str, str], ...]) -> list[dict]:
    """The page's prose with generated blocks put before or after the named level-2 headings.

    ``placements`` holds (``"before"`` or ``"after"``, heading id, block kind). A block whose
    heading is missing goes at the end, so an edited page still shows everything. Footnotes
    come last. Prose blocks carry their HTML as Markup; the others only their kind.
    """
    blocks: list[dict] = []
    placed = set()

    def add(where: str, section_id: str) -> None:
        for position, anchor, kind in placements:
            if (position, anchor) == (where, section_id):
                blocks.append({"kind": kind})
                placed.add(kind)

    for section in page.sections:
        add("before", section.id)
        if blocks and blocks[-1]["kind"] == "prose":
            blocks[-1]["html"] += section.html
        else:
            blocks.append({"kind": "prose", "html": section.html})
        add("after", section.id)
    blocks += [{"kind": kind} for _, _, kind in placements if kind not in placed]
    if page.footnotes:
        blocks.append({"kind": "prose", "html": page.footnotes})
    return [
        {**block, "html": Markup(block["html"])} if "html" in block else block for block in blocks
    ]
