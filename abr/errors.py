"""Errors raised by the ABR package. Every failure a caller can meet is one of these::

    AbrError
    ├── TraceError             a network trace that cannot be parsed or is empty / all-zero
    ├── LadderError            a ladder (Sabre movie JSON) that is malformed or inconsistent
    └── UnknownAlgorithmError  a name not in the registry (`abr.algorithms.by_name`)

Library exceptions (``json.JSONDecodeError``, ``ValueError`` from ``float()``) never leak: the
parsers wrap them into one of the classes above.
"""
from __future__ import annotations


class AbrError(Exception):
    """Base of every ABR error."""


class TraceError(AbrError):
    """A throughput trace could not be read."""


class LadderError(AbrError):
    """A ladder could not be read."""


class UnknownAlgorithmError(AbrError):
    """No algorithm is registered under this name."""
