"""``python -m downloads download TITLE`` / ``python -m downloads downloads list|play|renew|delete ID``."""
import sys

from downloads.cli import main

sys.exit(main())
