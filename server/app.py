"""The ingest API: kiosks POST batches of ratings; staff tools list what arrived.

Every answer, errors included, is JSON. A batch is all-or-nothing: if any rating in it fails
validation the server answers 422 with one entry per offending rating and stores nothing, so
the kiosk can set those aside (kept locally as rejected) and resend the rest.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.wire import API_PREFIX, BATCH_PATH, BatchIn, BatchOut, MAX_BATCH

from .store import Store

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024  # 500 ratings are ~250 KiB; anything far bigger is not ours
MAX_PAGE = 1000


class BodyTooLarge(Exception):
    pass


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _uuid_at(raw: Any, index: int | None) -> str | None:
    """The uuid the client sent for ratings[index], if it is a string at all."""
    if index is None or not isinstance(raw, dict):
        return None
    ratings = raw.get("ratings")
    if not isinstance(ratings, list) or not 0 <= index < len(ratings):
        return None
    item = ratings[index]
    value = item.get("uuid") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def rejections(errors: list[dict], raw: Any, skip: tuple = ()) -> list[dict]:
    """Group pydantic errors by rating index: [{"index", "uuid", "reason"}, ...].

    Errors that are not about one rating (missing "ratings", too many, extra top-level keys)
    come out with index and uuid null.
    """
    grouped: dict[int | None, list[str]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        loc = loc[len(skip):] if loc[:len(skip)] == skip else loc
        index = None
        rest = loc
        if len(loc) >= 2 and loc[0] == "ratings" and isinstance(loc[1], int):
            index, rest = loc[1], loc[2:]
        where = ".".join(str(p) for p in rest)
        msg = str(err.get("msg", "invalid"))
        grouped.setdefault(index, []).append(f"{where}: {msg}" if where else msg)
    out = []
    for index in sorted(grouped, key=lambda i: (i is not None, i or 0)):
        out.append({"index": index, "uuid": _uuid_at(raw, index),
                    "reason": "; ".join(grouped[index])[:1000]})
    return out


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge
        except ValueError:
            pass  # the server's HTTP parser rejects a malformed length before we get here
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(store: Store, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The FastAPI app over a rating store (which the caller owns and closes)."""
    app = FastAPI(title="好差评 collection server", version="1", docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.store = store

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        is_batch = request.url.path == BATCH_PATH
        return _error(422, "invalid batch" if is_batch else "invalid request",
                      rejected=rejections(list(exc.errors()), None, skip=("body",)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "http error"
        return JSONResponse({"error": message}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(500, "internal error")

    @app.get("/healthz")
    def healthz() -> dict:
        return {"ok": True}

    @app.post(BATCH_PATH, response_model=BatchOut)
    async def ingest_batch(request: Request):
        try:
            body = await _read_body(request, max_body_bytes)
        except BodyTooLarge:
            return _error(413, "body too large", max_bytes=max_body_bytes)
        try:
            raw = json.loads(body, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, NaN, absurd nesting
            return _error(400, "malformed JSON", detail=str(exc)[:200])
        try:
            batch = BatchIn.model_validate(raw)
        except ValidationError as exc:
            rejected = rejections(exc.errors(include_input=False, include_url=False), raw)
            log.warning("refused batch: %d problems, first: %s", len(rejected),
                        rejected[0]["reason"] if rejected else "")
            return _error(422, "invalid batch", rejected=rejected, max_batch=MAX_BATCH)
        results = await run_in_threadpool(store.ingest, batch.ratings)
        return BatchOut(results=results)

    @app.get(f"{API_PREFIX}/ratings")
    def list_ratings(limit: int = Query(100, ge=1, le=MAX_PAGE), offset: int = Query(0, ge=0),
                     device_id: str | None = Query(None, max_length=64),
                     window: int | None = Query(None, ge=1, le=999)) -> dict:
        ratings, total = store.list_ratings(limit, offset, device_id=device_id, window=window)
        return {"ratings": ratings, "total": total}

    return app
