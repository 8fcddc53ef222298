"""bench: classic image classifiers on Fashion-MNIST, cross-validated and published as a site.

The folders are the pipeline; data flows down this list and no module imports a later stage
(``tests/test_layout.py`` checks it):

- shared by every stage: ``errors`` (the one-line user error), ``recipes`` (``Recipe`` and
  ``Plan``, the public recipe types), ``config`` (profiles and the typed run config),
  ``paths`` (the project folder), ``durations`` (parse and print a duration),
  ``bench/store/`` (the results store: typed fold and run records in ``records``, the folder
  on disk in ``results``, and every field and file checked on the way in), ``metrics`` (a
  fold's scores: pure functions and the frozen types they return, ``Scores``, ``Evaluation``,
  ``ScoresOverFolds``, used when a fold is scored and when reports are built) and
  ``bench/models/`` (the registry: ``register`` and one module per model; ``plugins``
  loads the user's own);
- a user's write-up project, shared too: ``api`` (what a user's model module imports: the
  public API), ``project`` (the project file, bench.toml) and ``quickstart`` (``bench init``,
  which copies ``skeleton/``);
- ``bench/data/``: find, verify and load Fashion-MNIST (``idx``, ``download``), and which images
  each fold trains and is tested on (``protocol``);
- ``bench/train/``: the options of a run (``options``), the device (``devices``), planning and
  fold keys (``planning``, ``fold_key``), the time budget (``budget``), one fold's fit
  (``training``), the run itself (``engine``, ``workflow``; what it plans and reports, ``work``),
  who trains the folds (``executors``, ``ray_executor``), who stores them (``driver``) and run
  provenance (``environment``);
- ``bench/analysis/``: the per-model reports over stored folds (``report``), intervals and
  tests (``statistics``, ``significance``), calibration (``calibration``) and the write-up's
  findings (``findings``) and the commands that retrain the stored folds (``reproduction``),
  all computed once into typed values by ``analyse`` before the site is gathered;
- ``bench/site/``: gather the analysis, content and dataset into page contexts, then write
  figures and pages (it formats, and computes no statistic);
- ``bench/cli/``: the typer commands, their options (``options``) and what they show on the
  terminal (``console``, ``progress``).
"""

__version__ = "0.1.0"
