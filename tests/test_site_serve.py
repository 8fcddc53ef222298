"""`bench serve`: a local static server for the built site."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.errors import BenchError
from bench.site import serve
from tests.conftest import serving


@pytest.fixture
def site(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "index.html").write_text("<p>home</p>")
    (tmp_path / "404.html").write_text("<p>lost</p>")
    (tmp_path / "feed.xml").write_text("<feed/>")
    return tmp_path


@pytest.fixture
def running(site):
    with serving(serve.make_server(site, 0)) as url:
        yield url


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_serves_pages_with_types(running):
    assert fetch(f"{running}/index.html") == (200, "text/html", b"<p>home</p>")
    assert fetch(f"{running}/feed.xml")[1] == "application/atom+xml"


@pytest.mark.parametrize("path", ["/missing.html", "/models/"])
def test_missing_pages_get_the_site_404(running, path):
    assert fetch(running + path) == (404, "text/html; charset=utf-8", b"<p>lost</p>")


def test_busy_port_is_one_line_error(site, running):
    port = int(running.rsplit(":", 1)[1])
    with pytest.raises(BenchError, match=f"--port {port}: cannot listen"):
        serve.make_server(site, port)


def test_cli_prints_url_and_stops_on_ctrl_c(site, monkeypatch):
    class Interrupted:
        server_address = ("127.0.0.1", 8123)
        closed = False

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            Interrupted.closed = True

    monkeypatch.setattr(serve, "make_server", lambda directory, port: Interrupted())
    result = CliRunner().invoke(app, ["serve", "--out", str(site)])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output and "stopped" in result.output
    assert Interrupted.closed
