"""The `bench` command line: thin typer commands over the library functions."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from bench import __version__
from bench.errors import BenchError

app = typer.Typer(
    help="Train classic image classifiers on Fashion-MNIST and publish the results as a site.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    help="Locate, download and verify the Fashion-MNIST files.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Folder holding the four Fashion-MNIST files (.gz or raw); overrides BENCH_DATA_DIR, "
        "the cache and the system package.",
        show_default=False,
    ),
]


def user_errors(command):
    """Show a BenchError as one line on stderr with exit status 1, never as a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BenchError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"bench {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Train classic image classifiers on Fashion-MNIST and publish the results as a site."""


@data_app.command("fetch")
@user_errors
def data_fetch(data_dir: DataDirOption = None) -> None:
    """Locate the dataset (downloading it if needed), verify it, and print where it is."""
    from bench import data
    from bench.console import download_progress

    with download_progress() as on_progress:
        source = data.locate(data_dir, on_progress=on_progress)
    data.load(source)
    typer.echo(f"Fashion-MNIST verified in {source.directory} (from {source.origin})")


@data_app.command("info")
@user_errors
def data_info(data_dir: DataDirOption = None) -> None:
    """Show where the dataset is, its class balance per split, and its verification status."""
    from bench import data
    from bench.console import print_data_info

    dataset = data.load(data.locate(data_dir, allow_download=False))
    print_data_info(dataset)


def main() -> None:
    """Console-script entry point."""
    app()
