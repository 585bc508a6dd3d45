"""Packaging for the 好差评 evaluator kiosk, its drivers, sync client and central server."""
from setuptools import find_packages, setup

setup(
    name="haochaping-kiosk",
    version="0.1.0",
    description="Counter-side evaluator kiosk (政务服务好差评) and its central collection server",
    packages=find_packages(include=["kiosk*", "drivers*", "sync*", "server*", "cli_i18n*"]),
    package_data={"kiosk": ["locale/*/LC_MESSAGES/*.po"], "server": ["locale/*/LC_MESSAGES/*.po",
                                                                    "export/mappings/*.json",
                                                                    "facts/*.json",
                                                                    "assess/presets/*.json",
                                                                    # the manuals at /docs/,
                                                                    # built by docs_build.sh
                                                                    "console/manual/**/*"],
                  "cli_i18n": ["locale/*/LC_MESSAGES/*.po"]},
    python_requires=">=3.11",
    install_requires=[
        "click>=8.1",
        "pyserial>=3.5",
        "requests>=2.31",
        "pydantic>=2.5",
        "tomli-w>=1.0",
        "babel>=2.14",  # gettext catalogs compiled from the .po at first use; pybabel extract
    ],
    extras_require={
        # The kiosk screen; the server does not need Kivy.
        "kiosk": ["kivy>=2.3,<2.4", "qrcode>=7.4", "evdev>=1.6; sys_platform == 'linux'",
                  "Pillow>=10",               # staff photos are decoded before they are shown
                  "openpyxl>=3.1"],           # kiosk-setup export -o x.xlsx
        "server": [
            "fastapi>=0.110", "uvicorn>=0.27", "psycopg[binary]>=3.1",
            "jinja2>=3.1",            # the supervisors' console pages
            "python-multipart>=0.0.9",  # console form posts
            "argon2-cffi>=23.1",      # console passwords (memory-hard hash)
            "chinesecalendar>=1.9",   # statutory holidays and make-up working days
            "openpyxl>=3.1",          # XLSX exports
        ],
        "test": [
            "pytest>=8",
            "pytest-timeout>=2.2",
            "hypothesis>=6.100",
            "httpx>=0.27",
            "schemathesis>=3.30",
            "cryptography>=41",
            "pyzbar>=0.1.9",
            "selenium>=4.15",   # console pages in Debian's headless Chromium
            "aiosmtpd>=1.4",    # a real SMTP server on loopback for the alert tests
            "mkdocs>=1.6", "mkdocs-material>=9.5",  # the manuals' site is built in the tests
        ],
        # The manuals' site (docs/, mkdocs.yml): scripts/docs_build.sh.
        "docs": ["mkdocs>=1.6", "mkdocs-material>=9.5"],
    },
    entry_points={
        "console_scripts": [
            "kiosk=kiosk.launch:main",
            "kiosk-setup=kiosk.setup.cli:main",
            "kiosk-server=server.cli:main",
        ],
        # `pybabel extract -F babel-kiosk.cfg` reads the _("...") strings of the Kivy .kv files.
        "babel.extractors": ["kv = kiosk.i18n:extract_kv"]
    },
)
