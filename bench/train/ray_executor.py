"""Folds as Ray tasks, on Ray started inside this process or on a cluster (``--ray-address``).

The driver (this process) plans the run exactly as for the local executor and alone writes
results; each missing (model, fold) becomes one task. The dataset and each model's splits go
into the object store once; a task builds its fold's arrays, trains through
``executors.train_task`` (the local executor's path) and returns the fit, the predictions and the
device it trained on. No shared filesystem is needed, and resume works as before.

A fold is submitted only when a slot is free (the cluster's CPUs, and GPUs, over what one fold
reserves) and the time budget admits it, so the budget holds across the cluster and the folds
still queued are the driver's to hold back. A worker that dies is retried by Ray, at most
``MAX_RETRIES`` times; a fold that fails for its own reason (out of memory, a bug) is reported
on one line and the others go on; Ctrl-C stores the folds already done and cancels the rest.

``import ray`` happens only here and only when Ray is asked for, so bench runs without it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import BenchError

if TYPE_CHECKING:  # these import Keras, which a driver loads only after its environment is set
    from bench.store.records import FitResult
    from bench.store.results import FoldPredictions
    from bench.train.devices import Device
    from bench.train.driver import Driver
    from bench.train.executors import FoldTask
    from bench.train.work import WorkItem

MAX_RETRIES = 2  # a fold's worker may die twice (a node lost, a process killed), not a third time
REACH_SECONDS = 5.0  # how long --ray-address may take to accept a connection
WAIT_SECONDS = 1.0  # the driver looks up this often while waiting (Ctrl-C, slots freed)
GPU_MEMORY_SHARE = 0.9  # of a fold's GPU fraction that JAX preallocates: room for CUDA contexts
INSTALL = 'pip install -e ".[ray]"'


def require_ray():
    """The ray module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise BenchError(
            f"--executor ray needs Ray, which is not installed here; install it with {INSTALL}"
        ) from None
    return ray


@dataclass(frozen=True)
class RaySettings:
    """The Ray options of a run (``--ray-address``, ``--gpus-per-fold``, ``--cpus-per-fold``)."""

    address: str | None = None  # None: start Ray inside this process
    gpus_per_fold: float | None = None  # None: one GPU where the cluster has any, else none
    cpus_per_fold: float = 1.0
    # The user's model sources, registered again in every worker (``plugins.load_user_models``).
    models_dir: str | None = None
    model_modules: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkerSettings:
    """What every task of a run shares: how its worker sets itself up before Keras loads."""

    backend: str
    cpus: float
    gpus: float
    models_dir: str | None = None
    model_modules: tuple[str, ...] = ()


@dataclass(frozen=True)
class FoldOutput:
    """A trained fold, as a task returns it to the driver."""

    fit: FitResult
    predictions: FoldPredictions
    device: Device


@dataclass(frozen=True)
class FoldFailure:
    """A fold that failed for a reason of its own (a ``BenchError``, such as out of memory)."""

    message: str


class RayExecutor:
    """Connects on entry (starting Ray here without an address), shuts down on exit."""

    def __init__(self, settings: RaySettings) -> None:
        self.settings = settings
        self.ray = None
        self.worker: WorkerSettings | None = None

    def __enter__(self) -> RayExecutor:
        self.ray = require_ray()
        connect(self.ray, self.settings.address)
        try:
            self.worker = self._worker_settings(self.ray.cluster_resources())
        except BaseException:
            self.ray.shutdown()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.ray.shutdown()

    def _worker_settings(self, resources: dict) -> WorkerSettings:
        gpus = self.settings.gpus_per_fold
        if gpus is None:
            gpus = 1.0 if resources.get("GPU", 0) else 0.0
        cpus = self.settings.cpus_per_fold
        for name, wanted, option in (("CPU", cpus, "--cpus-per-fold"),
                                     ("GPU", gpus, "--gpus-per-fold")):  # fmt: skip
            if wanted > resources.get(name, 0):
                raise BenchError(
                    f"{option} {wanted:g}: the Ray cluster has {resources.get(name, 0):g} "
                    f"{name}(s) in all; ask for less per fold or add nodes"
                )
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        return WorkerSettings(backend, cpus, gpus, self.settings.models_dir,
                              self.settings.model_modules)  # fmt: skip

    def _remote(self, function):
        return self.ray.remote(function).options(
            num_cpus=self.worker.cpus, num_gpus=self.worker.gpus, max_retries=MAX_RETRIES
        )

    def detect_device(self, precision: str) -> Device:
        """The device a fold trains on, as a worker with a fold's resources sees it: the fold
        keys and the profile follow the workers' GPUs, not the driver's."""
        from bench.train import devices

        devices.detect(precision)  # the driver builds each model once (for its key): start quietly
        return self.ray.get(self._remote(worker_device).remote(precision, self.worker))

    def slots(self) -> int:
        """Folds the cluster runs at once now (nodes may join or leave while a run goes on)."""
        resources = self.ray.cluster_resources()
        slots = math.floor(resources.get("CPU", 0) / self.worker.cpus + 1e-9)
        if self.worker.gpus:
            slots = min(slots, math.floor(resources.get("GPU", 0) / self.worker.gpus + 1e-9))
        return max(slots, 1)

    def execute(self, work: list[WorkItem], driver: Driver) -> None:
        """Submit folds as slots free up, store each as it returns; see the module doc."""
        ray = self.ray
        dataset = ray.put(driver.dataset)
        splits = {model: ray.put(driver.splits(model)) for model in {i.model for i in work}}
        train = self._remote(train_fold)
        queued, running = deque(work), {}  # running: task -> (item, submitted at)
        try:
            while queued or running:
                free = self.slots() - len(running)
                while queued and free > 0:
                    if not driver.admits(queued[0]):
                        driver.leave(list(queued))
                        queued.clear()
                        break
                    item = queued.popleft()
                    task = train.remote(driver.task(item), dataset, splits[item.model],
                                        self.worker)  # fmt: skip
                    running[task] = (item, driver.clock())
                    driver.started(item)
                    free -= 1
                done, _ = ray.wait(list(running), num_returns=1, timeout=WAIT_SECONDS)
                for task in done:
                    self._collect(task, *running.pop(task), driver)
        except KeyboardInterrupt:
            self._stop(running, driver)
            raise

    def _collect(self, task, item: WorkItem, submitted: float, driver: Driver,
                 failures: bool = True) -> None:  # fmt: skip
        """Store a returned fold, or report why it failed (one line) and go on; ``failures``
        False: stay silent about them (after Ctrl-C, which reaches the workers too)."""
        errors = self.ray.exceptions
        try:
            result = self.ray.get(task)
        except errors.RayTaskError as error:  # an exception other than BenchError: a bug
            if failures:
                driver.fail(item, f"crashed in its Ray worker: {_last_line(error)}")
            return
        except errors.RayError as error:  # the worker died on every try, its node was lost...
            if failures:
                tries = MAX_RETRIES + 1
                driver.fail(item, f"Ray gave up after {tries} tries: {_last_line(error)}")
            return
        if isinstance(result, FoldFailure):
            if failures:
                driver.fail(item, result.message)
        else:
            seconds = driver.clock() - submitted
            driver.store(item, result.fit, result.predictions, seconds, result.device)

    def _stop(self, running: dict, driver: Driver) -> None:
        """Ctrl-C: cancel the folds still training (killing their workers), store those done."""
        tasks = list(running)
        if not tasks:
            return
        done, pending = self.ray.wait(tasks, num_returns=len(tasks), timeout=0)
        for task in pending:
            with contextlib.suppress(Exception):  # already finished or gone: nothing to cancel
                self.ray.cancel(task, force=True)
        for task in done:
            self._collect(task, *running[task], driver, failures=False)


