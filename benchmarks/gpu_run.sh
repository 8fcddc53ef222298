#!/usr/bin/env bash
# The full protocol on the lent GPU machine (one NVIDIA H200, Python 3.12 with JAX for CUDA, no
# TensorFlow, no network), inside one 10-minute command. Prepare here, then run it there:
#
#   bash benchmarks/gpu_prepare.sh            # wheels into .whl/, dataset into .gpu-data/
#   device run: bash benchmarks/gpu_run.sh    (carry: .whl, .gpu-data; new folds land in
#   $OUT/results-new.tar.gz)
#
# Rehearse on the CPU: BENCH_GPU_PROFILE=smoke BENCH_GPU_FOLDS=2 BENCH_PYTHON=.venv/bin/python \
#   OUT=/tmp/gpu-rehearsal bash benchmarks/gpu_run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out="${OUT:?set OUT to the folder that comes back}"
mkdir -p "$out"
python="${BENCH_PYTHON:-python3}"
budget="${BENCH_GPU_BUDGET_SECONDS:-540}"   # leaves a minute of the 600 s for start and summary

if [ -z "${BENCH_PYTHON:-}" ] && [ -d .whl ]; then
  # Keras and the pure-Python packages it needs that the GPU image lacks (see gpu_prepare.sh).
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
      --target /tmp/bench-site .whl/*.whl
  export PYTHONPATH="/tmp/bench-site:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export KERAS_BACKEND="${KERAS_BACKEND:-jax}"
export XLA_PYTHON_CLIENT_PREALLOCATE=false   # let each fold's model take what it needs

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null \
  > "$out/gpu.txt" || echo "no nvidia-smi" > "$out/gpu.txt"
# Train beside a copy of the committed results, so that only the missing folds train and they
# join the stored ones under their key (--precision auto keeps a stored policy the GPU computes
# natively). $OUT returns at most 8 files, 2 folders down: what the run wrote comes back as one
# archive, to unpack over results/ (`tar -xzf results-new.tar.gz -C results`).
work="$(mktemp -d)/results"
cp -r results "$work"
touch "$work/.before-gpu-run"
status=0
"$python" benchmarks/gpu_run.py --budget-seconds "$budget" --results-dir "$work" \
    --models-dir bench/skeleton/models \
    --data-dir "${BENCH_GPU_DATA:-.gpu-data}" --profile "${BENCH_GPU_PROFILE:-full}" \
    --folds "${BENCH_GPU_FOLDS:-10}" \
    2>&1 | tee "$out/gpu_run.log" || status=$?
(cd "$work" && find . -type f -newer .before-gpu-run ! -name .before-gpu-run -print0 \
    | tar --null -czf "$out/results-new.tar.gz" -T -)
tar -tzf "$out/results-new.tar.gz" | sort > "$out/results-new.txt"
exit "$status"
