#!/usr/bin/env bash
# Gather what benchmarks/gpu_run.sh needs on the GPU machine, as ignored folders to carry:
#   .whl/       keras and the packages it needs that the GPU image does not have (cp312 wheels)
#   .gpu-data/  the four Fashion-MNIST .gz files (about 31 MB; the carry limit is 64 MiB)
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-.venv/bin/python}"
rm -rf .whl && mkdir -p .whl .gpu-data
for package in "keras==$("$python" -c 'import keras; print(keras.__version__)')" namex optree; do
  "$python" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 -d .whl "$package"
done
"$python" -m bench data fetch >/dev/null
source_dir=$("$python" -c 'from bench import data; print(data.locate(allow_download=False).directory)')
cp "$source_dir"/*-ubyte.gz .gpu-data/
du -sh .whl .gpu-data
