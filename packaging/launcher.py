"""Entry script of the frozen build (``build.spec``): the ``fieldapp`` command and nothing else.

Why a separate script and not ``fieldapp/__main__.py``: PyInstaller runs its entry script as a
top-level ``__main__`` and adds the script's folder to the module search path of its analysis.
From inside ``fieldapp/`` that would make ``paths``, ``i18n``, ``errors`` ... findable as
top-level modules beside the real ``fieldapp.*`` ones (two copies of a module, two language
settings). Here, in ``packaging/``, the only module on that path is this one, and the core
package keeps no build concerns. The same script serves the console executable and, on Windows
and macOS, the windowed one: without a subcommand ``main`` starts the desktop (``ui.launch``).
"""

import sys

from ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
