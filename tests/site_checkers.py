"""The checkers that readers' tools run on the site, pinned in tests/checkers/package.json.

axe-core is injected into each page by the browser tests; the Nu HTML checker (vnu.jar) runs
under Java over the built files. `npm ci` in tests/checkers installs both; Debian's
default-jre-headless provides Java. Locally a missing checker skips its test, under CI it fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import require

CHECKERS = Path(__file__).resolve().parent / "checkers"
AXE_SCRIPT = CHECKERS / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = CHECKERS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = "npm ci --ignore-scripts --prefix tests/checkers"
# WCAG 2.1 levels A and AA, and Deque's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
RUN_AXE = """(tags) => axe.run(document, {
  runOnly: {type: 'tag', values: tags},
  resultTypes: ['violations'],
})"""
NODES_SHOWN = 5


def axe_source() -> str:
    """The text of axe.min.js, ready for ``page.add_script_tag(content=...)``."""
    require(AXE_SCRIPT.is_file(), f"axe-core is not installed ({INSTALL})")
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page, source: str) -> list[str]:
    """Run axe-core in an open Playwright ``page``; one line per violated rule."""
    page.add_script_tag(content=source)
    return [describe_violation(rule) for rule in page.evaluate(RUN_AXE, AXE_TAGS)["violations"]]


def describe_violation(rule: dict) -> str:
    """Rule id, impact and the offending elements, each with axe's first hint at a fix."""
    nodes = rule["nodes"]
    shown = [
        f"{' >> '.join(node['target'])} ({_first_hint(node.get('failureSummary', ''))})"
        for node in nodes[:NODES_SHOWN]
    ]
    more = f"; and {len(nodes) - NODES_SHOWN} more" if len(nodes) > NODES_SHOWN else ""
    return f"{rule['id']} [{rule['impact']}] {rule['help']}: {'; '.join(shown)}{more}"


def _first_hint(summary: str) -> str:
    lines = [line.strip() for line in summary.splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else " ".join(lines)


def nu_problems(pages: list[Path], root: Path) -> list[str]:
    """Errors and warnings of the Nu HTML checker for ``pages``, one line each (paths relative
    to ``root``). Informational remarks are not problems."""
    java = shutil.which("java")
    require(java is not None, "no Java for the Nu checker (apt-get install default-jre-headless)")
    require(VNU_JAR.is_file(), f"the Nu HTML checker (vnu-jar) is not installed ({INSTALL})")
    command = [java, "-jar", str(VNU_JAR), "--format", "json", "--stdout", "--exit-zero-always"]
    completed = subprocess.run(
        [*command, *map(str, pages)], capture_output=True, text=True, check=True, timeout=300
    )
    return [
        _describe_message(message, root)
        for message in json.loads(completed.stdout)["messages"]
        if message["type"] != "info" or message.get("subType") == "warning"
    ]


def _describe_message(message: dict, root: Path) -> str:
    url = message.get("url", "")
    where = url.removeprefix("file:").removeprefix(f"{root}/") if url else "(no file)"
    line = message.get("lastLine", "?")
    kind = message.get("subType", message["type"])
    return f"{where}:{line}: {kind}: {message['message']}"
