"""Analysis: scores, statistics and per-model reports from stored results."""
