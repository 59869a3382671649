"""The documentation site builds strictly, and its pages render in a real (headless) browser.

The browser check needs Chromium (Debian's ``chromium`` package; ``.ci/run`` installs it where
``apt-get`` works) and skips, saying so, without it.
"""

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = {"home": "", "reference": "reference/hookspecs/"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built with ``mkdocs build --strict`` (any warning fails it)."""
    mkdocs = Path(sys.executable).with_name("mkdocs")
    if not mkdocs.exists():
        pytest.skip("mkdocs is not installed beside this Python (the docs extra)")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    built = subprocess.run(
        [str(mkdocs), "build", "--strict", "-d", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-4000:]
    return out


def test_the_strict_build_writes_every_page(site):
    assert (site / "index.html").is_file()
    assert (site / "reference" / "cli" / "index.html").is_file()
    assert "fengqiao_register_backends" in (site / "reference/hookspecs/index.html").read_text()


@pytest.fixture(scope="module")
def served(site):
    """The built site on an ephemeral 127.0.0.1 port (the standard library's server)."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    thread.join()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the test's output stays readable
        pass


def distinct_colours(png: Path) -> int:
    from matplotlib import image

    pixels = image.imread(png)
    flat = pixels.reshape(-1, pixels.shape[-1])
    return len({tuple(p) for p in flat[:: max(1, len(flat) // 20000)].round(2).tolist()})


@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_render_in_headless_chromium(page, served, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    shot = tmp_path / f"{page}.png"
    profile = tmp_path / "profile"
    done = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,900",
            f"--screenshot={shot}", served + PAGES[page],
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    # a blank or error page has a handful of colours; a rendered Material page has hundreds
    assert distinct_colours(shot) > 50