def connect(ray, address: str | None) -> None:
    """Start Ray here (no address) or join the cluster at ``address``; one line if it fails.

    Ray retries an address that does not answer for minutes, printing as it goes, so a plain
    TCP connection is tried first. Workers' output stays in Ray's log files (log_to_driver off).
    """
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    if address is None:
        # "local": a new Ray of our own, never one that RAY_ADDRESS or a `ray start` on this
        # machine left behind (Ray would otherwise wait for a dead one, printing, for minutes)
        ray.init(address="local", include_dashboard=False, **quiet)
        return
    if address != "auto":
        _check_reachable(address)
    try:
        ray.init(address=address, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise BenchError(
            f"--ray-address {address}: could not join the Ray cluster there "
            f"({_last_line(error)}); check the address `ray start --head` printed, and, if the "
            "cluster uses token authentication, set RAY_AUTH_MODE=token and its token here"
        ) from None


def _check_reachable(address: str) -> None:
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise BenchError(f"--ray-address {address!r}: expected HOST:PORT, e.g. 10.0.0.5:6379")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=REACH_SECONDS).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise BenchError(
            f"--ray-address {address}: nothing answers there ({reason}); start the head node "
            "with `ray start --head` and give the address it prints, or leave the option out "
            "to run Ray inside this process"
        ) from None


def _last_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1][:300] if lines else type(error).__name__


# --- in the worker ----------------------------------------------------------------------------


def prepare_worker(settings: WorkerSettings) -> None:
    """Before Keras loads in a worker: the driver's backend, its share of a GPU's memory (JAX;
    TensorFlow grows its memory as needed, see ``devices.detect``), the fold's CPU threads."""
    os.environ["KERAS_BACKEND"] = settings.backend
    if 0 < settings.gpus < 1:
        share = f"{GPU_MEMORY_SHARE * settings.gpus:.3f}"
        os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", share)
    from bench.train import devices

    devices.load_backend()  # TensorFlow's C++ start-up lines silenced, as in the driver
    if settings.backend == "tensorflow":
        import tensorflow as tf

        with contextlib.suppress(RuntimeError):  # a reused worker: already set for this run
            threads = max(1, math.floor(settings.cpus))
            tf.config.threading.set_intra_op_parallelism_threads(threads)
    from bench.models import plugins

    models_dir = Path(settings.models_dir) if settings.models_dir else None
    plugins.load_user_models(models_dir, settings.model_modules)  # once per worker process


def worker_device(precision: str, settings: WorkerSettings) -> Device:
    """Task: the device a worker trains on."""
    prepare_worker(settings)
    from bench.train import devices

    return devices.detect(precision)


def train_fold(
    task: FoldTask, dataset, splits: tuple, settings: WorkerSettings
) -> FoldOutput | FoldFailure:
    """Task: train one fold in a worker and return it (or why it failed) to the driver."""
    prepare_worker(settings)
    from bench.train import devices, executors

    device = devices.detect(task.precision)  # the policy the driver keyed the fold with
    if 0 < settings.gpus < 1 and device.backend == "torch" and device.gpus:
        import torch

        torch.cuda.set_per_process_memory_fraction(settings.gpus)
    try:
        fit, predictions = executors.train_task(task, dataset, splits, device)
    except BenchError as error:
        return FoldFailure(str(error))
    return FoldOutput(fit, predictions, device)
