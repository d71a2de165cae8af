"""``python -m fieldapp.cli``: the command line alone, without the desktop (the core never
imports ``ui``; without a subcommand it says to use one). The ``fieldapp`` command is
``ui.launch``."""

import sys

from fieldapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
