"""Where downloads live (DESIGN.md "Where things live").

``$REELBOX_HOME`` when set (tests, kiosk images) roots everything: data in ``$REELBOX_HOME/data``,
config (the device key record, the trusted clock) in ``$REELBOX_HOME/config``. Otherwise the
platformdirs per-user data and config directories. The config directory is kept apart from the
data directory on purpose: the device key's record never sits beside the content it opens.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from drm_client import default_config_dir


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
        """``$REELBOX_HOME/{data,config}`` or the platformdirs user directories."""
        if env.get("REELBOX_HOME"):
            home = Path(env["REELBOX_HOME"])
            return cls(data_dir=home / "data", config_dir=home / "config")
        import platformdirs

        return cls(data_dir=platformdirs.user_data_path("reelbox"), config_dir=default_config_dir(env))
