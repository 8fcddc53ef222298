"""Pick and set up the device: environment before Keras is imported, then GPUs and precision.

TensorFlow-only features (oneDNN, memory growth, MirroredStrategy) are guarded by backend, so
the same engine runs under JAX (how it reaches the GPU machine) and PyTorch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import os
import platform
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.errors import BenchError

if TYPE_CHECKING:  # bench.models imports Keras, which must wait for prepare_environment()
    from bench.models import ModelSpec

BACKENDS = ("tensorflow", "jax", "torch")
POLICIES = ("float32", "mixed_bfloat16", "mixed_float16")  # the Keras dtype policies
PRECISIONS = ("auto", *POLICIES)  # what --precision takes
# CPU settings from experiments/results/cpu_speedups.md (this project's 2-core CPU, TensorFlow with
# oneDNN): bfloat16 trained AlexNet 1.45x and ResNet-34 1.29x faster, and the LSTM no faster;
# 16 steps per compiled call trained LeNet-5 1.1x-1.8x faster, the LSTM no faster and the heavy
# networks no faster (their step dwarfs the call overhead, and progress would update rarely).
LIGHT_MODEL_FLOPS = 100_000_000  # forward FLOPs per image: LeNet-5 0.8 M, LSTM 4.5 M, AlexNet 555 M
CPU_STEPS_PER_EXECUTION = 16
_CPU_BFLOAT16_FLAGS = ("avx512_bf16", "amx_bf16")


def prepare_environment() -> str:
    """Set the variables that must precede the first Keras/TensorFlow import; return the backend.

    oneDNN made TensorFlow 1.7x faster on this project's CPU (../shared/REFERENCE.md); it only
    touches CPU kernels, so it is harmless on a GPU machine.
    """
    backend = os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if backend not in BACKENDS:
        raise BenchError(f"KERAS_BACKEND={backend!r}: choose from {', '.join(BACKENDS)}")
    if "tensorflow" in sys.modules:
        return backend  # too late to change TensorFlow's start-up options
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend == "tensorflow":
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    return backend


@contextlib.contextmanager
def native_stderr_silenced():
    """Point file descriptor 2 at /dev/null for a while: TensorFlow's C++ start-up lines ("All
    log messages before absl::InitializeLog()", "failed call to cuInit" on a machine without a
    GPU) ignore TF_CPP_MIN_LOG_LEVEL and read like failures to a new user. Python exceptions
    still surface: they are raised after the descriptor is restored."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def load_backend() -> str:
    """Prepare the environment, then import Keras (and TensorFlow) quietly; return the backend.

    TensorFlow's Python warnings (e.g. tf.function retracing notices) are silenced too; errors
    still show.
    """
    backend = prepare_environment()
    missing = [name for name in ("keras", backend) if importlib.util.find_spec(name) is None]
    if missing:
        raise BenchError(
            f"training needs {' and '.join(missing)}, not installed here; install the train "
            "extra: pip install -e '.[train]' (rendering the site does not need it)"
        )
    with native_stderr_silenced():
        import keras  # noqa: F401

        if backend == "tensorflow":
            import tensorflow as tf

            tf.get_logger().setLevel("ERROR")
    return backend


@dataclass(frozen=True)
class Device:
    """What the engine trains on, and how: dtype policy and steps per execution by model cost."""

    backend: str
    gpus: tuple[str, ...]
    mixed_precision: str  # Keras dtype policy of every model, or of the heavy ones on a CPU
    light_precision: str = ""  # the light models' policy where it differs ("": the same)
    light_steps_per_execution: int = 1  # training batches per compiled call, light CNNs
    auto_precision: bool = False  # the policies were chosen by --precision auto, not named
    native: tuple[str, ...] = ("float32",)  # the dtype policies this device computes natively

    @property
    def kind(self) -> str:
        return "gpu" if self.gpus else "cpu"

    def precision(self, spec: ModelSpec) -> str:
        """The Keras dtype policy ``spec`` trains under."""
        if _is_light(spec) and self.light_precision:
            return self.light_precision
        return self.mixed_precision

    def named(self, policy: str) -> Device:
        """This device with ``policy`` for every model, as ``--precision POLICY`` would give."""
        return dataclasses.replace(
            self, mixed_precision=policy, light_precision="", auto_precision=False
        )

    def steps_per_execution(self, spec: ModelSpec) -> int:
        """Training batches per compiled call for ``spec`` (the recurrent LSTM gained nothing)."""
        if _is_light(spec) and spec.family == "CNN":
            return self.light_steps_per_execution
        return 1

    def jit_compile(self, family: str) -> bool | str:
        """XLA for the CNNs on GPU; never for the cuDNN LSTM (no XLA kernel) nor on CPU (slower)."""
        if self.backend != "tensorflow":
            return "auto"
        return bool(self.gpus) and family == "CNN"


