"""Every citation links to the document itself: a DOI, or the issuing body's page of that document.
A search page or a listing sends the clinician hunting. The few that no document page could be
confirmed for are named here, so a new one cannot slip in unnoticed."""

from __future__ import annotations

import re

from hooks.evidence import GUIDELINES

SEARCH_OR_LISTING = re.compile(
    r"[?&](term|q|search)=|/search(\.aspx)?\b|GetAppendix|/Clinical-Guidelines/?$"
    r"|guidelinecentral\.com",  # a third party's summary, not the publisher
    re.I,
)
# No document page confirmed yet; each cites its journal reference in full instead.
KNOWN_UNRESOLVED = {"nacc_drg_2019", "asipp_epidural_2021"}


def test_links_point_at_the_document_not_a_search_page() -> None:
    offenders = sorted(k for k, g in GUIDELINES.items() if SEARCH_OR_LISTING.search(g.url))
    assert offenders == sorted(KNOWN_UNRESOLVED)


def test_the_check_catches_a_search_page() -> None:
    assert SEARCH_OR_LISTING.search("https://pubmed.ncbi.nlm.nih.gov/?term=spinal+cord+stimulation")
    assert SEARCH_OR_LISTING.search("https://www.cms.gov/medicare-coverage-database/search.aspx")
    assert not SEARCH_OR_LISTING.search("https://doi.org/10.1016/j.jacr.2021.08.002")
    assert not SEARCH_OR_LISTING.search("https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=33906")


def test_a_doi_in_the_citation_is_the_link() -> None:
    for key, g in GUIDELINES.items():
        m = re.search(r"doi:(10\.\S+?)\.?(?:\s|$)", g.citation)
        if m:
            assert g.url == f"https://doi.org/{m.group(1)}", key
