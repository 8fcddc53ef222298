"""The README's results table, generated from results/ (a test checks the README matches it).

Each model is shown from its fullest profile, as on the site: mean test accuracy ± std over its
fold models, the fold ensemble, the 2021 write-up's figure where the protocol is comparable
(full profile, all 10,000 test images), and the hours of training its fold models took.

    python benchmarks/readme_results.py          # rewrite the block in README.md
    python benchmarks/readme_results.py --check  # exit 1 when README.md is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import readme_block

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "benchmarks/readme_results.py"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def table(results_dir: Path, content_dir: Path) -> str:
    """The markdown block for the stored results."""
    from bench.analysis import report
    from bench.site import content

    reference = {row["model"]: row for row in content.read_reference(content_dir)["rows"]}
    lines = [
        "| model | profile | fold models | training images per fold model | test images "
        "| test accuracy (mean ± std) | ensemble | 2021 | training hours | device |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in report.load_reports(results_dir):
        mean, std = r.test.accuracy.mean, r.test.accuracy.std
        theirs = reference.get(r.model)
        comparable = r.comparable_with_2021 and theirs
        hours = r.train_seconds / 3600
        devices = sorted({record.device or "?" for record in r.folds})
        train_images = sorted({record.train_images for record in r.folds})
        cells = [
            r.display_name, r.profile, f"{r.folds_done}/{r.folds_planned}",
            "/".join(f"{n:,}" for n in train_images), f"{r.test_images:,}",
            f"{mean:.4f} ± {std:.4f}" if r.folds_done > 1 else f"{mean:.4f} (one fold)",
            f"{r.ensemble.scores.accuracy:.4f}",
            f"{theirs['accuracy']:.4f}" if comparable else "not comparable",
            f"{hours:.2f}", ", ".join(devices),
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--results-dir", type=Path, default=ROOT / "results")
    arguments = parser.parse_args()
    block = table(arguments.results_dir, ROOT / "content")
    return readme_block.update(block, START, END, check=arguments.check, script=SCRIPT)


if __name__ == "__main__":
    sys.exit(main())
