"""Reads `upload-edge serve`'s start-up banner: the page's URL and the dev user's sign-in, until it is ready.

Shared by the browser test (Tests/Browser) and the API fuzzer (Tests/Scripts/api_fuzz.py).
"""

import re
import time


def read_banner(serve, timeout=900):
    """Reads serve's stdout until "Press Ctrl-C"; returns {"url", "username", "password"} as printed.

    Raises RuntimeError when serve exits first or is not ready within `timeout` seconds (a first run installs its
    virtual environments, which takes minutes).
    """
    details = {}
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = serve.stdout.readline()
        if not line:
            raise RuntimeError(f"upload-edge serve exited with {serve.wait()} before it was ready")
        if match := re.match(r"\s+(http://127\.0\.0\.1:\d+/)\s*$", line):
            details["url"] = match.group(1)
        elif match := re.match(r"Sign in as:\s+(\S+)", line):
            details["username"] = match.group(1)
        elif match := re.match(r"Password:\s+(\S+)", line):
            details["password"] = match.group(1)
        elif line.startswith("Press Ctrl-C"):
            return details
    raise RuntimeError(f"upload-edge serve was not ready within {timeout // 60} minutes")
