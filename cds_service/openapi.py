"""The service's OpenAPI 3.1 document (``cds_service/openapi.json``), served at ``GET /openapi.json``.

The document describes discovery, hook calls, feedback and health, with every error as a FHIR
OperationOutcome. ``tests/test_openapi.py`` keeps it in sync with the routes and the service
registry; ``tests/test_schemathesis.py`` checks the running service against it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from flask import Blueprint, Response

PATH = "/openapi.json"


@cache
def document_text() -> str:
    return resources.files("cds_service").joinpath("openapi.json").read_text(encoding="utf-8")


def document() -> dict[str, Any]:
    """A fresh copy of the document."""
    doc: dict[str, Any] = json.loads(document_text())
    return doc


def make_openapi_blueprint() -> Blueprint:
    bp = Blueprint("openapi", __name__)

    @bp.get(PATH)
    def openapi() -> Response:
        return Response(document_text(), status=200, mimetype="application/json")

    return bp
