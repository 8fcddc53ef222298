"""The Ray executor (bench/train/ray_executor.py) on this machine's loopback: the same folds as the
local executor, a two-node cluster started here, a worker killed mid-fold, Ctrl-C, option
errors. Smoke-sized folds on the synthetic dataset; every Ray server a test starts, it stops."""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from bench.cli import app
from bench.store import results
from bench.store.records import FoldRecord
from tests import ray_hooks
from tests.conftest import requires
from tests.engine_helpers import RecordingReporter, smoke_run

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).parent / "scripts" / "bench_with_synthetic_files.py"
MODELS = ("lenet5", "lstm")
# What differs between two trainings of the same fold by design: timings and the run.
VOLATILE = {"epoch_seconds", "train_seconds", "wall_seconds", "images_per_second",
            "finished_at", "run_id", "test_predictions", "held_out_predictions"}  # fmt: skip
runner = CliRunner()


def _close(got, expected) -> bool:
    """Equal, floats within rounding (the history's losses are sums over batches; see the
    probabilities' tolerance below)."""
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(_close(got[k], expected[k]) for k in expected)
    if isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(map(_close, got, expected))
    if isinstance(expected, float):
        return got == pytest.approx(expected, rel=1e-5, abs=1e-6)
    return got == expected


def _lasting(record: FoldRecord) -> dict:
    return {k: v for k, v in record.to_json().items() if k not in VOLATILE}


def _stored(results_dir: Path, model: str, fold: int) -> results.StoredFold:
    path = results.fold_path(results_dir, model, "smoke", fold)
    return results.StoredFold(path, FoldRecord.from_json(json.loads(path.read_text()), path))


@requires("ray")
def test_ray_folds_match_local_folds(synthetic, tmp_path):
    from bench.train.ray_executor import RayExecutor, RaySettings

    directory, _ = synthetic
    smoke_run(directory, tmp_path / "local", MODELS)
    reporter = RecordingReporter()
    # One TensorFlow thread per fold in the workers, as many as the CPU has here.
    with RayExecutor(RaySettings(cpus_per_fold=1)) as executor:
        outcome = smoke_run(directory, tmp_path / "ray", MODELS, reporter, executor=executor)
    assert sorted(outcome.trained) == [(m, f) for m in MODELS for f in (0, 1)]
    assert reporter.failed == []
    for model in MODELS:
        for fold in (0, 1):
            local = _stored(tmp_path / "local", model, fold)
            remote = _stored(tmp_path / "ray", model, fold)
            local_fields = _lasting(local.record)
            remote_fields = _lasting(remote.record)
            assert remote_fields.keys() == local_fields.keys()
            for name, value in local_fields.items():
                assert _close(remote_fields[name], value), (name, remote_fields[name], value)
            for which in ("test", "held_out"):
                expected = results.load_predictions(local, which)
                got = results.load_predictions(remote, which)
                np.testing.assert_array_equal(got.indices, expected.indices)
                np.testing.assert_array_equal(got.labels, expected.labels)
                # The worker runs TensorFlow with one intra-op thread where this process uses
                # every core; a kernel may then sum in another order, which moves the last
                # float32 bits and nothing more (3e-8 at most on the 2-core CPU of this project).
                np.testing.assert_allclose(got.probabilities, expected.probabilities,
                                           rtol=0, atol=1e-6)  # fmt: skip
    manifest = results.load_manifests(tmp_path / "ray")[0]
    assert manifest.status == "completed" and len(manifest.trained) == 4


@requires("ray")
def test_the_time_budget_holds_back_folds_not_yet_submitted(synthetic, tmp_path, monkeypatch):
    from bench.train.budget import Budget
    from bench.train.ray_executor import RayExecutor, RaySettings

    directory, _ = synthetic
    now = [0.0]  # the budget's clock: it jumps past the deadline when the first fold is stored

    class JumpingReporter(RecordingReporter):
        def fold_finished(self, item, record):
            super().fold_finished(item, record)
            now[0] += 1000.0

    monkeypatch.setattr(RayExecutor, "slots", lambda self: 2)  # as on a 2-core machine
    reporter = JumpingReporter()
    with RayExecutor(RaySettings()) as executor:
        outcome = smoke_run(directory, tmp_path, MODELS, reporter, executor=executor,
                            budget=Budget(100.0, clock=lambda: now[0]))  # fmt: skip
    # Fold 0 of each model went out at once (equal folds left, so turns; two slots); both were
    # stored, the one still training when the deadline passed included; fold 1 of each was
    # never sent.
    assert sorted(outcome.trained) == [("lenet5", 0), ("lstm", 0)]
    assert sorted(outcome.left) == [("lenet5", 1), ("lstm", 1)]
    assert results.load_manifests(tmp_path)[0].status == "stopped by the time budget"


