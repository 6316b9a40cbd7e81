"""URL routing that remembers the paths it has matched.

Werkzeug's matcher (``werkzeug.routing.matcher.StateMachineMatcher.match``) walks its states with a
recursive closure, so every match leaves a reference cycle behind (the closure, its cells and two
small containers: eight objects a call) that only the cyclic garbage collector can free. Those
were the only cyclic garbage a call to the service made, and all that made a worker serving one
chart over and over collect at all: after charts opened once had filled the model cache, each
such young collection took 30–65 ms (measured in the workers with ``gc.callbacks``), stalling
every call of that worker.

A service has a handful of paths (the discovery, one per service and its feedback, health), so
the matcher remembers what each path matched and answers again from that, without the walk.
Only matches are remembered, never the errors (404, 405, redirects), and at most ``CAPACITY``
paths: a stream of made-up paths under ``/cds-services/`` empties the memory rather than growing it.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.routing.matcher import StateMachineMatcher


class RememberingMatcher(StateMachineMatcher):
    """``StateMachineMatcher`` answering a path it has matched before from memory. Each answer
    has a dict of its own (the view's arguments), as from the walk."""

    CAPACITY = 256

    def __init__(self, merge_slashes: bool) -> None:
        super().__init__(merge_slashes)
        self._matched: dict[tuple[str, str, str, bool], tuple[Rule, MutableMapping[str, Any]]] = {}

    def add(self, rule: Rule) -> None:
        self._matched.clear()
        super().add(rule)

    def update(self) -> None:
        self._matched.clear()
        super().update()

    def match(self, domain: str, path: str, method: str, websocket: bool) -> tuple[Rule, dict[str, Any]]:
        key = (domain, path, method, websocket)
        found = self._matched.get(key)
        if found is None:
            found = super().match(domain, path, method, websocket)  # an error is raised, not kept
            if len(self._matched) >= self.CAPACITY:
                self._matched.clear()
            self._matched[key] = found
        rule, values = found
        return rule, dict(values)


class RememberingMap(Map):
    """Werkzeug's ``Map`` with a ``RememberingMatcher`` (the app's ``url_map_class``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        matcher = RememberingMatcher(self.merge_slashes)
        for rule in self._rules:
            matcher.add(rule)
        self._matcher = matcher
