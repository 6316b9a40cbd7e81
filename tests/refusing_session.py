"""A requests session whose every outbound request fails as if the server were unreachable, for
robustness tests that must not send traffic anywhere (a generated fhirServer is never contacted)."""

from __future__ import annotations

from typing import Any

import requests


class RefusingAdapter(requests.adapters.BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.attempts += 1
        raise requests.ConnectionError("outbound connections are refused in this test", request=request)

    def close(self) -> None:
        pass


def refusing_session() -> tuple[requests.Session, RefusingAdapter]:
    session = requests.Session()
    adapter = RefusingAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter
