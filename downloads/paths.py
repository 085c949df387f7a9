"""Where downloads live (DESIGN.md "Where things live").

The directories come from :mod:`player.paths` (``$REELBOX_HOME/{data,config}`` when set, else the
platformdirs per-user directories): data for segments and databases, config for the device key
record and the trusted clock. The config directory is kept apart from the
data directory on purpose: the device key's record never sits beside the content it opens.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from player.paths import config_dir, data_dir


@dataclass(frozen=True, kw_only=True)
class DownloadPaths:
    """Every file the download manager touches."""

    data_dir: Path
    config_dir: Path

    @property
    def root(self) -> Path:
        """Sealed segments: ``<root>/<asset id>/<track no>/<index>.seg``."""
        return self.data_dir / "downloads"

    @property
    def queue_db(self) -> Path:
        return self.data_dir / "downloads.sqlite"

    @property
    def licence_db(self) -> Path:
        return self.data_dir / "licences.sqlite"

    @property
    def clock_file(self) -> Path:
        return self.config_dir / "clock"

    @classmethod
    def default(cls, env: Mapping[str, str] = os.environ) -> DownloadPaths:
        """The client's data and config directories (:mod:`player.paths`)."""
        return cls(data_dir=data_dir(env=env), config_dir=config_dir(env=env))
