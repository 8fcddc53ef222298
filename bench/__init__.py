"""bench: classic image classifiers on Fashion-MNIST, cross-validated and published as a site."""

__version__ = "0.1.0"