def detect(precision: str = "auto") -> Device:
    """Find GPUs for the active backend, enable TensorFlow memory growth, choose the precision.

    ``auto``: bfloat16 (or float16 before Ampere) mixed precision on a GPU; on a CPU with native
    bfloat16 instructions under TensorFlow, bfloat16 for the heavy models only; float32
    elsewhere (the planner may still join stored folds of another native policy, see
    ``bench.train.planning.auto_policy``). Any other value applies to every model. Light
    convolutional networks run several steps per compiled call under TensorFlow on a CPU.
    """
    check_precision(precision)
    import keras

    backend = keras.backend.backend()
    gpus: tuple[str, ...] = ()
    bfloat16 = True
    if backend == "tensorflow":
        import tensorflow as tf

        with native_stderr_silenced():  # "failed call to cuInit" where there is no GPU
            physical = tf.config.list_physical_devices("GPU")
        for gpu in physical:
            with contextlib.suppress(RuntimeError):  # already initialised: growth is fixed
                tf.config.experimental.set_memory_growth(gpu, True)
        details = [tf.config.experimental.get_device_details(gpu) for gpu in physical]
        gpus = tuple(
            detail.get("device_name", gpu.name)
            for detail, gpu in zip(details, physical, strict=True)
        )
        bfloat16 = all(d.get("compute_capability", (0, 0)) >= (8, 0) for d in details)
    elif backend == "jax":
        import jax

        gpus = tuple(d.device_kind for d in jax.devices() if d.platform == "gpu")
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            gpus = tuple(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
            bfloat16 = torch.cuda.is_bf16_supported()
    steps = CPU_STEPS_PER_EXECUTION if backend == "tensorflow" and not gpus else 1
    cpu_bfloat16 = not gpus and backend == "tensorflow" and cpu_has_bfloat16()
    native = ("float32",) + (("mixed_bfloat16",) if cpu_bfloat16 or (gpus and bfloat16) else ())
    native += ("mixed_float16",) if gpus else ()
    device = Device(backend, gpus, "float32", light_steps_per_execution=steps, native=native)
    if precision != "auto":
        return device.named(precision)
    if gpus:
        policy = "mixed_bfloat16" if bfloat16 else "mixed_float16"
        return dataclasses.replace(device, mixed_precision=policy, auto_precision=True)
    if cpu_bfloat16:
        return dataclasses.replace(
            device, mixed_precision="mixed_bfloat16", light_precision="float32", auto_precision=True
        )
    return dataclasses.replace(device, auto_precision=True)


def check_precision(precision: str) -> None:
    if precision not in PRECISIONS:
        raise BenchError(f"--precision {precision!r}: choose from {', '.join(PRECISIONS)}")


def _is_light(spec: ModelSpec) -> bool:
    return (spec.forward_flops or 0) < LIGHT_MODEL_FLOPS


def cpu_has_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether the CPU computes bfloat16 natively (AVX512-BF16 or AMX), so oneDNN uses it."""
    with contextlib.suppress(OSError), open(cpuinfo, encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                return any(flag in flags for flag in _CPU_BFLOAT16_FLAGS)
    return False


def distribution_scope(strategy: str, device: Device):
    """A context under which models are built and compiled: MirroredStrategy or nothing."""
    if strategy == "default":
        return contextlib.nullcontext()
    if device.backend != "tensorflow":
        raise BenchError(f"--strategy mirrored needs the TensorFlow backend, not {device.backend}")
    import tensorflow as tf

    return tf.distribute.MirroredStrategy().scope()


def cpu_model() -> str:
    """The CPU's marketing name, from /proc/cpuinfo where there is one."""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()
