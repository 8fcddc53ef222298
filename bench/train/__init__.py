"""Training: plans, keys, budget, devices, the fit loop and its executors."""
