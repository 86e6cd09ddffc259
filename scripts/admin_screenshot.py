"""The Django admin tried as a new staff user would, in headless Chromium: log in, list bookings across tenants,
edit one, and save screenshots of each step under .local/screenshots/.

    make run                           # in another terminal
    .venv/bin/python scripts/admin_screenshot.py

Needs Debian's chromium (`apt-get install chromium`) and the pinned playwright package (drives it; no browser
download: it uses /usr/bin/chromium).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        print("chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    base = "http://" + os.environ.get("RUNSERVER_ADDR", "127.0.0.1:8000")
    admin = json.loads((ROOT / ".local" / "dev" / "secrets.json").read_text())["demo_admin"]
    out = ROOT / ".local" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/admin/login/?next=/admin/")
        page.fill("#id_username", admin["username"])
        page.fill("#id_password", admin["password"])
        page.click("input[type=submit]")
        page.wait_for_selector("#site-name")
        page.screenshot(path=out / "1-admin-home.png")
        page.goto(f"{base}/admin/bookings/booking/")
        tenants = page.locator("#changelist-filter").inner_text()
        page.screenshot(path=out / "2-bookings-all-tenants.png")
        page.locator("#result_list tbody tr th a").first.click()
        page.fill("#id_guest_name", "Edited In Admin")
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist .success")
        message = page.locator(".messagelist .success").inner_text()
        page.screenshot(path=out / "3-booking-saved.png")
        browser.close()
    print(f"tenant filter shows: {' | '.join(line for line in tenants.splitlines() if '(tenant-' in line)}")
    print(f"after saving: {message}")
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
