import gzip

from typer.testing import CliRunner

from bench import __version__, data
from bench.cli import app
from bench.data import idx
from tests.conftest import write_dataset

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"bench {__version__}"


def test_data_info_shows_source_and_counts(synthetic):
    directory, _ = synthetic
    result = runner.invoke(app, ["data", "info", "--data-dir", str(directory)])
    assert result.exit_code == 0, result.output
    assert str(directory) in result.output.replace("\n", "")
    assert "Ankle boot" in result.output
    assert "verified" in result.output


def test_data_info_bad_dir_is_one_line_error(tmp_path):
    result = runner.invoke(app, ["data", "info", "--data-dir", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: --data-dir ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_data_fetch_downloads_from_configured_mirror(synthetic, http_root, monkeypatch, tmp_path):
    _, arrays = synthetic
    root, base = http_root
    write_dataset(root, arrays)
    monkeypatch.setenv("BENCH_MIRRORS", f"{base}/missing/,{base}/")
    monkeypatch.setattr(data, "SYSTEM_DIR", tmp_path / "no-system")
    result = runner.invoke(app, ["data", "fetch"])
    assert result.exit_code == 0, result.output
    assert "verified in" in result.output
    assert (data.cache_dir() / "t10k-images-idx3-ubyte.gz").is_file()


def test_data_fetch_failure_is_one_line(synthetic, http_root, monkeypatch, tmp_path):
    _, base = http_root
    monkeypatch.setenv("BENCH_MIRRORS", f"{base}/")
    monkeypatch.setattr(data, "SYSTEM_DIR", tmp_path / "no-system")
    result = runner.invoke(app, ["data", "fetch"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: could not download")
    assert "404" in result.stderr


def test_data_info_oversized_file_is_one_line_error(synthetic):
    directory, arrays = synthetic
    path = directory / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(idx.encode(arrays["t10k-labels-idx1-ubyte"]) + bytes(1 << 20)))
    result = runner.invoke(app, ["data", "info", "--data-dir", str(directory)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}: decompresses to more than the 28 bytes this file must have; "
        "replace it with the official file or pass another --data-dir\n"
    )
