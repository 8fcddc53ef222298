"""Download one dataset file from the first mirror that serves a verified copy.

The payload goes to a temporary file beside the destination, is verified by the caller's check,
and only then renamed into place, so a damaged or partial download never replaces a good file.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench.errors import BenchError
from bench.files import temporary_beside

# ../shared/REFERENCE.md: Zalando's mirror first, then the one Keras's loader uses.
MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
)
ENV_MIRRORS = "BENCH_MIRRORS"
CHUNK_BYTES = 1 << 16

ProgressCallback = Callable[[str, int, "int | None"], None]  # (file name, bytes so far, total)


def configured_mirrors() -> tuple[str, ...]:
    """Mirrors from ``BENCH_MIRRORS`` (comma-separated base URLs), else the official ones."""
    configured = os.environ.get(ENV_MIRRORS, "")
    return tuple(url.strip() for url in configured.split(",") if url.strip()) or MIRRORS


def fetch(
    file_name: str,
    destination_dir: Path,
    *,
    mirrors: tuple[str, ...],
    timeout_seconds: float,
    verify: Callable[[Path], None],
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Download ``file_name`` into ``destination_dir``; ``verify`` raises ValueError on bad data."""
    destination_dir.mkdir(parents=True, exist_ok=True)
    failures = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + file_name
        final = destination_dir / file_name
        temporary = _download(url, final, timeout_seconds, on_progress, failures)
        if temporary is None:
            continue
        try:
            verify(temporary)
        except (ValueError, OSError, EOFError) as error:
            failures.append(f"{url}: rejected ({error})")
            temporary.unlink(missing_ok=True)
            continue
        os.replace(temporary, final)
        return final
    raise BenchError(
        f"could not download {file_name}: {'; '.join(failures)}; check the network, "
        "or pass --data-dir / install Debian's dataset-fashion-mnist package"
    )


def _download(
    url: str,
    destination: Path,
    timeout_seconds: float,
    on_progress: ProgressCallback | None,
    failures: list[str],
) -> Path | None:
    descriptor, temporary = temporary_beside(destination, suffix=".part")
    try:
        with (
            os.fdopen(descriptor, "wb") as sink,
            urllib.request.urlopen(url, timeout=timeout_seconds) as response,
        ):
            total = int(response.headers.get("Content-Length") or 0) or None
            received = 0
            while chunk := response.read(CHUNK_BYTES):
                sink.write(chunk)
                received += len(chunk)
                if on_progress:
                    on_progress(Path(url).name, received, total)
        return temporary
    except urllib.error.HTTPError as error:
        failures.append(f"{url}: HTTP {error.code} {error.reason}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        failures.append(f"{url}: {getattr(error, 'reason', None) or error}")
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    temporary.unlink(missing_ok=True)
    return None
