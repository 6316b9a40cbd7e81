"""The baseline for the HTTP benchmark: a bare Flask endpoint that parses the JSON body and echoes it.

Served by gunicorn with the same worker settings as the service, it is the ceiling the web
stack itself allows on this machine.
"""

from __future__ import annotations

from flask import Flask, jsonify, request

app = Flask("bare")


@app.post("/echo")
def echo():  # type: ignore[no-untyped-def]
    return jsonify(request.get_json())