@requires("ray")
def test_a_worker_killed_mid_fold_is_retried(synthetic, tmp_path, monkeypatch):
    from bench.train import ray_executor

    directory, _ = synthetic
    marker = tmp_path / "worker-exited"
    ray_hooks.die_in_worker(monkeypatch, f"lenet5:1:{marker}")
    reporter = RecordingReporter()
    with ray_executor.RayExecutor(ray_executor.RaySettings()) as executor:
        outcome = smoke_run(directory, tmp_path / "results", reporter=reporter, executor=executor)
    assert marker.exists()  # the first try of fold 1 did die
    assert sorted(outcome.trained) == [("lenet5", 0), ("lenet5", 1)]
    assert reporter.failed == []
    assert results.load_manifests(tmp_path / "results")[0].status == "completed"


@requires("ray")
def test_a_fold_that_keeps_failing_is_one_line_and_the_others_go_on(synthetic, tmp_path,
                                                                    monkeypatch):  # fmt: skip

    directory, _ = synthetic
    # No marker: the worker of fold 1 dies on every try, so Ray gives up after its retries.
    ray_hooks.die_in_worker(monkeypatch, "lenet5:1")
    result = _cli_train(directory, tmp_path, "--executor", "ray")
    assert result.exit_code == 1, result.output
    assert "lenet5 fold 2/2 failed: Ray gave up after 3 tries" in result.stdout
    assert result.stderr.strip().startswith("error: 1 fold(s) failed (lenet5 fold 1;")
    assert len(result.stderr.strip().splitlines()) == 1
    assert results.fold_path(tmp_path, "lenet5", "smoke", 0).exists()
    assert not results.fold_path(tmp_path, "lenet5", "smoke", 1).exists()
    manifest = results.load_manifests(tmp_path)[0]
    assert manifest.status == "failed" and manifest.failed == (("lenet5", 1),)


