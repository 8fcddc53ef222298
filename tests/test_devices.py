"""Device choices: bfloat16 detection from the CPU's flags, settings by model cost."""

import subprocess
import sys

import pytest

from bench.errors import BenchError
from bench.models import get_model
from bench.train import devices

LIGHT, RECURRENT, HEAVY = get_model("lenet5"), get_model("lstm"), get_model("alexnet")


def _cpuinfo(tmp_path, flags: str):
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: {flags}\n\n")
    return path


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni", True),
        ("fpu sse2 avx2 amx_bf16 amx_tile", True),
        ("fpu sse2 avx2 avx512f avx512_vnni", False),  # AVX-512 without bfloat16
        ("fpu sse2 avx512_bf16x", False),  # whole flags only
    ],
)
def test_bfloat16_comes_from_the_cpu_flags(tmp_path, flags, expected):
    assert devices.cpu_has_bfloat16(str(_cpuinfo(tmp_path, flags))) is expected


def test_no_cpuinfo_means_no_bfloat16(tmp_path):
    assert devices.cpu_has_bfloat16(str(tmp_path / "missing")) is False


def test_the_default_models_fall_on_both_sides_of_the_light_bound():
    costs = {name: get_model(name).forward_flops for name in ("lenet5", "lstm", "alexnet")}
    assert costs["lenet5"] < costs["lstm"] < devices.LIGHT_MODEL_FLOPS < costs["alexnet"]


def test_light_models_get_their_own_precision_and_steps():
    device = devices.Device("tensorflow", (), "mixed_bfloat16", "float32", 16)
    assert (device.precision(HEAVY), device.steps_per_execution(HEAVY)) == ("mixed_bfloat16", 1)
    assert (device.precision(LIGHT), device.steps_per_execution(LIGHT)) == ("float32", 16)
    # The LSTM is light but recurrent: float32, one step per call (it gained nothing).
    assert (device.precision(RECURRENT), device.steps_per_execution(RECURRENT)) == ("float32", 1)
    gpu = devices.Device("jax", ("H200",), "mixed_bfloat16")
    assert gpu.precision(LIGHT) == gpu.precision(HEAVY) == "mixed_bfloat16"
    assert gpu.steps_per_execution(LIGHT) == 1


def test_auto_on_a_cpu_follows_its_bfloat16_support(monkeypatch):
    devices.prepare_environment()
    for native, heavy in ((True, "mixed_bfloat16"), (False, "float32")):
        monkeypatch.setattr(devices, "cpu_has_bfloat16", lambda native=native: native)
        device = devices.detect()
        assert device.kind == "cpu" and device.backend == "tensorflow"
        assert (device.precision(HEAVY), device.precision(LIGHT)) == (heavy, "float32")
        assert device.steps_per_execution(LIGHT) == devices.CPU_STEPS_PER_EXECUTION


def test_an_explicit_precision_applies_to_every_model():
    devices.prepare_environment()
    device = devices.detect("float32")
    assert device.precision(HEAVY) == device.precision(LIGHT) == "float32"


def test_an_unknown_precision_is_refused():
    with pytest.raises(BenchError, match="--precision 'half': choose from auto, float32"):
        devices.detect("half")


def test_training_without_the_train_extra_is_one_clear_line(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "keras" else real(name, *a)
    )
    with pytest.raises(BenchError, match=r"training needs keras, not installed here; .*\[train\]"):
        devices.load_backend()


def test_rendering_imports_no_framework():
    frameworks = "{'keras', 'tensorflow', 'jax', 'torch'}"
    probe = (
        f"import sys, bench.cli, bench.site.build\nprint(sorted({frameworks} & set(sys.modules)))"
    )
    finished = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                              timeout=120)  # fmt: skip
    assert finished.stdout.strip() == "[]", finished.stderr[-2000:]
