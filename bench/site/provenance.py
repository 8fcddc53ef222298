"""The context of the reproducibility page: run manifests, commands, downloadable results."""

from __future__ import annotations

import shlex
from itertools import groupby

from bench.analysis import statistics
from bench.analysis.analyse import Analysis
from bench.analysis.report import ModelReport
from bench.site import urls
from bench.site.downloads import CSV_PATH, DATA_DIR
from bench.site.jobs import Download
from bench.site.model_page import model_href
from bench.site.pages import num
from bench.store.records import RunManifest


def reproducibility(
    analysis: Analysis, manifests: list[RunManifest], files: list[Download]
) -> dict:
    published = {download.path for download in files}
    reports = analysis.reports
    return {
        "runs": [run_row(manifest, published) for manifest in manifests],
        "commands": analysis.commands,
        "sources": [model_source(report) for report in reports],
        "downloads": download_groups(files),
        "csv": CSV_PATH,
        "methods": methods(),
    }


def methods() -> dict:
    """The settings the methods section names, from where the statistics use them."""
    return {
        "confidence": statistics.CONFIDENCE,
        "significance": statistics.SIGNIFICANCE,
        "calibration_bins": statistics.CALIBRATION_BINS,
        "temperature_bounds": statistics.TEMPERATURE_BOUNDS,
    }


def run_row(manifest: RunManifest, published: set[str]) -> dict:
    """A run manifest as the page shows it (older manifests lack some fields: shown empty)."""
    run_config = manifest.config
    environment = manifest.environment
    dataset = manifest.dataset
    git = manifest.git
    manifest_path = urls.run_manifest(manifest.run_id)
    return {
        "run_id": manifest.run_id,
        "profile": manifest.profile,
        "status": manifest.status,
        "started_at": manifest.started_at,
        "finished_at": manifest.finished_at,
        "seed": run_config.get("seed"),
        "strategy": run_config.get("strategy"),
        "shard": "/".join(str(part) for part in manifest.shard),
        "command": shlex.join(manifest.command),
        "host": manifest.host,
        "git": {"commit": git["commit"], "dirty": git.get("dirty", False)} if git else None,
        "versions": sorted((environment.get("versions") or {}).items()),
        "os": environment.get("os"),
        "cpu": environment.get("cpu"),
        "gpus": list(environment.get("gpus") or []),
        "device": environment.get("device"),
        "backend": environment.get("backend"),
        "precision": _precision_text(environment),
        "dataset_source": dataset.get("source"),
        "dataset_origin": dataset.get("origin"),
        "digests": sorted((dataset.get("sha256") or {}).items()),
        "plans": [plan_row(name, plan) for name, plan in run_config.get("plans", [])],
        "planned": len(manifest.planned),
        "trained": len(manifest.trained),
        "manifest": manifest_path if manifest_path in published else None,
    }


def _precision_text(environment: dict) -> str:
    """The run's dtype policy, naming the light models' where it differs."""
    policy = environment.get("mixed_precision") or "precision not recorded"
    light, bound = environment.get("light_precision"), environment.get("light_model_flops")
    if light and bound and light != policy:
        return f"{policy} ({light} for models under {num(bound / 1e6)} MFLOPs per image)"
    return policy


def plan_row(model: str, plan: dict) -> dict:
    recipe = plan.get("recipe", {})
    augmentation = recipe.get("augmentation") or {}
    return {
        "model": model,
        "folds": plan.get("folds"),
        "train_images": plan.get("train_images"),
        "test_images": plan.get("test_images"),
        "epochs": recipe.get("epochs"),
        "batch_size": recipe.get("batch_size"),
        "optimizer": recipe.get("optimizer"),
        "learning_rate": recipe.get("learning_rate"),
        "weight_decay": recipe.get("weight_decay"),
        "warmup_epochs": recipe.get("warmup_epochs"),
        "label_smoothing": recipe.get("label_smoothing"),
        # Only the transforms in use: a flag that is on, or an amount above zero.
        "augmentation": [
            {"name": name.replace("_", " "), "amount": None if value is True else value}
            for name, value in sorted(augmentation.items())
            if value
        ],
    }


def model_source(report: ModelReport) -> dict:
    """Where one model's numbers come from: profile, seed, folds, device, runs."""
    first = report.folds[0]
    return {
        "name": report.model,
        "display_name": report.display_name,
        "href": model_href(report),
        "profile": report.profile,
        "seed": first.seed,
        "folds_done": report.folds_done,
        "folds_planned": report.folds_planned,
        "fold_key": first.fold_key,
        "device": first.device,
        "backend": first.backend,
        "mixed_precision": first.mixed_precision,
        "run_ids": sorted({record.run_id or "?" for record in report.folds}),
    }


def download_groups(files: list[Download]) -> list[dict]:
    """Published files grouped by their folder (one per model, then ``runs``)."""

    def folder(download: Download) -> str:
        return download.path.removeprefix(f"{DATA_DIR}/").split("/")[0]

    return [
        {
            "name": name,
            "files": [
                {"href": d.path, "name": d.path.rsplit("/", 1)[-1], "size": d.size} for d in group
            ],
        }
        for name, group in groupby(files, key=folder)
    ]
