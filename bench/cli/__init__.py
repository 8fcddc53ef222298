"""The `bench` command line: thin typer commands over the library functions."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

import typer

from bench import __version__
from bench.cli.options import (
    AuthorOption,
    BaseUrlOption,
    ContentDirOption,
    DataDirOption,
    ModelModuleOption,
    ModelsDirOption,
    OutOption,
    QuietOption,
    ResultsDirOption,
    TitleOption,
    train_options,
)
from bench.errors import BenchError
from bench.project import Project
from bench.train.options import TrainOptions

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

INIT_MODELS = ("lenet5", "compact")  # a new project's models: a classic and the example
SITE_DIR = Path("public")  # where the site is written and served from


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
    context: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Train classic image classifiers on Fashion-MNIST and publish the results as a site.

    In a folder with a bench.toml (see `bench init`) every command takes its defaults from it;
    options given on the command line win."""
    from bench import project as projects

    try:
        found = projects.find(Path("."))  # messages then name plain bench.toml
    except BenchError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if found is not None:
        context.default_map = project_defaults(found)


def project_defaults(project: Project) -> dict:
    """Each command's option defaults from a project file (click's ``default_map``)."""
    paths = {"results_dir": project.results_dir, "data_dir": project.data_dir}
    user_models = {"model_modules": list(project.model_modules), "models_dir": project.model_folder}
    training = {**paths, **user_models, "models": list(project.models) or None,
                "profile": project.profile}  # fmt: skip
    site = {"out": project.out, "base_url": project.base_url, "content_dir": project.content_dir,
            "title": project.title, "author": project.author}  # fmt: skip
    commands = {
        "train": training,
        "build-site": {**training, **site},
        "render": {**paths, **site},
        "models": user_models,
        "serve": {"out": project.out},
        "data": {"fetch": {"data_dir": project.data_dir}, "info": {"data_dir": project.data_dir}},
    }
    return {
        command: {key: value for key, value in values.items() if value is not None}
        if command != "data" else values
        for command, values in commands.items()
    }  # fmt: skip


@data_app.command("fetch")
@user_errors
def data_fetch(data_dir: DataDirOption = None) -> None:
    """Locate the dataset (downloading it if needed), verify it, and print where it is."""
    from bench import data
    from bench.cli.console import download_progress

    with download_progress() as on_progress:
        source = data.locate(data_dir, on_progress=on_progress)
    data.load(source)
    typer.echo(f"Fashion-MNIST verified in {source.directory} (from {source.origin})")


@data_app.command("info")
@user_errors
def data_info(data_dir: DataDirOption = None) -> None:
    """Show where the dataset is, its class balance per split, and its verification status."""
    from bench import data
    from bench.cli.console import print_data_info

    dataset = data.load(data.locate(data_dir, allow_download=False))
    print_data_info(dataset)


@app.command("models")
@user_errors
def models_command(
    model_modules: ModelModuleOption = None, models_dir: ModelsDirOption = None
) -> None:
    """List the registered models: family, parameters, default set, origin, paper."""
    _import_keras_stack()
    from bench.cli.console import print_models
    from bench.models import plugins

    plugins.load_user_models(models_dir, model_modules or ())
    print_models()


@app.command("init")
@user_errors
def init_command(
    folder: Annotated[Path, typer.Argument(help="New or empty folder for the project.")],
    title: Annotated[str, typer.Option(help="The write-up's title.")] = "My Fashion-MNIST write-up",
    author: Annotated[str, typer.Option(help="Who wrote it.")] = "The author",
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help=f"Model the write-up trains (repeatable); default: {', '.join(INIT_MODELS)}.",
            show_default=False,
        ),
    ] = None,  # fmt: skip
) -> None:
    """Start a write-up of your own in a new folder, with an example model.

    It writes bench.toml, content/index.md, models/, a Pages workflow, .gitignore, a README."""
    from bench import quickstart

    written = quickstart.create(folder, title=title, author=author,
                                models=tuple(models or INIT_MODELS))  # fmt: skip
    typer.echo(f"created {folder} ({len(written)} files); next: cd {folder} && bench build-site")


@app.command("train")
@user_errors
@train_options(skip_shown_from_fuller=False)
def train_command(options: TrainOptions, quiet: QuietOption = False) -> None:
    """Cross-validate models on Fashion-MNIST and store every fold under the results directory."""
    run_training(options, quiet=quiet)


