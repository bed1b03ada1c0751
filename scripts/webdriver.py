"""A small W3C WebDriver client for the desktop app through tauri-driver, shared by the
desktop benchmark and the screenshot script (the Rust end-to-end test has its own)."""
import json
import socket
import subprocess
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=int(__import__("os").environ.get("WD_TIMEOUT", "60"))) as r:
        return json.loads(r.read() or b"null")


class Driver:
    """tauri-driver on a free port, stopped on exit."""

    def __enter__(self):
        port = free_port()
        self.proc = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(free_port())], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                call("GET", f"{self.url}/status")
                return self
            except Exception:
                time.sleep(0.05)
        raise SystemExit("tauri-driver did not start")

    def __exit__(self, *_):
        self.proc.terminate()
        self.proc.wait()

    def session(self, app):
        caps = {"capabilities": {"alwaysMatch": {"tauri:options": {"application": app}}}}
        return Session(f"{self.url}/session/{call('POST', f'{self.url}/session', caps)['value']['sessionId']}")


class Session:
    def __init__(self, url):
        self.url = url

    def js(self, script):
        return call("POST", f"{self.url}/execute/sync", {"script": script, "args": []})["value"]

    def wait(self, script, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.js(script)
            if value:
                return value
            time.sleep(0.05)
        raise SystemExit(f"timed out waiting for: {script}")

    def screenshot(self, path):
        """The window as the X server shows it (ImageMagick's `import`): WebKitWebDriver's own
        screenshot command hangs on some pages with WebKitGTK 2.50."""
        size = self.js("return [window.outerWidth, window.outerHeight]")
        subprocess.run(["import", "-window", "root", "-crop", f"{size[0]}x{size[1]}+0+0", "+repage", path], check=True)

    def close_window(self):
        call("DELETE", f"{self.url}/window")

    def quit(self):
        try:
            call("DELETE", self.url)
        except Exception:
            pass
