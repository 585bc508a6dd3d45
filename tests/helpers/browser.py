"""Debian's headless Chromium through selenium, for the console and phone-page tests."""
from __future__ import annotations

import shutil

import pytest


def chromium(*extra_args: str):
    """A headless Chromium driver (skips the test when chromium/chromedriver are absent)."""
    if not shutil.which("chromedriver") or not shutil.which("chromium"):
        pytest.skip("chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                *extra_args):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
