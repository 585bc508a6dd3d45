"""The FastAPI app: ingest, enrolment, device config, heartbeats, phone ratings, admin.

Every answer is JSON (errors included) except the phone pages (/r/...), which are HTML. The
OpenAPI document of every endpoint is at GET /openapi.json. The app keeps no state that
matters between requests: everything is in the store, so any number of processes can serve
one PostgreSQL database.
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.api import device_config, enrol, heartbeat, phone
from server.api import business as api_business
from server.api import events as api_events
from server.api import ingest as api_ingest
from server.api.ingest import MAX_BODY_BYTES, error
from server import console, outage, wiring
from server.auth import AuthSettings
from server.edge import EdgeMiddleware, redact_path
from server.workflow.jobs import Jobs
from sync.wire import BatchIn
from sync.wire.events import EventBatchIn

log = logging.getLogger(__name__)


def rejections(errors: list[dict]) -> list[dict]:
    """Validation errors of a JSON endpoint, one line per problem."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        msg = str(err.get("msg", "invalid"))
        out.append({"index": None, "uuid": None,
                    "reason": (f"{'.'.join(loc)}: {msg}" if loc else msg)[:1000]})
    return out


def _openapi(app: FastAPI):
    """The generated document, plus the batch body schema (that endpoint reads raw JSON so
    it can judge ratings one by one, so FastAPI cannot see its model)."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, routes=app.routes,
                      description=app.description)
    components = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in (BatchIn, EventBatchIn):  # the events batch is read the same way
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components[model.__name__] = schema
    app.openapi_schema = doc
    return doc


def create_app(store, max_body_bytes: int = MAX_BODY_BYTES,
               auth: AuthSettings | None = None) -> FastAPI:
    """The app over a store (which the caller owns and closes).

    auth defaults to AuthSettings.from_env(): device tokens required, admin token from
    KIOSK_SERVER_ADMIN_TOKEN.
    """
    app = FastAPI(title="好差评 collection server", version="1", docs_url=None, redoc_url=None,
                  description="Ratings from 好差评 evaluator kiosks and citizens' phones.")
    app.state.store = wiring.attach(store)
    app.state.auth = auth or AuthSettings.from_env()
    app.state.max_body_bytes = max_body_bytes
    app.openapi = lambda: _openapi(app)
    # Alerts and provincial exports leave through the outbox (server/delivery.py), sent by
    # threads started with the app's lifespan (`kiosk-server serve`; ServerThread runs no
    # lifespan: start server.delivery.Deliverer(store) yourself, as the demo does).
    from server.delivery import Deliverer

    delivery = Deliverer(app.state.store)
    app.router.on_startup.append(delivery.start)
    app.router.on_shutdown.append(delivery.stop)
    # Default ratings and overdue escalation every few minutes (server/workflow/jobs.py);
    # started with the app's lifespan, so `kiosk-server serve` runs it, ServerThread not.
    jobs = Jobs(store)
    app.router.on_startup.append(jobs.start)
    app.router.on_shutdown.append(jobs.stop)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error(422, "invalid request", rejected=rejections(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "http error"
        return JSONResponse({"error": message}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method,
                      redact_path(request.url.path))
        return error(500, "internal error")

    outage.install(app)  # the database away: 503 with Retry-After, never a 500

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict:
        """Liveness: the process answers (does not touch the database)."""
        return {"ok": True}

    for module in (api_ingest, api_events, enrol, device_config, heartbeat, phone):
        app.include_router(module.router)
    app.include_router(api_business.router)  # business systems' 请评价 (issue 29)
    console.mount(app)  # the supervisors' web console at /console
    # Outermost of the app's own layers: body limits, rate limits, /r/ headers (server/edge.py).
    app.add_middleware(EdgeMiddleware, batch_limit=max_body_bytes)
    return app
