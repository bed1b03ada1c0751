#!/usr/bin/env python3
"""Screenshots of the real desktop app (under Xvfb, through tauri-driver) for the README."""
import os
import sys
import time

from webdriver import Driver

APP = os.path.abspath(f"{os.environ.get('CARGO_TARGET_DIR', 'target')}/debug/lull-desktop")
OUT = sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"


def main():
    os.makedirs(OUT, exist_ok=True)
    with Driver() as driver:
        s = driver.session(APP)
        s.wait("return !!document.querySelector('.shell[data-settled=true]')")
        if s.js("return !!document.querySelector('[data-testid=reassurance]')"):
            s.screenshot(f"{OUT}/reassurance.png")
            s.js("document.querySelector('[data-testid=reassurance] button').click()")
        shots = [
            ("inbox", "#/inbox", "return document.querySelectorAll('[data-testid=message]').length > 0"),
            ("digests", "#/digests", "return !!document.querySelector('[data-testid=digest-detail]')"),
            ("focus", "#/focus", "return !!document.querySelector('[data-testid=preview-answer]')"),
            ("clients", "#/clients", "return document.querySelectorAll('[data-testid=clients] tbody tr').length > 0"),
            ("channels", "#/channels", "return document.querySelectorAll('[data-testid=channel]').length > 0"),
            ("stats", "#/stats", "return document.querySelectorAll('canvas').length >= 3"),
        ]
        for name, route, ready in shots:
            s.js(f"location.hash = '{route}'")
            s.wait(ready)
            time.sleep(0.6)
            s.screenshot(f"{OUT}/{name}.png")
        # The inbox with a message opened, and the stats in French.
        s.js("location.hash = '#/inbox'")
        s.wait("return document.querySelectorAll('[data-testid=message]').length > 1")
        s.js("document.querySelectorAll('[data-testid=message]')[1].click()")
        s.wait("return !!document.querySelector('[data-testid=detail]')")
        time.sleep(0.4)
        s.screenshot(f"{OUT}/inbox-message.png")
        s.quit()
    print(f"screenshots in {OUT}")


if __name__ == "__main__":
    main()
