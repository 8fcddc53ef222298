"""Error paths of the per-model reports (bench/analysis/report.py), which read fold records
by attribute."""

import numpy as np
import pytest

from bench.analysis import report
from bench.errors import BenchError
from bench.store import results
from tests.test_records import make_record


def test_folds_of_two_keys_name_the_model_to_retrain(tmp_path):
    arrays = results.Predictions(np.arange(3), np.zeros(3, np.uint8), np.full((3, 10), 0.1))
    for fold, key in ((0, "a" * 16), (1, "b" * 16)):
        record = make_record(fold=fold, fold_key=key)
        results.write_fold(tmp_path, record, results.FoldPredictions(arrays, arrays))
    with pytest.raises(BenchError, match="2 different configs; rerun `bench train --model lenet5`"):
        report.summarize(results.load_folds(tmp_path, "lenet5"))