@app.command("render")
@user_errors
def render_command(
    results_dir: ResultsDirOption = TrainOptions.results_dir,
    out: OutOption = SITE_DIR,
    base_url: BaseUrlOption = None,
    data_dir: DataDirOption = None,
    content_dir: ContentDirOption = None,
    title: TitleOption = None,
    author: AuthorOption = None,
) -> None:
    """Render the stored results as a static site (never trains, never imports a model)."""
    _render(results_dir, out, base_url=base_url, data_dir=data_dir, content_dir=content_dir,
            title=title, author=author)  # fmt: skip


@app.command("build-site")
@user_errors
@train_options(skip_shown_from_fuller=True)
def build_site_command(
    options: TrainOptions,
    quiet: QuietOption = False,
    out: OutOption = SITE_DIR,
    base_url: BaseUrlOption = None,
    content_dir: ContentDirOption = None,
    title: TitleOption = None,
    author: AuthorOption = None,
) -> None:
    """Train whatever folds the site is missing, then render it from all stored results.

    A model the site already shows from a fuller profile (full results, when this run is quick)
    is not trained again under the lesser one."""
    from bench.site.output import check_target

    check_target(out)  # refuse a bad --out before hours of training, not after
    run_training(options, quiet=quiet)
    _render(options.results_dir, out, base_url=base_url, data_dir=options.data_dir,
            content_dir=content_dir, title=title, author=author)  # fmt: skip


@app.command("serve")
@user_errors
def serve_command(
    out: Annotated[Path, typer.Option("--out", help="The built site to serve.")] = SITE_DIR,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8000,
) -> None:
    """Serve the built site on http://127.0.0.1 until Ctrl-C."""
    from bench.site.serve import make_server

    server = make_server(out, port)
    typer.echo(f"serving {out} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()


def _render(results_dir: Path, out: Path, **options) -> None:
    from bench.paths import BENCHMARK_RESULTS
    from bench.site.build import render_site

    site = render_site(results_dir, out, benchmarks_dir=BENCHMARK_RESULTS, **options)
    typer.echo(f"site written to {site}; preview it with `bench serve --out {out}`")


def run_training(options: TrainOptions, *, quiet: bool) -> None:
    """Train with a progress display, then print the results table; Ctrl-C exits with 130."""
    from bench.train.options import parse

    request = parse(options)  # before Keras and TensorFlow are imported: a typo is answered at once
    _import_keras_stack()
    from bench.analysis import report
    from bench.cli.console import console, make_reporter, print_reports
    from bench.train import workflow

    reporter = make_reporter(quiet, parallel=request.ray is not None)
    try:
        outcome = workflow.run(request, reporter)
    except KeyboardInterrupt:
        reporter.close()
        typer.echo(
            "interrupted: every finished fold is stored; run the same command to resume", err=True
        )
        raise typer.Exit(130) from None
    except BenchError:
        raise
    except Exception:
        reporter.close()
        typer.echo(
            "bench crashed (a bug, not a problem with the options): every finished fold is "
            "stored; please report the traceback below",
            err=True,
        )
        raise
    finally:
        reporter.close()
    console.print(f"trained {len(outcome.trained)} fold(s), {len(outcome.skipped)} already stored")
    if outcome.left:
        left = ", ".join(f"{model} fold {fold}" for model, fold in outcome.left)
        console.print(
            f"time budget reached: {len(outcome.left)} fold(s) not started ({left}); "
            "run the same command to resume"
        )
    reports = report.load_reports(options.results_dir, list(options.models) or None)
    if reports:  # none when every fold of a first run failed
        print_reports(reports)
    if outcome.failed:
        failed = ", ".join(f"{model} fold {fold}" for model, fold, _ in outcome.failed)
        raise BenchError(
            f"{len(outcome.failed)} fold(s) failed ({failed}; why is printed above); the other "
            "folds are stored: fix the cause and run the same command to train the rest"
        )


def _import_keras_stack() -> None:
    """Set the backend's environment (oneDNN, log level), then import Keras quietly."""
    from bench.train import devices

    devices.load_backend()


def main() -> None:
    """Console-script entry point."""
    app()
