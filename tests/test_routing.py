"""``cds_service.routing``: the app's URL matcher remembers the paths it matched, answers as
Werkzeug's walk does, and leaves no reference cycle behind per call."""

from __future__ import annotations

import functools
import gc
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.test import EnvironBuilder

from cds_service.app import ServiceFlask
from cds_service.routing import RememberingMap, RememberingMatcher


def rules() -> list[Rule]:
    return [
        Rule("/cds-services", endpoint="discovery", methods=["GET"]),
        Rule("/cds-services/<service_id>", endpoint="invoke", methods=["POST"]),
        Rule("/cds-services/<service_id>/feedback", endpoint="feedback", methods=["POST"]),
        Rule("/health/", endpoint="health", methods=["GET"]),
    ]


def matcher_of(url_map: Map) -> RememberingMatcher:
    matcher = url_map._matcher  # the map's matcher is what is under test
    assert isinstance(matcher, RememberingMatcher)
    return matcher


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/cds-services", "GET"),
        ("/cds-services/radicular-pathway", "POST"),
        ("/cds-services/radicular-pathway/feedback", "POST"),
        ("/cds-services/a%20b", "POST"),
        ("/health/", "GET"),
    ],
)
def test_a_remembered_match_is_the_match_of_the_walk(path: str, method: str) -> None:
    walked = Map(rules()).bind("localhost").match(path, method, return_rule=True)
    remembering = RememberingMap(rules()).bind("localhost")
    first = remembering.match(path, method, return_rule=True)
    again = remembering.match(path, method, return_rule=True)
    assert first[0].endpoint == again[0].endpoint == walked[0].endpoint
    assert first[1] == again[1] == walked[1]
    assert again[1] is not first[1]  # each answer has arguments of its own for the view


def test_the_view_arguments_of_one_answer_do_not_change_the_next() -> None:
    adapter = RememberingMap(rules()).bind("localhost")
    _, values = adapter.match("/cds-services/x", "POST", return_rule=True)
    values["service_id"] = "changed"
    _, values = adapter.match("/cds-services/x", "POST", return_rule=True)
    assert values == {"service_id": "x"}


@pytest.mark.parametrize(
    ("path", "method", "error"),
    [
        ("/nowhere", "GET", NotFound),
        ("/cds-services/x", "GET", MethodNotAllowed),
        ("/health", "GET", RequestRedirect),  # strict slashes: the walk's redirect
    ],
)
def test_errors_are_raised_every_time_and_not_remembered(
    path: str, method: str, error: type[Exception]
) -> None:
    url_map = RememberingMap(rules())
    adapter = url_map.bind("localhost")
    for _ in range(2):
        with pytest.raises(error):
            adapter.match(path, method)
    assert matcher_of(url_map)._matched == {}


def test_a_stream_of_made_up_paths_empties_the_memory_rather_than_growing_it() -> None:
    url_map = RememberingMap(rules())
    adapter = url_map.bind("localhost")
    matcher = matcher_of(url_map)
    for n in range(3 * RememberingMatcher.CAPACITY):
        made_up = f"made-up-{n}"
        assert adapter.match(f"/cds-services/{made_up}", "POST") == ("invoke", {"service_id": made_up})
        assert len(matcher._matched) <= RememberingMatcher.CAPACITY
    assert adapter.match("/cds-services/radicular-pathway", "POST")[1] == {"service_id": "radicular-pathway"}


def test_a_rule_added_after_a_match_takes_effect() -> None:
    url_map = RememberingMap(rules())
    adapter = url_map.bind("localhost")
    assert adapter.match("/cds-services/special", "POST")[0] == "invoke"
    url_map.add(Rule("/cds-services/special", endpoint="special", methods=["POST"]))
    assert url_map.bind("localhost").match("/cds-services/special", "POST")[0] == "special"


def test_the_rules_given_to_the_map_are_matched() -> None:
    url_map = RememberingMap(rules(), strict_slashes=False)
    assert url_map.bind("localhost").match("/health", "GET") == ("health", {})


def test_the_service_app_routes_through_the_remembering_map(app: Flask) -> None:
    assert isinstance(app, ServiceFlask)
    assert isinstance(app.url_map, RememberingMap)
    matcher_of(app.url_map)


# ---------------------------------------------------------------------------------------------
# No cyclic garbage per call: what made a worker serving one chart collect at all (see the module).


def wsgi_calls(app: Flask, body: dict[str, Any], n: int) -> Iterator[int]:
    """Call the app ``n`` times as a WSGI server does (no test client, which makes cycles of its
    own); yield each status."""
    data = json.dumps(body).encode()
    for _ in range(n):
        environ = EnvironBuilder(
            path="/cds-services/radicular-pathway", method="POST", data=data, content_type="application/json"
        ).get_environ()
        statuses: list[str] = []
        chunks = app(environ, functools.partial(start_response, statuses))
        b"".join(chunks)
        getattr(chunks, "close", lambda: None)()
        yield int(statuses[0].split()[0])


def start_response(
    statuses: list[str], status: str, headers: Any, exc_info: Any = None
) -> Callable[[bytes], None]:
    statuses.append(status)
    return lambda _chunk: None


def cycles_left_by(app: Flask, body: dict[str, Any], n: int) -> int:
    assert list(wsgi_calls(app, body, 2)) == [200, 200]  # warm
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        assert list(wsgi_calls(app, body, n)) == [200] * n
        return gc.collect()
    finally:
        if enabled:
            gc.enable()


def test_a_call_leaves_no_reference_cycle(
    make_app: Callable[..., Flask], protocol: Callable[[str], dict[str, Any]]
) -> None:
    body = protocol("patient-view.full-prefetch.json")
    assert cycles_left_by(make_app(), body, 20) == 0


def test_the_cycle_check_finds_the_cycles_of_werkzeugs_own_map(
    make_app: Callable[..., Flask], protocol: Callable[[str], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: with Werkzeug's map, each call leaves its matcher's cycle."""
    monkeypatch.setattr(ServiceFlask, "url_map_class", Map)
    body = protocol("patient-view.full-prefetch.json")
    assert cycles_left_by(make_app(), body, 20) >= 20 * 8
