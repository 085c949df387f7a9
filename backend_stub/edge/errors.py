"""Errors raised by the edge package. Library exceptions (OSError from sockets, ValueError from JSON
parsing) are caught inside the package and either answered on the wire or re-raised as one of these.

::

    EdgeError                      base class; catch this to handle anything from the edge
    ├── FaultConfigError           an admin fault body is malformed (unknown key, wrong type, out of range)
    ├── TraceError                 a throughput trace file or list cannot be read
    └── EdgeStateError             start()/stop()/set_faults() called in the wrong state (not started, twice)
"""
from __future__ import annotations


class EdgeError(Exception):
    """Base class of every error the edge package raises."""


class FaultConfigError(EdgeError, ValueError):
    """An admin fault body does not match the contract (/api/v1/admin/edges/{n}/faults)."""


class TraceError(FaultConfigError):
    """A throughput trace (Sabre JSON periods or Pensieve cooked text) is malformed."""


class EdgeStateError(EdgeError, RuntimeError):
    """The server was asked to do something its current state does not allow."""
