"""A headless Chromium driven through chromedriver's W3C WebDriver API on loopback.

About eighty lines of plain JSON over HTTP instead of a Selenium dependency: the review tests need
only to open a file, run a script, click, hover and take a screenshot, and Selenium would add a
package tree plus a driver manager that may try to download browsers. Used by tests/test_review.py
and scripts/review_screenshot.py. Debian's `chromium` and `chromium-driver` provide the binaries.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference
# No sandbox: CI runs as root in a container. The rest keeps Chromium off the network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def missing() -> str | None:
    """Why no browser can run here, or None when chromium and chromedriver are both installed."""
    absent = [name for name in ("chromium", "chromedriver") if not shutil.which(name)]
    if absent:
        return (
            f"{' and '.join(absent)} not installed (Debian: apt-get install chromium chromium-driver; .ci/run does it)"
        )
    return None


class Browser:
    def __init__(self, width: int = 1280, height: int = 900) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="review-chromium-")
        with socket.socket() as probe:  # a free loopback port for chromedriver
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._driver = subprocess.Popen(
            [shutil.which("chromedriver") or "chromedriver", f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # Loopback only: no proxy from the environment may see these requests.
        self._http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.session = ""
        try:
            self._wait_ready()
            options = {"binary": shutil.which("chromium"), "args": FLAGS + [f"--user-data-dir={self._profile.name}"]}
            self.session = self._call(
                "POST", "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
            )["sessionId"]
            # Fix the viewport itself (a window size would include the browser's frame).
            self._s(
                "POST",
                "/goog/cdp/execute",
                {
                    "cmd": "Emulation.setDeviceMetricsOverride",
                    "params": {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                },
            )
        except BaseException:
            self.close()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._driver.poll() is not None:
                raise RuntimeError(
                    f"chromedriver exited: {self._driver.stderr.read().decode(errors='replace').strip()}"
                )
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("chromedriver did not start within 15 s")

    def _call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with self._http.open(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as exc:  # WebDriver errors come as JSON: show their message
            value = json.loads(exc.read() or b"{}").get("value", {})
            raise RuntimeError(
                f"WebDriver {method} {path}: {value.get('error')}: {value.get('message', '')[:300]}"
            ) from None

    def _s(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def open(self, path: Path, fragment: str = "") -> None:
        self._s("POST", "/url", {"url": path.resolve().as_uri() + (f"#{fragment}" if fragment else "")})

    def run(self, script: str, *args):
        """Run `script` as a function body in the page; element arguments come from `find`."""
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css: str) -> list[dict]:
        return self._s("POST", "/elements", {"using": "css selector", "value": css})

    def click(self, element: dict) -> None:
        self._s("POST", f"/element/{element[ELEMENT]}/click", {})

    def hover(self, element: dict) -> None:
        move = {"type": "pointerMove", "duration": 0, "origin": element, "x": 0, "y": 0}
        self._s(
            "POST",
            "/actions",
            {
                "actions": [
                    {"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [move]}
                ]
            },
        )

    def visible_text(self, element: dict) -> str:
        return self._s("GET", f"/element/{element[ELEMENT]}/text")

    def screenshot(self) -> bytes:
        return base64.b64decode(self._s("GET", "/screenshot"))

    def close(self) -> None:
        try:
            if self.session:
                self._s("DELETE", "")
        finally:
            self._driver.terminate()
            self._driver.wait(timeout=10)
            self._profile.cleanup()

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
