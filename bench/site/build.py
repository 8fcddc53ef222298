"""Build the site in two phases: gather everything into a context, then write every file.

The output is a pure function of the results, the content, the templates and the dataset: no
build timestamps, sorted iteration everywhere, deterministic figures. Same inputs, same bytes.
"""

from __future__ import annotations

from pathlib import Path

from bench.analysis import analyse, report
from bench.errors import BenchError
from bench.paths import default_content_dir
from bench.paths import templates_dir as default_templates_dir
from bench.site import context, downloads, figure_style, output, pages, urls

STATIC_FILES = (urls.STYLE, urls.FAVICON)


def render_site(
    results_dir: Path,
    out_dir: Path,
    *,
    base_url: str | None = None,
    data_dir: Path | None = None,
    content_dir: Path | None = None,
    templates_dir: Path | None = None,
    benchmarks_dir: Path | None = None,
    title: str | None = None,
    author: str | None = None,
) -> Path:
    """Render the stored results in ``results_dir`` as a static site in ``out_dir``.

    ``content_dir`` and ``templates_dir`` default to the write-up and templates bench ships
    (``bench.paths``); ``title`` and ``author``, where given (the project file's), replace the
    index page's;
    ``benchmarks_dir`` holds the side-by-side speed benchmark the reproducibility page shows
    (the command line passes the repository's ``paths.BENCHMARK_RESULTS``; None, the default,
    or a folder without it, leaves that section out).
    """
    content_dir = Path(content_dir or default_content_dir())
    templates_dir = Path(templates_dir or default_templates_dir())
    if not (templates_dir / "base.html").is_file():
        raise BenchError(
            f"{templates_dir}: no site templates there; reinstall bench (its wheel ships them)"
        )
    given = {key: value for key, value in (("title", title), ("author", author)) if value}
    target = output.check_target(out_dir)  # refuse before the slow part, not after it
    analysed = analyse.analyse(report.load_reports(Path(results_dir)))
    site = context.gather(
        analysed,
        Path(results_dir),
        content_dir=content_dir,
        data_dir=data_dir,
        base_url=base_url,
        benchmarks_dir=benchmarks_dir,
        given=given,
    )
    env = pages.make_environment(templates_dir)
    existed = target.exists()
    try:
        with output.staged_output(target) as staging:
            writer = output.Writer(staging)
            for page in site.pages:
                writer.write(page.path, pages.render_page(env, page.template, page.context))
            for job in site.figures:
                figure_style.save(job.draw(), writer.path_for(job.path))
            for name in STATIC_FILES:
                writer.copy(name, templates_dir / name)
            writer.write(".nojekyll", b"")  # serve files as they are, no Jekyll pass
            downloads.export(site.downloads, site.table_csv, writer)
    except OSError as error:  # a full disk, a read-only folder: the staging folder is gone
        file = f", writing {Path(error.filename).name}" if error.filename else ""
        kept = "the previous site there is unchanged" if existed else "nothing was written there"
        raise BenchError(
            f"cannot write the site into {target} ({error.strerror or error}{file}); {kept}; "
            "free the space or fix the folder, then build again"
        ) from None
    return target
