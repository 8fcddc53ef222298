"""Serve a built site on 127.0.0.1 with the standard library, for a local preview."""

from __future__ import annotations

import functools
import http.server
from pathlib import Path

from bench.errors import BenchError


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types a site needs (Atom, SVG) and no directory listings."""

    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".svg": "image/svg+xml",
        ".xml": "application/atom+xml",
        ".csv": "text/csv; charset=utf-8",
    }

    def list_directory(self, path):
        self.send_error(404, "No such page")
        return None

    def send_error(self, code, message=None, explain=None):
        """Answer a missing page with the site's own 404.html, as GitHub Pages does."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def make_server(site_dir: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server for ``site_dir`` bound to 127.0.0.1:``port``; call ``serve_forever`` on it."""
    site_dir = Path(site_dir)
    if not (site_dir / "index.html").is_file():
        raise BenchError(f"--out {site_dir}: no index.html there; run `bench render` first")
    handler = functools.partial(_Handler, directory=str(site_dir))
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        raise BenchError(
            f"--port {port}: cannot listen on 127.0.0.1 ({error.strerror or error}); "
            "pick another port"
        ) from None
