"""Pick and set up the device: environment before Keras is imported, then GPUs and precision.

TensorFlow-only features (oneDNN, memory growth, MirroredStrategy) are guarded by backend, so
the same engine runs under JAX (how it reaches the GPU machine) and PyTorch.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from dataclasses import dataclass

from bench.errors import BenchError

BACKENDS = ("tensorflow", "jax", "torch")


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


@dataclass(frozen=True)
class Device:
    """What the engine trains on."""

    backend: str
    gpus: tuple[str, ...]
    mixed_precision: str  # Keras dtype policy: "float32" on CPU, "mixed_bfloat16"/"mixed_float16"

    @property
    def kind(self) -> str:
        return "gpu" if self.gpus else "cpu"

    def jit_compile(self, family: str) -> bool | str:
        """XLA for the CNNs on GPU; never for the cuDNN LSTM (no XLA kernel) nor on CPU (slower)."""
        if self.backend != "tensorflow":
            return "auto"
        return bool(self.gpus) and family == "CNN"


def detect() -> Device:
    """Find GPUs for the active backend, enable TensorFlow memory growth, choose the precision."""
    import keras

    backend = keras.backend.backend()
    gpus: tuple[str, ...] = ()
    bfloat16 = True
    if backend == "tensorflow":
        import tensorflow as tf

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
    policy = "float32" if not gpus else ("mixed_bfloat16" if bfloat16 else "mixed_float16")
    return Device(backend=backend, gpus=gpus, mixed_precision=policy)


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
