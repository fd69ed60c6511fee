"""Browser tests: Playwright's sync API driving Debian chromium, offline.

The portal is built from the small store of ``tests/portal/smallworld.py``; the live app is a
real ``alpr-audit serve`` subprocess on a free loopback port. Screenshots go to
``tests/browser/artifacts/`` (gitignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "portal"))

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small store (closed, so ``serve`` can open it) and its built portal."""
    import smallworld

    from alpr_audit.outputs.portal.build import build_portal
    from alpr_audit.store import Store

    root = tmp_path_factory.mktemp("browser")
    smallworld.build(root / "store").close()
    with Store.open(root / "store", read_only=True) as store:
        build_portal(store, root / "site")
    return {"store": root / "store", "site": root / "site"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live(world: dict[str, Path]) -> Iterator[str]:
    """Base URL of ``alpr-audit serve`` running on the small store."""
    port = _free_port()
    exe = Path(sys.executable).with_name("alpr-audit")
    log = open(world["store"].parent / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([str(exe), "--store", str(world["store"]), "serve", "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT,
                            env={k: v for k, v in os.environ.items()
                                 if k != "ALPR_AUDIT_TOKEN"})  # public mode only
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail("alpr-audit serve exited: "
                            + (world["store"].parent / "serve.log").read_text())
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("alpr-audit serve did not start listening within 30 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


class Watched:
    """A page whose console errors and every requested URL are recorded."""

    def __init__(self, browser: object, allowed: tuple[str, ...]) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

        def route(r: object) -> None:
            url = r.request.url  # type: ignore[attr-defined]
            if url.startswith(allowed):
                r.continue_()  # type: ignore[attr-defined]
            else:
                r.abort()  # type: ignore[attr-defined]

        self.context.route("**/*", route)

    def outside(self, allowed: tuple[str, ...]) -> list[str]:
        return [u for u in self.requests if not u.startswith(allowed)]

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()
