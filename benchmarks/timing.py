"""Steady-state training speed of a compiled Keras model (shared by the benchmark workers)."""

from __future__ import annotations

import time


def training_rate(
    model, images, labels, *, batch_size: int, steps_per_execution: int, seconds: float,
    warmup_calls: int, epochs: int, shuffle: bool,
) -> tuple[float, int]:  # fmt: skip
    """Images/s over the compiled calls after the first ``warmup_calls`` (compilation,
    allocation), stopping once ``seconds`` have been timed; also how many calls were timed.

    Keras reports the end of every compiled call: one batch, or ``steps_per_execution`` of them.
    """
    import keras

    ends: list[float] = []

    class CallTimer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            ends.append(time.perf_counter())
            timed = ends[warmup_calls:]
            if len(timed) >= 3 and timed[-1] - timed[0] > seconds:
                self.model.stop_training = True

    model.fit(images, labels, batch_size=batch_size, epochs=epochs, verbose=0,
              callbacks=[CallTimer()], shuffle=shuffle)  # fmt: skip
    timed = ends[warmup_calls:]
    rate = batch_size * steps_per_execution * (len(timed) - 1) / (timed[-1] - timed[0])
    return rate, len(timed) - 1
