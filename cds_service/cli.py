"""The ``radicular-cds`` command.

radicular-cds serve [--bind HOST:PORT] [--workers N] [--threads N]
    Run the service under gunicorn with uvicorn workers that read whole requests before the Flask
    app sees them (``cds_service.server``), configured from the environment.
radicular-cds evaluate REQUEST.json [--date YYYY-MM-DD] [--json | --full]
radicular-cds evaluate BUNDLE.json --hook HOOK --patient ID [--date YYYY-MM-DD] [--json]
    Run the decision logic on a CDS Hooks request file, or on a FHIR Bundle holding a patient's
    record (for order hooks, resources with status "draft" become the draft orders), and print
    the cards — readably, or as the CDS Hooks JSON with --json. No EHR, database or JWT needed.
    --full prints each card's full reasoning (every fact, next steps, what not to do, evidence,
    both sides of conflicts, data not recorded).
    --html PAGE.html also writes the pathway app's page (timeline, pathway map, full reasoning).
radicular-cds report ...
    Governance reports from the store (see ``radicular-cds report --help``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import socket
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from cds_service.settings import Settings, SettingsError

ORDER_TYPES = frozenset(
    {
        "MedicationRequest",
        "ServiceRequest",
        "DeviceRequest",
        "NutritionOrder",
        "VisionPrescription",
        "SupplyRequest",
        "CommunicationRequest",
        "ImmunizationRecommendation",
    }
)


# ---------------------------------------------------------------------------------------------
# serve


LISTEN_BACKLOG = 2048  # gunicorn's default: the master's listener and each worker's own


def gunicorn_options(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """gunicorn runs ``cds_service.server.Worker`` (uvicorn) processes; each reads whole requests
    on its event loop and runs the Flask app on ``threads`` threads (see ``cds_service.server``)."""
    return {
        "bind": [args.bind or f"{settings.host}:{settings.port}"],
        # the master's listener carries SO_REUSEPORT itself (``serve``, server.shared_listener);
        # gunicorn's reuse_port would give each worker a listener before it is warm
        "reuse_port": False,
        "backlog": LISTEN_BACKLOG,
        "workers": args.workers if args.workers is not None else settings.workers,
        "worker_class": "cds_service.server.Worker",
        # call threads per worker, read by ``load`` below (gunicorn itself uses it only for gthread)
        "threads": args.threads if args.threads is not None else settings.threads,
        "timeout": args.timeout,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": None,  # the app writes one structured line per request
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "proc_name": "radicular-cds",
        "preload_app": False,  # each worker builds its own app, store engine and HTTP session
        "control_socket_disable": True,  # no admin socket in $HOME (read-only containers)
    }


def address_in_use(bind: str) -> str | None:
    """Why ``bind`` cannot be served, or None. The listeners use ``SO_REUSEPORT`` (the master's and
    one per worker), which would also let a second ``serve`` on the same port share it silently,
    each answering part of the calls; a plain bind first makes a port already served an error
    instead."""
    host, _, port = bind.rpartition(":")
    if not port.isdigit():
        return None  # a unix socket or a form gunicorn will judge itself
    host = host.strip("[]") or "0.0.0.0"  # noqa: S104 - the address gunicorn would bind
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as exc:
            return f"cannot listen on {bind}: {exc.strerror or exc} (is another server running there?)"
    return None


def settings_for_serve(settings: Settings, bind: str | None, env: Mapping[str, str]) -> Settings:
    """Without CDS_PUBLIC_BASE_URL, the JWT audience follows the port actually served: ``--bind``
    overrides CDS_PORT, and so must the audience, or every valid local token would fail it."""
    if env.get("CDS_PUBLIC_BASE_URL") or not bind:
        return settings
    port = bind.rsplit(":", 1)[1] if ":" in bind else ""
    if not port.isdigit():
        return settings
    return replace(settings, port=int(port), public_base_url=f"http://localhost:{port}")


def _serve(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from cds_service.app import create_app
    from cds_service.server import BufferedFront, shared_listener
    from cds_service.store import Store
    from cds_service.warmup import warm_up_thread

    settings = settings_for_serve(Settings.from_env(), args.bind, os.environ)
    options = gunicorn_options(settings, args)
    taken = address_in_use(options["bind"][0])
    if taken:
        print(f"radicular-cds serve: {taken}", file=sys.stderr)
        return 1
    Store.from_settings(settings).close()  # migrate once, in the master, before workers start
    try:
        listener = shared_listener(options["bind"][0], options["backlog"])
    except OSError as exc:
        print(
            f"radicular-cds serve: cannot listen on {options['bind'][0]}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    if listener is not None:  # gunicorn takes the socket over (and closes this descriptor)
        options["bind"] = [f"fd://{listener.detach()}"]

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            app = create_app(settings, warm=True)  # each worker warms before its first call
            return BufferedFront(
                app,
                call_threads=options["threads"],
                max_body_bytes=settings.max_request_bytes,
                thread_setup=functools.partial(warm_up_thread, app.extensions["cds_store"]),
            )

    Server().run()
    return 0


# ---------------------------------------------------------------------------------------------
# evaluate


def _named(service: Any, name: str | None) -> bool:
    """``--service`` names a service by its id or by one of its discovery ids (or is not given)."""
    return not name or name == service.id or name in service.endpoint_ids()


def request_from_bundle(
    bundle: dict[str, Any],
    *,
    hook: str,
    patient: str,
    user: str,
    prefetch_templates: dict[str, str],
    selections: Sequence[str] = (),
) -> dict[str, Any]:
    """A complete CDS Hooks request from a patient's record: every prefetch key filled from the
    Bundle (so nothing is fetched), draft orders taken from resources with status "draft"."""
    resources = [
        e["resource"]
        for e in bundle.get("entry", [])
        if isinstance(e, dict) and isinstance(e.get("resource"), dict)
    ]
    orders = hook in ("order-select", "order-sign")
    drafts = [
        r for r in resources if orders and r.get("resourceType") in ORDER_TYPES and r.get("status") == "draft"
    ]
    record = [r for r in resources if not any(r is d for d in drafts)]
    prefetch: dict[str, Any] = {}
    for key, template in prefetch_templates.items():
        rtype = template.split("?", 1)[0].split("/", 1)[0]
        if "?" not in template:  # a read, e.g. Patient/{{context.patientId}}
            prefetch[key] = next(
                (r for r in record if r.get("resourceType") == rtype and r.get("id") == patient), None
            )
        else:
            matching = [r for r in record if r.get("resourceType") == rtype]
            prefetch[key] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(matching),
                "entry": [{"resource": r} for r in matching],
            }
    context: dict[str, Any] = {"userId": user, "patientId": patient}
    if orders:
        context["draftOrders"] = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": d} for d in drafts],
        }
    if hook == "order-select":
        context["selections"] = list(selections) or [f"{d['resourceType']}/{d.get('id')}" for d in drafts]
    return {"hook": hook, "hookInstance": "cli-evaluate", "context": context, "prefetch": prefetch}


def _load_json(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except OSError as exc:
        raise SystemExit(f"radicular-cds evaluate: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise SystemExit(f"radicular-cds evaluate: {path} is not JSON: {exc}") from None


def _evaluate(args: argparse.Namespace) -> int:
    from cds_service.errors import CdsError
    from cds_service.fhir_client import FhirClient
    from cds_service.pipeline import Engine, Invocation
    from hooks.registry import services
    from hooks.terminology import default_terminology
    from hooks.thresholds import load_thresholds

    settings = Settings.from_env()
    if args.date:
        settings = replace(settings, evaluation_date=args.date)
    registry = services()
    data = _load_json(args.file)
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        if not args.hook or not args.patient:
            raise SystemExit("radicular-cds evaluate: a FHIR Bundle needs --hook and --patient")
        hook = args.hook
        candidates = [s for s in registry if hook in s.hooks and _named(s, args.service)]
        if not candidates:
            raise SystemExit(f"radicular-cds evaluate: no service answers the {args.hook!r} hook")
        service = candidates[0]
        body = request_from_bundle(
            data,
            hook=args.hook,
            patient=args.patient,
            user=args.user,
            prefetch_templates=dict(service.prefetch),
            selections=args.select or (),
        )
    elif isinstance(data, dict) and "hook" in data:
        body = data
        hook = data.get("hook")
        candidates = [s for s in registry if hook in s.hooks and _named(s, args.service)]
        if not candidates:
            raise SystemExit(f"radicular-cds evaluate: no service answers the {hook!r} hook")
        service = candidates[0]
    else:
        raise SystemExit("radicular-cds evaluate: the file is neither a CDS Hooks request nor a FHIR Bundle")

    client = FhirClient(
        timeout=settings.fhir_timeout_seconds,
        page_cap=settings.fhir_page_cap,
        max_response_bytes=settings.fhir_max_response_bytes,
    )
    try:
        engine = Engine(
            settings, registry, client, default_terminology(), load_thresholds(settings.thresholds_file)
        )
        # the discovery id the hook is called at (order-select and order-sign have their own)
        inv = engine.invoke(service.endpoint_id(hook), body, Invocation(service.id))
    except CdsError as err:
        if args.json:
            print(json.dumps(err.outcome(), indent=2))
        print(f"error {err.status}: {err.message}", file=sys.stderr)
        return 2
    finally:
        client.close()
    assert inv.body is not None
    if args.html:
        _write_html(args.html, inv, engine)
    if args.json:
        print(json.dumps(inv.body, indent=2, ensure_ascii=False))
    elif args.full:
        from hooks.cards import render_full

        print("\n\n".join(render_full(d) for d in inv.drafts) or "no cards")
    else:
        today = engine.fixed_date or engine.clock().date()
        print(
            render_cards(
                inv.body,
                service_id=service.id,
                hook=str(body["hook"]),
                today=today.isoformat(),
                unavailable=inv.unavailable,
            )
        )
    return 0


def _write_html(path: str, inv: Any, engine: Any) -> None:
    from cds_service.smart.page import PageInput, render_page

    page = PageInput(inv.history, inv.drafts, inv.today)
    Path(path).write_text(render_page(page, engine.terminology, engine.thresholds), encoding="utf-8")
    print(f"page written to {path}", file=sys.stderr)


def render_cards(
    body: dict[str, Any], *, service_id: str, hook: str, today: str, unavailable: Sequence[str]
) -> str:
    """The cards as plain text for a terminal."""
    cards = body.get("cards", [])
    out = [
        f"{service_id} · {hook} · evaluated on {today} · {len(cards)} card{'s' if len(cards) != 1 else ''}"
    ]
    if unavailable:
        out.append(f"data not available: {', '.join(unavailable)}")
    for card in cards:
        topic = card.get("source", {}).get("topic", {})
        out += ["", "=" * 78, f"[{card['indicator'].upper()}] {card['summary']}"]
        out.append(
            f"rule {topic.get('code', '?')}: {topic.get('display', '')}   source: {card['source']['label']}"
        )
        out.append("-" * 78)
        for line in card.get("detail", "").splitlines():
            out.extend(textwrap.wrap(line, 100, subsequent_indent="    ") or [""])
        if card.get("suggestions"):
            out += ["", f"Suggestions ({card.get('selectionBehavior')}):"]
            for s in card["suggestions"]:
                mark = " (recommended)" if s.get("isRecommended") else ""
                out.append(f"  * {s['label']}{mark}")
                for a in s.get("actions", []):
                    out.append(f"      {a['type']}: {a['description']}")
        if card.get("links"):
            out += ["", "Links:", *(f"  * {lk['label']}: {lk['url']}" for lk in card["links"])]
        if card.get("overrideReasons"):
            out += ["", "Override reasons: " + "; ".join(r["display"] for r in card["overrideReasons"])]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radicular-cds",
        description="CDS Hooks 2.0 service for refractory lumbar radiculopathy.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the service under gunicorn (settings from CDS_* variables)")
    serve.add_argument("--bind", help="HOST:PORT to listen on (default CDS_HOST:CDS_PORT, 0.0.0.0:8080)")
    serve.add_argument("--workers", type=int, help="worker processes (default CDS_WORKERS, usable cores + 1)")
    serve.add_argument("--threads", type=int, help="call threads per worker (default CDS_THREADS, 4)")
    serve.add_argument("--timeout", type=int, default=30, help="seconds before a stuck worker is restarted")
    serve.set_defaults(func=_serve)

    ev = sub.add_parser("evaluate", help="print the cards for a CDS Hooks request file or a FHIR Bundle")
    ev.add_argument("file", help="a CDS Hooks request (JSON) or a FHIR Bundle of one patient's record")
    ev.add_argument(
        "--hook", choices=("patient-view", "order-select", "order-sign"), help="hook (Bundle input)"
    )
    ev.add_argument("--patient", help="the patient's id in the Bundle (Bundle input)")
    ev.add_argument("--user", default="Practitioner/cli-user", help="context.userId (Bundle input)")
    ev.add_argument(
        "--select", action="append", help="order-select selections, Type/id (default: all drafts)"
    )
    ev.add_argument("--service", help="service id, when more than one answers the hook")
    ev.add_argument("--date", help="evaluation date YYYY-MM-DD (default CDS_EVALUATION_DATE or today, UTC)")
    ev.add_argument("--json", action="store_true", help="print the CDS Hooks response JSON")
    ev.add_argument("--html", metavar="PAGE", help="also write the pathway app's page for this chart")
    ev.add_argument(
        "--full", action="store_true", help="print each card's full reasoning instead of the short card"
    )
    ev.set_defaults(func=_evaluate)

    from cds_service.report import add_report_command

    add_report_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = args.func(args)
    except SettingsError as exc:
        print(f"radicular-cds: configuration error: {exc}", file=sys.stderr)
        return 2
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
