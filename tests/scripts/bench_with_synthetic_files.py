"""Run the `bench` CLI with bench.data expecting the synthetic files described in argv[1].

With LOGICAL_CPUS=N in the environment, TensorFlow first splits the CPU into N logical devices,
so MirroredStrategy can be exercised without GPUs.
"""

import dataclasses
import json
import os
import sys

from bench import cli, data
from bench.train import devices

specs = {name: (count, digest) for name, count, digest in json.loads(sys.argv[1])}
data.FILES = tuple(
    dataclasses.replace(spec, count=specs[spec.name][0], sha256=specs[spec.name][1])
    for spec in data.FILES
)
if os.environ.get("LOGICAL_CPUS"):
    devices.prepare_environment()
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    count = int(os.environ["LOGICAL_CPUS"])
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * count
    )
sys.argv = ["bench", *sys.argv[2:]]
cli.main()
