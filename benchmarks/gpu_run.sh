#!/usr/bin/env bash
# The full protocol on the lent GPU machine (one NVIDIA H200, Python 3.12 with JAX for CUDA, no
# TensorFlow, no network), inside one 10-minute command. Prepare here, then run it there:
#
#   bash benchmarks/gpu_prepare.sh            # wheels into .whl/, dataset into .gpu-data/
#   device run: bash benchmarks/gpu_run.sh    (carry: .whl, .gpu-data; results land in $OUT)
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
"$python" benchmarks/gpu_run.py --budget-seconds "$budget" --results-dir "$out/results" \
    --data-dir "${BENCH_GPU_DATA:-.gpu-data}" --profile "${BENCH_GPU_PROFILE:-full}" \
    --folds "${BENCH_GPU_FOLDS:-10}" \
    2>&1 | tee "$out/gpu_run.log"
