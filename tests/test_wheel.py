"""bench as a user installs it: a wheel in a fresh virtualenv, run from a folder far from any
checkout. `bench init` makes a project, its example model trains (smoke profile), the site
renders with the model's page and origin, and renders again once the model's code is gone.

The fresh environment gets bench from the wheel alone; its dependencies (TensorFlow and the
rest) come from the test environment's site-packages through a ``.pth`` line, which adds that
folder to ``sys.path`` without running its editable-install hooks, so nothing of the checkout
is importable there.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.test_plugins import MODEL

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = MODEL.format(name="tiny-plug")  # an installed plug-in's module


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (built,) = out.glob("bench-*.whl")
    return built


def test_the_wheel_carries_templates_content_and_skeleton(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("bench/site_templates/base.html", "bench/site_templates/blocks/origin.html",
                 "bench/content/index.md", "bench/content/models/lenet5.md",
                 "bench/content/reference_2021.yaml", "bench/skeleton/bench.toml",
                 "bench/skeleton/gitignore", "bench/skeleton/pages.yml",
                 "bench/skeleton/models/compact.py", "bench/api.py"):  # fmt: skip
        assert name in names, name


def _fresh_venv(folder: Path, wheel: Path) -> Path:
    """A virtualenv with bench from ``wheel`` only; returns its ``bin`` folder."""
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(folder)],
                   check=True, timeout=120)  # fmt: skip
    python = folder / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    (Path(site) / "bench-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return folder / "bin"


def _run(bin_dir: Path, cwd: Path, *arguments: str, check: bool = True):
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "200"  # wide enough that rich folds no origin cell across lines
    result = subprocess.run([str(bin_dir / arguments[0]), *arguments[1:]], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=900)  # fmt: skip
    if check:
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def test_init_train_and_render_from_a_wheel_in_a_fresh_venv(wheel, tmp_path, real_data_dir):
    bin_dir = _fresh_venv(tmp_path / "venv", wheel)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = _run(bin_dir, outside, "python", "-c",
                 "import bench, bench.paths; print(bench.__file__); "
                 "print(bench.paths.templates_dir())").stdout.split()  # fmt: skip
    assert all(str(tmp_path / "venv") in path and str(ROOT) not in path for path in where)

    _run(bin_dir, outside, "bench", "init", "mine", "--title", "Mine", "--model", "compact",
         "--model", "tiny-plug")  # fmt: skip
    project = outside / "mine"
    # The plug-in: an installed distribution with a bench.models entry point.
    site_packages = Path(where[0]).parents[1]
    (site_packages / "tinyplug").mkdir()
    (site_packages / "tinyplug" / "__init__.py").write_text("")
    (site_packages / "tinyplug" / "nets.py").write_text(PLUGIN)
    info = site_packages / "tinyplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[bench.models]\ntiny = tinyplug.nets\n")
    (info / "top_level.txt").write_text("tinyplug\n")

    listed = _run(bin_dir, project, "bench", "models").stdout
    assert "models/compact.py" in listed and "tinyplug 1.0 (entry point)" in listed
    _run(bin_dir, project, "bench", "build-site", "--profile", "smoke", "--quiet",
         "--data-dir", str(real_data_dir))  # fmt: skip
    page = (project / "public" / "models" / "compact.html").read_text()
    digest = hashlib.sha256((project / "models" / "compact.py").read_bytes()).hexdigest()
    assert "<code>models/compact.py</code>" in page and digest in page
    assert "<h1>Compact ResNet-9</h1>" in page  # generated: the project has no page for it
    assert "<title>Mine</title>" in (project / "public" / "index.html").read_text()

    # Without the plug-in and the model's file, and with a module that must never be imported,
    # the site renders the same pages from the results alone.
    for path in (info, site_packages / "tinyplug"):
        subprocess.run(["rm", "-r", str(path)], check=True)
    (project / "models" / "compact.py").unlink()
    (project / "models" / "trap.py").write_text("raise SystemExit('render imported a model')\n")
    _run(bin_dir, project, "bench", "render", "--data-dir", str(real_data_dir))
    plug_page = (project / "public" / "models" / "tiny-plug.html").read_text()
    assert "entry point" in plug_page.lower() and "tinyplug" in plug_page
    assert digest in (project / "public" / "models" / "compact.html").read_text()
    refused = _run(bin_dir, project, "bench", "models", check=False)
    assert refused.returncode == 1 and "models/trap.py" in refused.stderr
    assert "Traceback" not in refused.stderr
