"""Where one training step's time goes: bench's TensorFlow path against the PyTorch twin.

Profiles ResNet-34 (or another heavy model) at 28x28 for a few training steps after a warm-up,
each path in its own process:

- bench-tf: bench's model, dtype policy and compile (``bench.train.training.compile_for``), trained
  with ``model.fit`` under TensorFlow's profiler; the trace (XSpace protobuf) is read back and
  every op's own time on the host summed by op type.
- torch-bf16: the layer-for-layer PyTorch twin (torch_reference.py), eager, channels_last,
  bfloat16 autocast, under ``torch.profiler``; self CPU time summed by aten op.

Both sets of ops are mapped onto a few shared groups (convolution forward, convolution backward
for the input and for the weights, batch norm, element-wise, optimizer, data movement), so the
two paths can be compared group by group. Random data, the recipe's batch size, no
augmentation (ResNet-34's full recipe has none). An experiment: profiling needs its own
loop around ``model.fit`` under the profiler, so it compiles through
``bench.train.training.compile_for`` rather than timing ``fit_fold``. Writes
step_profile.{json,md} to --out (experiments/results).

    python experiments/step_profile.py [--model resnet34] [--steps 6] [--warmup-steps 3]
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import shlex
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "benchmarks"))  # the harness and the PyTorch twin

import harness  # noqa: E402

SCHEMA_VERSION = 1
PATHS = ("bench-tf", "torch-bf16")
TOP_OPS = 15  # ops listed per path in the report

# Op names (TensorFlow op types, oneDNN's _Mkl/_MklNative prefixes removed, or aten ops) to the
# groups both paths share. Checked in order; the first group whose words match wins.
GROUPS = (
    # PyTorch computes both gradients of a convolution in one op, so they share a group.
    ("conv backward (input + weights)", ("conv2dbackprop", "convolution_backward")),
    ("conv forward", ("conv2d", "convolution", "mkldnn_convolution", "conv")),
    ("batch norm", ("batchnorm", "batch_norm", "fusedbatchnorm", "native_batch_norm")),
    ("matmul (dense)", ("matmul", "addmm", "mm", "linear")),
    (
        "optimizer",
        (
            "resourceapply",
            "assignvariable",
            "readvariable",
            "adam",
            "_foreach",
            "assignsub",
            "assignadd",
            "lerp",
            "addcdiv",
            "addcmul",
        ),
    ),  # fmt: skip
    ("dtype casts", ("cast", "_to_copy", "to", "copy_")),
    (
        "data movement",
        (
            "transpose",
            "reshape",
            "concat",
            "slice",
            "pad",
            "contiguous",
            "clone",
            "empty",
            "zeros",
            "fill",
            "identity",
            "iterator",
        ),
    ),  # fmt: skip
    (
        "element-wise",
        (
            "relu",
            "add",
            "mul",
            "sub",
            "div",
            "threshold",
            "sqrt",
            "square",
            "clamp",
            "maximum",
            "neg",
            "select",
            "where",
            "sum",
            "mean",
            "biasadd",
        ),
    ),  # fmt: skip
)
_BATCH_NORM_NODE = re.compile(r"_bn(_\d+)?/")  # resnet.py names its layers "<block>_bn"


def group_of(op: str, node: str = "") -> str:
    """The shared group of an op name, or "other". A TensorFlow op inside a batch-norm layer
    (its node name holds the layer's ``_bn`` name) counts as batch norm: Keras 3 on TensorFlow
    computes batch norm from element-wise ops, PyTorch in one fused kernel."""
    if _BATCH_NORM_NODE.search(node):
        return "batch norm"
    name = op.lower()
    for prefix in ("_mklnative", "_mkl", "aten::"):
        name = name.removeprefix(prefix)
    for group, words in GROUPS:
        if any(name == word or name.startswith(word) for word in words):
            return group
    return "other"


def profile_tf(job: dict) -> dict:
    """Self time per TensorFlow op over ``steps`` training steps of bench's compiled model."""
    from bench.train.devices import detect, prepare_environment

    prepare_environment()
    import numpy as np
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    from bench.models import get_model
    from bench.recipes import Augmentation
    from bench.train.training import compile_for, steps_per_epoch

    spec = get_model(job["model"])
    recipe = replace(spec.full, augmentation=Augmentation())
    compiled = compile_for(spec, recipe, device=detect("auto"), seed=0,
                           steps=steps_per_epoch(54_000, recipe.batch_size),
                           steps_per_execution=1)  # fmt: skip
    model, batch = compiled.model, recipe.batch_size
    rng = np.random.default_rng(0)
    images = rng.random((batch * job["warmup_steps"], 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]
    model.fit(images, labels, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    images = rng.random((batch * job["steps"], 28, 28, 1), dtype=np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(images))]
    logdir = tempfile.mkdtemp(prefix="bench-tf-profile-")
    tf.profiler.experimental.start(logdir)
    started = time.perf_counter()
    model.fit(images, labels, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    wall = time.perf_counter() - started
    tf.profiler.experimental.stop()
    (path,) = glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True)
    space = xplane_pb2.XSpace()
    space.ParseFromString(Path(path).read_bytes())
    ops: dict[tuple[str, str], float] = defaultdict(float)
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        names = {key: meta.name for key, meta in plane.event_metadata.items()}
        for line in plane.lines:
            for event in line.events:
                name = names.get(event.metadata_id, "")
                # Executor op events are "node_name:OpType"; everything else is framework
                # bookkeeping (function calls, Python frames) that contains the ops.
                if ":" in name and "::" not in name and not name.startswith("__"):
                    node, op_type = name.rsplit(":", 1)
                    if op_type and op_type[0].isupper() or op_type.startswith("_"):
                        ops[op_type, group_of(op_type, node)] += event.duration_ps / 1e12
    return _summary(ops, wall, job["steps"], batch, compiled.precision)


def profile_torch(job: dict) -> dict:
    """Self CPU time per aten op over ``steps`` eager training steps of the PyTorch twin."""
    import torch
    import torch_reference
    from torch.profiler import ProfilerActivity, profile

    from bench.models import get_model

    spec = get_model(job["model"])
    torch.manual_seed(0)
    network = torch_reference.NETWORKS[spec.name]().to(memory_format=torch.channels_last)
    train_step = torch_reference.training_step(network, spec.full, bfloat16=True)
    batch = spec.full.batch_size

    def batch_of_data():
        return (torch.rand(batch, 1, 28, 28).contiguous(memory_format=torch.channels_last),
                torch.randint(0, 10, (batch,)))  # fmt: skip

    for _ in range(job["warmup_steps"]):
        train_step(*batch_of_data())
    data = [batch_of_data() for _ in range(job["steps"])]
    with profile(activities=[ProfilerActivity.CPU]) as profiler:
        started = time.perf_counter()
        for images, labels in data:
            train_step(images, labels)
        wall = time.perf_counter() - started
    ops: dict[tuple[str, str], float] = defaultdict(float)
    for event in profiler.key_averages():
        if event.key.startswith("aten::") or event.key.startswith("mkldnn"):
            ops[event.key, group_of(event.key)] += event.self_cpu_time_total / 1e6
    return _summary(ops, wall, job["steps"], batch, "bfloat16 autocast")


def _summary(
    ops: dict[tuple[str, str], float], wall: float, steps: int, batch: int, precision: str
) -> dict:
    """Per-step milliseconds by (op, group) and by group, the profiled wall time, images/s."""
    per_step = {key: 1000 * seconds / steps for key, seconds in ops.items()}
    groups: dict[str, float] = defaultdict(float)
    for (_, group), ms in per_step.items():
        groups[group] += ms
    top = sorted(per_step.items(), key=lambda item: -item[1])[:TOP_OPS]
    return {
        "precision": precision, "batch_size": batch, "steps": steps,
        "wall_ms_per_step": 1000 * wall / steps, "images_per_second": batch * steps / wall,
        "op_ms_per_step": sum(per_step.values()),
        "groups": dict(sorted(groups.items(), key=lambda item: -item[1])),
        "top_ops": [{"op": op, "group": group, "ms_per_step": ms} for (op, group), ms in top],
    }  # fmt: skip


def run_worker(job: dict) -> dict:
    return (profile_tf if job["path"] == "bench-tf" else profile_torch)(job)


def markdown(summary: dict) -> str:
    """Groups side by side, then each path's top ops."""
    paths = summary["paths"]
    lines = [
        f"# One training step of {summary['model']}, profiled: bench's TensorFlow path and the "
        "PyTorch twin",
        "",
        harness.machine_line(summary),
        f"Command: `{summary['command']}`",
        "",
        "Milliseconds of op self time per training step (batch "
        f"{paths['bench-tf']['batch_size']}), grouped. Wall time is the whole profiled step, "
        "under the profiler (slower than unprofiled). TensorFlow runs independent ops side by "
        "side on the two cores, so its op times can add up to more than its wall time.",
        "",
        "| group | bench-tf ms | torch-bf16 ms | TF minus torch |",
        "|---|---:|---:|---:|",
    ]
    tf_groups, torch_groups = paths["bench-tf"]["groups"], paths["torch-bf16"]["groups"]
    for group in sorted(set(tf_groups) | set(torch_groups),
                        key=lambda g: -tf_groups.get(g, 0.0)):  # fmt: skip
        tf_ms, torch_ms = tf_groups.get(group, 0.0), torch_groups.get(group, 0.0)
        lines.append(f"| {group} | {tf_ms:.1f} | {torch_ms:.1f} | {tf_ms - torch_ms:+.1f} |")
    for field, label in (("op_ms_per_step", "all ops"), ("wall_ms_per_step", "wall per step")):
        tf_ms, torch_ms = paths["bench-tf"][field], paths["torch-bf16"][field]
        lines.append(f"| **{label}** | {tf_ms:.1f} | {torch_ms:.1f} | {tf_ms - torch_ms:+.1f} |")
    lines.append(
        f"| images/s (profiled) | {paths['bench-tf']['images_per_second']:.1f} | "
        f"{paths['torch-bf16']['images_per_second']:.1f} | |"
    )
    for path in PATHS:
        lines += ["", f"## {path}: the {TOP_OPS} ops that take the most time "
                  f"({paths[path]['precision']})", "", "| op | group | ms per step |",
                  "|---|---|---:|"]  # fmt: skip
        lines += [f"| `{row['op']}` | {row['group']} | {row['ms_per_step']:.1f} |"
                  for row in paths[path]["top_ops"]]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="resnet34")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument(harness.WORKER_FLAG)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(run_worker(json.loads(arguments.worker))))
        return
    command = shlex.join(["python", "experiments/step_profile.py", *sys.argv[1:]])
    report = harness.Report("step_profile", command, arguments.out)
    paths = {}
    for path in PATHS:
        job = {"path": path, "model": arguments.model, "steps": arguments.steps,
               "warmup_steps": arguments.warmup_steps}  # fmt: skip
        env = harness.worker_environment("tensorflow" if path == "bench-tf" else "torch")
        env.pop("TF_ENABLE_ONEDNN_OPTS", None)
        paths[path] = harness.spawn(__file__, job, env)
        if "error" in paths[path]:
            raise SystemExit(f"{path}: {paths[path]['error']}")
        print(f"{path}: {paths[path]['wall_ms_per_step']:.0f} ms per step", flush=True)
    report.finish({"schema_version": SCHEMA_VERSION, "model": arguments.model, "paths": paths},
                  markdown)  # fmt: skip


if __name__ == "__main__":
    main()
