"""List the help texts of kiosk, kiosk-setup and kiosk-server that their zh_CN catalogs lack,
as .po entries to fill in: `python scripts/cli_help_strings.py [--all]`."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def catalogs() -> dict[Path, dict[str, str]]:
    """Each CLI catalog with the msgids (and where they show) it must translate."""
    from cli_i18n.strings import help_msgids
    from kiosk import config
    from kiosk.cli import main as kiosk_main
    from kiosk.cli_language import HELP_PO
    from kiosk.setup.cli import main as setup_main
    from server.cli import main as server_main
    from server.i18n import LOCALE_DIR

    kiosk = {**help_msgids(setup_main), **help_msgids(kiosk_main),
             **{m: "kiosk/config.py" for m in config.message_ids()}}
    server = help_msgids(server_main)
    return {HELP_PO: kiosk, LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "server_cli.po": server}


def po_string(text: str) -> str:
    """`text` as a .po string, one source line per line of text."""
    lines = text.replace("\\", "\\\\").replace('"', '\\"').split("\n")
    parts = [line + ("\\n" if i < len(lines) - 1 else "") for i, line in enumerate(lines)]
    if len(parts) == 1:
        return f'"{parts[0]}"'
    return '""\n' + "\n".join(f'"{p}"' for p in parts)


def main() -> int:
    from cli_i18n.catalog import CLICK_PO
    from cli_i18n.strings import problems

    everything = "--all" in sys.argv
    for po_path, msgids in catalogs().items():
        todo = msgids if everything else {
            m: w for m, w in msgids.items()
            if any(p.startswith("missing") for p in problems([m], po_path, CLICK_PO))}
        print(f"# {po_path.relative_to(ROOT)}: {len(todo)} to translate")
        for msgid, where in todo.items():
            print(f"\n#: {where}\nmsgid {po_string(msgid)}\nmsgstr \"\"")
    return 0


if __name__ == "__main__":
    sys.exit(main())
