"""Replace a generated block of README.md between two markers, or check that it is current
(shared by the scripts that generate the README's tables)."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def rewrite(readme: str, block: str, start: str, end: str) -> str:
    """``readme`` with the text between ``start`` and ``end`` replaced by ``block``."""
    if start not in readme or end not in readme:
        raise SystemExit(f"README.md: add the markers {start} and {end} around the table")
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}\n{end}{tail}"


def update(block: str, start: str, end: str, *, check: bool, script: str) -> int:
    """Write ``block`` into README.md, or with ``check`` only report whether it is out of
    date (exit status 1, naming ``script`` as the fix)."""
    readme = README.read_text(encoding="utf-8")
    updated = rewrite(readme, block, start, end)
    if check:
        if updated != readme:
            print(f"README.md: the table between {start} and {end} is out of date; run "
                  f"python {script}")  # fmt: skip
            return 1
        return 0
    README.write_text(updated, encoding="utf-8")
    return 0
