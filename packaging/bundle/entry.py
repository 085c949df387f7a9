"""The bundle's entry point: the same `reelbox` console script (ui.cli:main) as the pip install."""
from ui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
