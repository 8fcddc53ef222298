"""The static site: figures and pages built from stored results."""
