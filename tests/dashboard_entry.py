"""``dashboard.py`` as AppTests run it: the router, run from a folder without a ``pages/`` folder beside it.

AppTest detects Streamlit's legacy ``pages/`` mode afresh on every run, so every run of ``dashboard.py`` itself
would start in that mode, which a server is in for its first run only (``ecosystem.ui.navigation``). Run from
here, every AppTest run takes the path a running server takes: the router, its sidebar and view, the page.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent.parent / "dashboard.py"), run_name="__main__")
