"""What the app takes from Streamlit, streamlit-folium, folium and branca beyond their public API, pinned to the
minor versions tested, so that an upgrade is a decision and what it breaks fails a test by name:

- presentation mode's CSS names Streamlit's elements by data-testid (checked here against Streamlit's frontend, and
  in a browser by tests/browser/test_present.py);
- the router leaves Streamlit's legacy pages/ mode (tests/test_pages.py);
- maps.DataElement renders branca macros without compiling their output again (tests/test_text_is_data.py);
- the browser tests reach into streamlit-folium's map frame (tests/browser/test_app_map.py);
- the file uploader's texts are replaced by the interface's own, found by data-testid and, for the drop hint, by the
  class this build gives it (checked here; in a browser by tests/browser/test_upload.py);
- a commit made elsewhere reruns this server's open sessions as they last ran (ecosystem.ui.live; in a real server
  by tests/test_replicas.py).
"""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import streamlit
from packaging.requirements import Requirement
from streamlit.runtime import Runtime
from streamlit.runtime.app_session import AppSession

from ecosystem.config import PROJECT_DIR
from ecosystem.ui import dropzone, presentation

FRONTEND = Path(streamlit.__file__).parent / "static" / "static" / "js"
PINNED = ("streamlit", "streamlit-folium", "folium", "branca")  # the packages whose internals the app relies on


def _requirements() -> dict[str, Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines())
    return {requirement.name: requirement for requirement in map(Requirement, filter(None, lines))}


@pytest.mark.parametrize("package", PINNED)
def test_packages_relied_on_beyond_their_api_are_pinned_to_the_minor_version_tested(package):
    requirement = _requirements()[package]
    assert any(spec.operator == "<" and spec.version.count(".") == 1 for spec in requirement.specifier), (
        f"requirements.txt lets {package} move to an untested minor version: pin it below the next minor")
    assert requirement.specifier.contains(version(package)), (
        f"{package} {version(package)} is installed, requirements.txt says {requirement.specifier}: test against "
        "the pinned version, or check what the app relies on and move the pin")


def test_presentation_css_names_elements_this_streamlit_renders():
    test_ids = re.findall(r'data-testid="([^"]+)"', presentation._PRESENTATION_CSS)
    assert test_ids
    frontend = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in FRONTEND.glob("*.js"))
    missing = [name for name in test_ids if not re.search(rf"[\"'`]{name}[\"'`]", frontend)]
    assert not missing, (f"Streamlit {streamlit.__version__} no longer renders data-testid {', '.join(missing)}: "
                         "presentation mode would show the sidebar or small type; update _PRESENTATION_CSS in "
                         "ecosystem/ui/presentation.py (and tests/browser/test_present.py)")


def test_the_file_uploader_s_texts_are_where_the_dropzone_style_looks_for_them():
    uploader = "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in FRONTEND.glob("FileUploader*.js"))
    for test_id in ("stFileUploaderDropzone", "stFileUploaderDropzoneInstructions"):
        assert f"`{test_id}`" in uploader, f"Streamlit {streamlit.__version__}'s file uploader has no {test_id}"
    # the drop hint: the styled span its text is rendered in, and that span's build class
    hint = re.search(r"(\w+)=\w+\(`span`,\{target:`" + dropzone.DROP_HINT_CLASS + r"`\}\)", uploader)
    assert hint, f"Streamlit {streamlit.__version__} renamed the class of the drop hint: update ecosystem/ui/dropzone.py"
    assert re.search(rf"\b{hint.group(1)},\{{children:\w+\?`Drag and drop", uploader), "the drop hint moved"


def test_open_sessions_can_be_rerun_as_they_last_ran():
    """``ecosystem.ui.live`` finds a session by its id, and on its event loop, once no run is under way, asks it to
    run again with its last client state (what Streamlit does on "run on save")."""
    assert callable(getattr(Runtime, "get_app_session", None))
    assert callable(getattr(AppSession, "_call_soon_on_event_loop", None))
    assert "client_state" in inspect.signature(AppSession.request_rerun).parameters
    source = inspect.getsource(AppSession)
    for kept in ("self._client_state = ", "self._scriptrunner = None", "self._event_loop = "):  # last run's state, idle
        assert kept in source, f"AppSession no longer sets {kept.strip(' =')}"
