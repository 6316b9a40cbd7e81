"""A patient whose pain has gone is not sent on; a back-pain score does not grade radicular pain.

(a) Radiculopathy still active on the problem list after 5 months with pain 0/10 and ODI 4 % three
days ago drew P2's warning "refer to a spine specialist now", an MRI to order and "an image-guided
ESI remains an option". The persistent-pain cards (P1, P2) are not shown once the latest pain score,
taken within ``resolved_score_days``, is at most ``resolved_pain_nrs`` and the ODI of that time, where
recorded, at most ``resolved_odi``.

(b) Leg pain 6/10 and low-back pain 7/10 on the same day graded "severe acute radicular pain" (E2)
by the back score. Of scores taken together the leg's grades radicular pain (decision model §3.1);
a back score alone still counts.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from dataclasses import replace

from pathway_builders import conservative, obs, radic, run, states


def scored(ref: str, kind: str, value: float, days: int, site: str | None = None):  # type: ignore[no-untyped-def]
    o = obs(ref, kind, value, days)
    return replace(o, body_site_text=site) if site else o


def test_pain_gone_for_a_patient_never_referred_draws_no_referral_card() -> None:
    cards = run(radic(days=150), *conservative(140), scored("nrs", "pain", 0, 3), scored("odi", "odi", 4, 3))
    assert "P2" not in states(cards) and "P1" not in states(cards), [c.summary for c in cards]


def test_guard_mild_pain_still_draws_the_referral_card() -> None:
    cards = run(radic(days=150), *conservative(140), scored("nrs", "pain", 4, 3))
    assert states(cards) == ["P2"]


def test_guard_pain_gone_long_ago_does_not_hide_the_card() -> None:
    cards = run(radic(days=150), *conservative(140), scored("nrs", "pain", 0, 90))
    assert states(cards) == ["P2"]


def test_guard_a_zero_with_a_high_disability_score_is_not_recovery() -> None:
    cards = run(radic(days=150), *conservative(140), scored("nrs", "pain", 0, 3), scored("odi", "odi", 48, 3))
    assert states(cards) == ["P2"]


def test_the_leg_score_grades_radicular_pain_when_a_back_score_is_taken_with_it() -> None:
    leg = scored("leg", "pain", 6, 2, "Left leg")
    back = scored("back", "pain", 7, 2, "Low back")
    odi = scored("odi", "odi", 48, 2)
    assert states(run(radic(days=20), leg, back, odi)) == ["E1"]


def test_guard_a_back_score_alone_still_grades() -> None:
    back = scored("back", "pain", 8, 2, "Low back")
    odi = scored("odi", "odi", 48, 2)
    assert states(run(radic(days=20), back, odi)) == ["E2"]


def test_a_back_score_of_zero_does_not_hide_leg_pain_still_at_seven() -> None:
    leg = scored("leg", "pain", 7, 10, "Left leg")
    back = scored("back", "pain", 0, 2, "Low back")
    assert states(run(radic(days=150), *conservative(140), leg, back)) == ["P2"]


def test_an_old_leg_score_does_not_outrank_a_recent_score_of_zero() -> None:
    old_leg = scored("leg", "pain", 8, 100, "Left leg")
    now = scored("now", "pain", 0, 2)
    assert "P2" not in states(run(radic(days=150), *conservative(140), old_leg, now))
