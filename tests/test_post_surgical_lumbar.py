"""Post-surgical branch: lumbar only, and by recency (decision model §7.4), on typed facts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pathway_builders import (
    card_of,
    code,
    codes_of,
    cond,
    conservative,
    context,
    obs,
    order,
    proc,
    radic,
    refs_of,
    report,
    run,
    states,
)

from hooks.cards import render_detail
from hooks.pathway.failure import Outcome


def spine_proc(member: str, *, site: str | None, text: str, days: int = 700):  # type: ignore[no-untyped-def]
    value_set = "lumbar_fusion" if member == "55705006" else "lumbar_decompression_discectomy"
    return replace(proc("op", value_set, member, days=days, text=text), body_site_text=site)


@pytest.mark.parametrize(
    ("member", "site", "text", "lumbar"),
    [
        ("63030", None, "Laminotomy", True),  # a lumbar CPT code needs no site
        ("178625001", None, "Primary lumbar microdiscectomy", True),
        ("3418002", "C5-C6", "Anterior cervical discectomy", False),
        ("55705006", "Cervical spine", "Spinal arthrodesis", False),
        ("3418002", None, "Discectomy of spine", False),  # no region: not known to be lumbar
        ("387731002", "L4-5", "Laminectomy", True),
        ("10836008", None, "Decompression of spinal cord, lumbar", True),
        ("55705006", "Spine", "Spinal arthrodesis L4-S1", True),
    ],
)
def test_only_lumbar_operations_open_the_post_surgical_branch(
    member: str, site: str | None, text: str, lumbar: bool
) -> None:
    ctx = context(radic(days=60), spine_proc(member, site=site, text=text))
    assert ctx.post_surgical is lumbar


@pytest.mark.parametrize(
    ("notes", "site", "lumbar"),
    [
        (("L4-S1 posterior fusion 2022.",), None, True),
        (("Right ankle fusion 2018.",), "Right ankle", False),
        ((), None, False),  # arthrodesis status alone may be any joint
    ],
)
def test_arthrodesis_status_needs_lumbar_context(
    notes: tuple[str, ...], site: str | None, lumbar: bool
) -> None:
    z = replace(cond("z", "lumbar_surgery_status", "Z98.1", onset=1500, notes=notes), body_site_text=site)
    assert context(radic(days=60), z).post_surgical is lumbar


def test_cervical_postlaminectomy_syndrome_is_not_lumbar_surgery() -> None:
    cervical = cond(
        "fbss", "postlaminectomy_syndrome_fbss", onset=500, text="Postlaminectomy syndrome, cervical"
    )
    assert not context(radic(days=60), cervical).post_surgical
    assert context(radic(days=60), cond("fbss", "postlaminectomy_syndrome_fbss", onset=500)).post_surgical


@pytest.mark.parametrize(
    ("op_site", "op_text", "lumbar"),
    [
        ("Cervical spine C5-C6", "Anterior cervical discectomy and fusion C5-6", False),
        ("L4-L5", "Spinal arthrodesis L4-5", True),
    ],
)
def test_a_postlaminectomy_syndrome_without_a_site_is_the_operation_on_records(
    op_site: str, op_text: str, lumbar: bool
) -> None:
    """M96.1 that names no site, beside spine operations all done outside the lumbar spine, is theirs:
    no lumbar post-surgical branch (no contrast MRI "after lumbar surgery"); beside a lumbar one, it is
    lumbar."""
    fbss = cond("fbss", "postlaminectomy_syndrome_fbss", onset=500)
    op = spine_proc("55705006", site=op_site, text=op_text, days=900)
    ctx = context(radic(days=100), fbss, op)
    assert ctx.post_surgical is lumbar
    assert bool(ctx.lumbar_fbss_conditions) is lumbar


@pytest.mark.parametrize(
    ("days", "expected"), [(10, "S0"), (35, "S0"), (84, "S0"), (92, "S0"), (93, "S1"), (150, "S1")]
)
def test_pain_within_3_months_of_surgery_is_for_the_operating_surgeon(days: int, expected: str) -> None:
    op = proc("disc", "lumbar_decompression_discectomy", "63030", days=days, level="L5-S1")
    cards = run(radic(days=30 if days > 84 else 200), op, obs("nrs", "pain", 7, 2))
    assert states(cards)[0] == expected


def test_s0_is_a_warning_with_pain_after_surgery_and_info_without() -> None:
    op = proc("disc", "lumbar_decompression_discectomy", "63030", days=35, level="L5-S1")
    with_pain = card_of(run(radic(days=200), op, obs("nrs", "pain", 7, 3)), "S0")
    assert with_pain.indicator == "warning"
    assert "operating surgeon" in with_pain.summary
    assert any("Observation/nrs" in f.refs for f in with_pain.why)
    quiet = card_of(run(radic(days=200), op, obs("nrs", "pain", 2, 3)), "S0")
    assert quiet.indicator == "info" and quiet.gaps  # not silent: says what is not known
    assert not any("62323" in s.label or "Epidural" in s.label for s in quiet.suggestions)


def test_s0_never_offers_an_injection() -> None:
    op = proc("disc", "lumbar_decompression_discectomy", "63030", days=20, level="L5-S1")
    card = card_of(run(radic(days=200), *conservative(190), op, obs("nrs", "pain", 8, 1)), "S0")
    offered = codes_of(card)
    assert code("referral_spine_surgery").code in offered
    assert not offered & {"62322", "62323", "64483", "64484"}


def test_s4_with_a_spine_surgery_referral_on_record_names_it_and_offers_no_second() -> None:
    """Spondylolisthesis with instability after a failed TFESI, a spine-surgery referral active: the
    card names the referral among its first facts and offers no new referral (it recommended one)."""
    facts = [
        radic(200),
        *conservative(190),
        cond("spon", "spondylolisthesis_instability", "M43.16"),
        report("mri", "72148", 165, "Grade 1 anterolisthesis L4-5 with foraminal stenosis."),
        proc("esi-1", "esi_transforaminal_lumbar", "64483", days=110, level="L4-L5"),
    ]
    referral = order("referral-surgery-1", "referral_spine_surgery", status="active", authored=60)
    c = card_of(run(*facts, referral, outcomes={"Procedure/esi-1": Outcome.FAILED}), "S4")
    assert "ServiceRequest/referral-surgery-1" in [f.ref for f in c.why[:3]]
    assert "`ServiceRequest/referral-surgery-1`" in render_detail(c)
    assert "63047" not in codes_of(c) and not any("spine surgeon" in s.label.lower() for s in c.suggestions)
    assert not any(s.label.lower().startswith("refer") for s in c.suggestions)
    assert c.indicator == "info"
    # without the referral the card recommends one
    fresh = card_of(run(*facts, outcomes={"Procedure/esi-1": Outcome.FAILED}), "S4")
    assert any(s.label == "Refer to a spine surgeon" and s.is_recommended for s in fresh.suggestions)
    assert "ServiceRequest/referral-surgery-1" not in refs_of(fresh)
