#!/usr/bin/env python3
"""What the manuals show that is generated, not written: the API reference (from the app's own
OpenAPI description), the mapping files' page (from server/export/mappings/*.json) and the
screenshots (the console's pages through scripts/console_screenshots.py, the kiosk's screens
through `kiosk demo --screenshots`). scripts/docs_build.sh runs it before `mkdocs build`.

    .venv/bin/python scripts/docs_assets.py [--no-shots]

Writes docs/api/reference.md, docs/api/openapi.json, docs/api/mapping-files.md, docs/img/
(all git-ignored). --no-shots keeps the pictures already there (a quicker rebuild of text).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent

# Console pages shown in the manual (names from scripts/console_screenshots.py's PAGES).
CONSOLE_PAGES = ("login", "home-admin", "org", "hall", "users", "audit", "fleet", "password",
                 "figures", "drill-hall", "ranking", "cases", "case", "appeals", "export",
                 "service-hall", "assess", "assess-notice", "assess-scheme")
# Kiosk screens shown in the manual: demo screenshot kind -> the name the pages use.
KIOSK_SCREENS = ("idle", "rating", "reasons", "thanks")
# The device API (kiosk, bearer device token), the business-system API (admin token) and
# the rest, by path prefix: the reference's sections.
SECTIONS = [("设备接口 / Device API", ("/api/v1/ratings", "/api/v1/events", "/api/v1/enrol",
                                        "/api/v1/device/", "/api/v1/heartbeat")),
            ("管理接口 / Business-system (admin) API", ("/api/v1/admin", "/api/v1/devices")),
            ("手机评价与运维 / Phone page and operations", ("/r/", "/healthz"))]


def openapi() -> dict:
    from server.app import create_app
    from server.db.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "openapi.db")
        try:
            return create_app(store).openapi()
        finally:
            store.close()


def schema_name(ref: dict | None) -> str:
    if not ref:
        return ""
    if "$ref" in ref:
        return ref["$ref"].rsplit("/", 1)[-1]
    if ref.get("type") == "array" and "items" in ref:
        return f"[{schema_name(ref['items'])}]"
    return ref.get("type", "")


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def reference(doc: dict) -> str:
    out = ["# 接口参考 / API reference (OpenAPI)", "",
           "本页由服务器的 OpenAPI 描述生成（`scripts/docs_assets.py`，构建手册时运行），与代码一致。",
           "Generated from the server's OpenAPI description when the site is built; the whole "
           "document is [openapi.json](openapi.json) (also served at `GET /openapi.json`). "
           "Device routes take `Authorization: Bearer <device token>`, admin routes "
           "`Authorization: Bearer <KIOSK_SERVER_ADMIN_TOKEN>`.", ""]
    ops = [(path, method, op) for path, item in sorted(doc["paths"].items())
           for method, op in item.items() if method in ("get", "post", "put", "delete", "patch")]
    used = set()
    for title, prefixes in SECTIONS:
        rows = [o for o in ops if o[0].startswith(prefixes)]
        if not rows:
            continue
        out += [f"## {title}", ""]
        for path, method, op in rows:
            used.add((path, method))
            out += [f"### `{method.upper()} {path}`", "", cell(op.get("summary", "")), ""]
            if op.get("description"):
                out += [op["description"].strip(), ""]
            params = op.get("parameters", [])
            if params:
                out += ["| parameter | in | required | type |", "|---|---|---|---|"]
                out += [f"| `{p['name']}` | {p['in']} | {'yes' if p.get('required') else 'no'} "
                        f"| {cell(schema_name(p.get('schema')))} |" for p in params]
                out.append("")
            body = op.get("requestBody", {}).get("content", {})
            for kind, media in body.items():
                out += [f"Request body: `{kind}` {cell(schema_name(media.get('schema')))}", ""]
            answers = op.get("responses", {})
            if answers:
                out += ["| status | meaning |", "|---|---|"]
                out += [f"| {code} | {cell(r.get('description', ''))} |"
                        for code, r in answers.items()]
                out.append("")
    rest = [o for o in ops if (o[0], o[1]) not in used]
    if rest:
        out += ["## 其他 / Other routes", ""]
        out += [f"- `{m.upper()} {p}`: {cell(o.get('summary', ''))}" for p, m, o in rest]
        out.append("")
    schemas = doc.get("components", {}).get("schemas", {})
    out += ["## 数据结构 / Schemas", ""]
    for name, schema in sorted(schemas.items()):
        props = schema.get("properties", {})
        out += [f"### `{name}`", ""]
        if schema.get("description"):
            out += [cell(schema["description"]), ""]
        if props:
            required = set(schema.get("required", []))
            out += ["| field | type | required | description |", "|---|---|---|---|"]
            for field, spec in props.items():
                kind = schema_name(spec) or "/".join(schema_name(s) for s in spec.get("anyOf", []))
                out.append(f"| `{field}` | {cell(kind)} | {'yes' if field in required else 'no'} "
                           f"| {cell(spec.get('description', ''))} |")
            out.append("")
    return "\n".join(out) + "\n"


def mapping_files() -> str:
    out = ["# 映射文件 / Mapping files", "",
           "本页由 `server/export/mappings/*.json` 生成：每个文件写明其依据（title、note）和每个字段的来源。",
           "Generated from `server/export/mappings/*.json`: each file's source (title, note) and "
           "where each field takes its value. How mappings work: [推送映射](export.md).", ""]
    for path in sorted((ROOT / "server" / "export" / "mappings").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        out += [f"## `{data.get('name', path.stem)}`: {data.get('title', '')}", "",
                f"`server/export/mappings/{path.name}`. {data.get('note', '')}", "",
                "| field | from | rule |", "|---|---|---|"]
        for field in data.get("fields", []):
            rule = {k: v for k, v in field.items() if k not in ("name", "from")}
            out.append(f"| {cell(field['name'])} | `{field.get('from', '')}` | "
                       f"{cell(json.dumps(rule, ensure_ascii=False)) if rule else ''} |")
        out.append("")
    return "\n".join(out) + "\n"


def run(cmd: list[str], env: dict | None = None) -> None:
    """Run a shooting script quietly; its output is shown only when it fails."""
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=300)
    if proc.returncode:
        raise SystemExit(f"docs_assets: {' '.join(cmd)} exited {proc.returncode}:\n"
                         f"{proc.stdout[-3000:]}")


def console_shots(img: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run([sys.executable, str(ROOT / "scripts" / "console_screenshots.py"),
             "--out", tmp, "--only", *CONSOLE_PAGES])
        (img / "console").mkdir(parents=True, exist_ok=True)
        for name in CONSOLE_PAGES:
            shutil.copyfile(Path(tmp) / f"{name}-desktop.png", img / "console" / f"{name}.png")


def kiosk_shots(img: Path) -> None:
    """The demo with a simulated citizen on a private Xvfb: idle, rating, reasons, thanks."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        shots = Path(tmp) / "shots"
        run([str(BIN / "kiosk"), "demo", "--citizen", "--duration", "14",
             "--screenshots", str(shots), "--data-dir", str(Path(tmp) / "data")], env=env)
        (img / "kiosk").mkdir(parents=True, exist_ok=True)
        for screen in KIOSK_SCREENS:
            found = sorted(shots.glob(f"[0-9][0-9][0-9]-{screen}.png"))
            if not found:
                raise SystemExit(f"docs_assets: the demo saved no {screen} screen in {shots}")
            shutil.copyfile(found[0], img / "kiosk" / f"{screen}.png")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-shots", action="store_true",
                        help="keep the screenshots already in docs/img/")
    args = parser.parse_args()
    doc = openapi()
    (DOCS / "api").mkdir(exist_ok=True)
    (DOCS / "api" / "openapi.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1),
                                               encoding="utf-8")
    (DOCS / "api" / "reference.md").write_text(reference(doc), encoding="utf-8")
    (DOCS / "api" / "mapping-files.md").write_text(mapping_files(), encoding="utf-8")
    if not args.no_shots:
        console_shots(DOCS / "img")
        kiosk_shots(DOCS / "img")
    return 0


if __name__ == "__main__":
    sys.exit(main())