@requires("ray")
def test_a_user_error_in_a_worker_comes_back_as_its_message(synthetic, monkeypatch):
    """The worker's side on its own (in this process): an out-of-memory error is returned as
    the fold's one-line failure, not raised into Ray."""
    import keras

    from bench import data
    from bench.config import build_config
    from bench.train import executors, planning, ray_executor

    directory, _ = synthetic
    dataset = data.load_dataset(directory)
    config = build_config("smoke", ("lenet5",))
    splits = planning.model_splits(dataset, config.plan("lenet5"), config.seed)

    def exhausted(self, *args, **kwargs):
        raise RuntimeError("RESOURCE_EXHAUSTED: OOM when allocating tensor")

    monkeypatch.setattr(keras.Model, "fit", exhausted)
    recipe = config.plan("lenet5").recipe
    task = executors.FoldTask("lenet5", 0, recipe, seed=0, precision="float32")
    settings = ray_executor.WorkerSettings("tensorflow", cpus=1, gpus=0)
    failure = ray_executor.train_fold(task, dataset, splits, settings)
    assert isinstance(failure, ray_executor.FoldFailure)
    assert failure.message.startswith("out of memory training lenet5 with batch size")


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@requires("ray")
def test_ctrl_c_keeps_finished_folds_and_exits_130(synthetic, tmp_path):
    directory, _ = synthetic
    command = [*_script_command(), "train", "--profile", "smoke", "--model", "lenet5",
               "--folds", "4", "--epochs", "6", "--executor", "ray", "--quiet",
               "--data-dir", str(directory), "--results-dir", str(tmp_path)]  # fmt: skip
    # A job started with `&` from a script inherits SIGINT ignored, and Python keeps it so; a
    # terminal's foreground command has the default, which is what Ctrl-C meets.
    process = subprocess.Popen(command, env=_env(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=_default_sigint)  # fmt: skip
    try:
        folder = tmp_path / "lenet5" / "smoke"
        deadline = time.monotonic() + 240
        while not list(folder.glob("fold-*.json")) and process.poll() is None:
            assert time.monotonic() < deadline, "no fold finished in time"
            time.sleep(0.1)
        # Ctrl-C in a terminal reaches the whole foreground process group, Ray's own too.
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 130, stderr[-3000:]
        assert "interrupted: every finished fold is stored" in stderr
        assert "Traceback" not in stderr
        stored = sorted(folder.glob("fold-*.json"))
        assert 1 <= len(stored) < 4
        for path in stored:  # whole folds only: the record and both probability files agree
            fold = int(path.stem.split("-")[1])
            for which in ("test", "held_out"):
                assert results.load_predictions(_stored(tmp_path, "lenet5", fold), which)
        assert not list(tmp_path.rglob("*.tmp"))
        assert results.load_manifests(tmp_path)[0].status == "interrupted"
        _assert_group_gone(process.pid)
    finally:
        _kill_group(process)


@requires("ray")
def test_two_node_cluster_builds_the_site(synthetic, tmp_path, two_node_cluster):
    directory, _ = synthetic
    command = [*_script_command(), "build-site", "--profile", "smoke", "--model", "lenet5",
               "--executor", "ray", "--ray-address", two_node_cluster, "--quiet",
               "--data-dir", str(directory), "--results-dir", str(tmp_path / "results"),
               "--out", str(tmp_path / "public")]  # fmt: skip
    finished = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert "trained 2 fold(s)" in finished.stdout
    assert "1 running" in finished.stdout  # both folds were out at once: one on each node
    for fold in (0, 1):
        assert _stored(tmp_path / "results", "lenet5", fold).record.fold_key
    assert (tmp_path / "public" / "index.html").exists()


# --- option errors: one line each, before anything trains --------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--executor", "foo"], "error: --executor 'foo': choose from local, ray"),
        *(
            (["--executor", "ray", option, bad], f"error: {option} {bad!r}: expected a number")
            for option in ("--gpus-per-fold", "--cpus-per-fold")
            for bad in ("0", "-1", "abc", "1.5", "nan")
        ),
        (["--gpus-per-fold", "0.25"], "error: --gpus-per-fold applies to Ray folds; add --exe"),
        (["--ray-address", "10.0.0.5:6379"], "error: --ray-address applies to Ray folds; add"),
    ],
)
def test_bad_ray_options_are_one_line_errors(synthetic, tmp_path, arguments, message):
    directory, _ = synthetic
    result = _cli_train(directory, tmp_path, *arguments)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_ray_not_installed_is_one_line(synthetic, tmp_path, monkeypatch):
    directory, _ = synthetic
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    result = _cli_train(directory, tmp_path, "--executor", "ray")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: --executor ray needs Ray, which is not installed here; install it with "
        'pip install -e ".[ray]"'
    )


@requires("ray")
def test_unreachable_ray_address_is_one_line(synthetic, tmp_path):
    directory, _ = synthetic
    address = f"127.0.0.1:{_free_range(1, set())}"  # nothing listens there
    started = time.monotonic()
    result = _cli_train(directory, tmp_path, "--executor", "ray", "--ray-address", address)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(f"error: --ray-address {address}: nothing answers")
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 60


# --- helpers ---------------------------------------------------------------------------------


def _cli_train(directory, results_dir, *arguments):
    return runner.invoke(
        app,
        ["train", "--profile", "smoke", "--model", "lenet5", "--quiet", "--data-dir",
         str(directory), "--results-dir", str(results_dir), *arguments],
    )  # fmt: skip


def _script_command() -> list[str]:
    from bench import data

    files = json.dumps([[spec.name, spec.count, spec.sha256] for spec in data.FILES])
    return [sys.executable, str(SCRIPT), files]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


# Ports for the nodes come from below the kernel's ephemeral range (32768 and up here), where
# outgoing connections never take them between our check and Ray's bind; Ray's servers listen
# on every interface, so that is where the check binds too.
NODE_PORTS = (10_000, 32_000)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def _free_range(size: int, taken: set[int]) -> int:
    """The first of ``size`` consecutive ports free on every interface, none of them ``taken``."""
    rng = np.random.default_rng()
    for _ in range(200):
        first = int(rng.integers(NODE_PORTS[0], NODE_PORTS[1] - size))
        span = range(first, first + size)
        if not taken.intersection(span) and all(_bindable(port) for port in span):
            taken.update(span)
            return first
    raise RuntimeError("no free port range")


