"""The ``smart`` link every pathway card carries: it opens the pathway app at the card's state.

Added by the web layer where drafts become wire cards (``cds_service.pipeline``), for the pathway
service's ``patient-view`` cards only, so the clinical rules know nothing about it. The URL is
absolute, built from ``CDS_PUBLIC_BASE_URL``; the EHR adds ``launch`` and ``iss`` (SMART App
Launch, EHR launch) and hands ``appContext`` — the card's rule id, e.g. ``F3`` — back to the app
in the token response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cds_service.wire import CardLinks
from hooks.cards import CardDraft

PATHWAY_SERVICE_ID = "radicular-pathway"
LAUNCH_PATH = "/app/launch"
LINK_LABEL = "See the pathway"


def app_links(public_base_url: str) -> CardLinks:
    """The card-links function of ``Engine``: one ``smart`` link on each pathway card."""
    url = public_base_url.rstrip("/") + LAUNCH_PATH

    def links(service_id: str, hook: str, draft: CardDraft) -> Sequence[Mapping[str, str]]:
        if service_id != PATHWAY_SERVICE_ID or hook != "patient-view":
            return ()
        return ({"label": LINK_LABEL, "url": url, "type": "smart", "appContext": draft.rule_id},)

    return links