def _node_ports(taken: set[int]) -> list[str]:
    """A node's own ports, so two nodes on one machine never collide."""
    (manager, objects, agent, agent_grpc, runtime_env, metrics) = (
        _free_range(1, taken) for _ in range(6)
    )
    first = _free_range(16, taken)
    return ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--num-gpus", "0",
            "--node-manager-port", str(manager), "--object-manager-port", str(objects),
            "--dashboard-agent-listen-port", str(agent),
            "--dashboard-agent-grpc-port", str(agent_grpc),
            "--runtime-env-agent-port", str(runtime_env), "--metrics-export-port", str(metrics),
            "--min-worker-port", str(first), "--max-worker-port", str(first + 15),
            "--disable-usage-stats", "--block"]  # fmt: skip


@pytest.fixture
def two_node_cluster(tmp_path, monkeypatch):
    """A head node and a worker node on this machine, 1 CPU each; yields the head's address.

    Token authentication is on, with a token of this test's own: Ray's servers listen on every
    interface, whatever address they advertise. Each ``ray start --block`` runs in its own
    session: the test stops it, and everything it started, by that process group (``ray stop``
    would stop every Ray on the machine)."""
    token = tmp_path / "ray-token"
    token.write_text(secrets.token_hex(32))
    monkeypatch.setenv("RAY_AUTH_MODE", "token")  # the nodes, the probe and bench all read it
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(token))
    ray = str(Path(sys.executable).parent / "ray")
    taken: set[int] = set()
    # The head's own temporary folder (short: Ray's socket paths must stay under 108
    # characters) keeps its session and address file out of /tmp/ray, where a later
    # `ray.init()` on this machine would find a cluster that no longer exists.
    temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    nodes = []
    try:
        head, address = _start_head(ray, temp_dir, taken, tmp_path / "head.log")
        nodes.append(head)
        worker_command = [ray, "start", "--address", address, *_node_ports(taken)]
        nodes.append(_start_node(worker_command, tmp_path / "worker.log"))
        try:
            _wait_for_nodes(address, 2)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{_log_tails(tmp_path)}") from None
        yield address
    finally:
        for node in reversed(nodes):
            _kill_group(node)
        shutil.rmtree(temp_dir, ignore_errors=True)


PORT_TAKEN = "Failed to start the grpc server"  # what a head prints when a port was taken


def _start_head(ray: str, temp_dir: str, taken: set[int], log: Path):
    """The head node, listening; its address. A port taken by another program between our
    check and Ray's bind (Ray's own message says so) is a race of this machine, not a fault of
    bench: the head starts again on fresh ports, three times at most."""
    for _ in range(3):
        port, client = _free_range(1, taken), _free_range(1, taken)
        head_command = [ray, "start", "--head", "--port", str(port), "--ray-client-server-port",
                        str(client), "--include-dashboard", "false", "--temp-dir", temp_dir,
                        *_node_ports(taken)]  # fmt: skip
        head = _start_node(head_command, log)
        if _wait_for_port(port, head):
            return head, f"127.0.0.1:{port}"
        if PORT_TAKEN not in log.read_text():
            break
    raise AssertionError(f"the head node exited\n{log.read_text()[-3000:]}")


def _log_tails(folder: Path) -> str:
    return "".join(log.read_text()[-1500:] for log in sorted(folder.glob("*.log")))


def _start_node(command: list[str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(command, env=_env(), stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def _wait_for_port(port: int, node: subprocess.Popen) -> bool:
    """True once the node listens on ``port``; False if it exits first."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if node.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the head node did not listen on {port}")


def _wait_for_nodes(address: str, count: int) -> None:
    """Until ``count`` nodes are alive (asked through a short-lived driver)."""
    probe = (
        "import logging, sys, time, ray\n"
        "ray.init(address=sys.argv[1], logging_level=logging.ERROR, log_to_driver=False)\n"
        "deadline = time.monotonic() + 120\n"
        "while sum(n['Alive'] for n in ray.nodes()) < int(sys.argv[2]):\n"
        "    assert time.monotonic() < deadline, 'the worker node did not join'\n"
        "    time.sleep(0.5)\n"
    )
    finished = subprocess.run([sys.executable, "-c", probe, address, str(count)], env=_env(),
                              timeout=180, capture_output=True, text=True)  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]


def _kill_group(process: subprocess.Popen) -> None:
    """Stop a process we started in its own session, and whatever it started (by group id)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if _group_gone(process.pid, wait):
            return


def _group_gone(group: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def _assert_group_gone(group: int) -> None:
    """Embedded Ray's servers and workers ended with the driver: nothing of the run lingers."""
    assert _group_gone(group, 30), subprocess.run(
        ["ps", "-o", "pid,cmd", "-g", str(group)], capture_output=True, text=True
    ).stdout[-2000:]
