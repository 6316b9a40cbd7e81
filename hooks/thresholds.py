"""Named clinical thresholds with the decision model's defaults (§1.1, §3).

Site policy overrides any of them without code changes: a JSON object of field → value in the
file named by the ``CDS_THRESHOLDS_FILE`` setting (durations in days). Unknown names are an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Thresholds:
    # Time anchors (§1.1.6)
    urgent_referral_days: int = 14
    conservative_care_days: int = 42  # 6 weeks
    chronic_days: int = 84  # 12 weeks / 3 months: latest referral, "chronic"
    # S0 (§7.4): radicular pain "within 3 months" of a lumbar operation is for the operating surgeon;
    # 92 days holds any 3 calendar months (the longest three, e.g. July-September, are 92 days), so an
    # operation 3 months ago to the day is still inside. Beyond it the S1-S4 steps apply
    early_postoperative_days: int = 92
    scs_eligibility_days: int = 182  # 6 months (NICE TA159)
    new_sphincter_symptom_days: int = 14  # R1: sphincter/saddle symptoms count when this new
    # Response thresholds (§3.1)
    responder_relief_pct: float = 50.0
    partial_relief_pct: float = 30.0
    partial_delta_points: float = 2.0
    short_lived_relief_pct: float = 30.0
    odi_mcid_points: float = 10.0
    odi_mcid_pct: float = 30.0
    mbb_positive_relief_pct: float = 50.0  # ASRA 2020; Medicare LCD uses 80 % × 2 (configurable)
    mbb_required_positive_blocks: int = 1
    sij_block_positive_relief_pct: float = 75.0
    scs_trial_success_pct: float = 50.0
    # Windows (§3.1), days after t0
    baseline_lookback_days: int = 30
    esi_window_start_days: int = 14
    esi_window_end_days: int = 42
    esi_durability_start_days: int = 60
    esi_durability_end_days: int = 120
    # relief still shown this long after an ESI has lasted "about 3 months" (12 weeks): pain back after
    # it is a recurrence after a sustained response (F1), not relief that did not last
    esi_sustained_days: int = 84
    block_window_end_days: int = 1
    rfa_window_start_days: int = 28
    rfa_window_end_days: int = 90
    rfa_durable_days: int = 182
    scs_trial_window_end_days: int = 14
    rfa_durability_check_days: int = 90  # scores in [rfa_durable_days, + this] show the 6-month effect
    odi_window_start_days: int = 42  # §3.1.5 ODI proxy: improvement measured at 6-12 weeks
    odi_window_end_days: int = 84
    # Proxies (§3.1.5)
    proxy_reassertion_days: int = 42
    proxy_next_line_days: int = 120
    proxy_escalation_days: int = 42
    # Frequency (§3.1, Medicare LCDs)
    esi_max_sessions_per_year: int = 4
    esi_consecutive_failures: int = 2
    esi_frequency_window_days: int = 365  # the rolling 12 months of the session limit
    rfa_max_sessions_per_year: int = 2  # facet RFA sessions per region in that window (Medicare facet LCD)
    nsaid_caution_age_years: int = 75  # NSAIDs at the lowest dose, shortest time, with gastroprotection
    nsaid_avoid_egfr: float = 30.0  # no NSAID below this eGFR (mL/min/1.73 m²; KDIGO 2012 CKD guideline)
    egfr_recent_days: int = 365  # the latest eGFR this recent is kidney function now; an older one is not
    # Medication (CDC 2022)
    long_term_opioid_days: int = 90
    high_mme_per_day: float = 50.0
    opioid_naive_days: int = 90  # no opioid current or taken this recently = opioid-naive (ER/LA check)
    # Pain severity (E1/E2/F7)
    severe_pain_nrs: float = 7.0
    severe_odi: float = 40.0
    chronic_neuropathic_nrs: float = 5.0
    # a pain score this recent (and of the current episode) is the pain "now" F7 grades; an older one
    # is history and grades nothing (the card asks for a current score instead)
    current_score_days: int = 182
    # after a response recorded without a baseline score (a coded success, a recorded % relief), pain
    # at or above this (NICE NG59's "5 or more" for radiofrequency denervation) is pain back; below it,
    # still relieved
    recurrent_pain_nrs: float = 5.0
    # pain settled: the latest leg-pain score (and ODI, where recorded) taken this recently this low
    # (mild pain, and no more than minimal disability: ODI 0-20 %, Fairbank) is recovery, and the
    # cards that would send the patient on for persistent or refractory pain (a referral, imaging,
    # an injection, surgery, a stimulator) are not shown
    resolved_pain_nrs: float = 2.0
    resolved_odi: float = 20.0
    resolved_score_days: int = 42
    phq9_positive: float = 10.0
    gad7_positive: float = 10.0
    startback_high_risk: float = 4.0  # STarT Back psychosocial subscale ≥ 4 = high risk
    # Y1: a screen (PHQ-9, GAD-7, STarT Back) this recent shows the risk now (they are repeated at least
    # yearly); an older positive screen with nothing newer is history, not a current risk
    screen_recent_days: int = 365
    # Scope: the guidelines the pathway follows cover people this old and older (NICE NG59: over 16s)
    pathway_min_age_years: int = 16
    # Red flags (R2/R3)
    new_motor_deficit_days: int = 14  # a foot drop this new counts as an acute (critical) deficit
    strength_decline_points: float = 1.0  # MRC grades lost between serial strength scores = progressive
    weak_muscle_mrc: float = 3.0  # a muscle's latest strength score this low is a motor deficit (§7.3)
    red_flag_new_pain_days: int = 84  # cancer history or immunosuppression with pain newer than this (R3)
    red_flag_finding_lead_days: int = 84  # R1/R3: recorded up to this long before the pain, part of it
    # R3: a spinal infection diagnosis (discitis, vertebral osteomyelitis, intraspinal abscess) that began
    # more than this long before the leg pain is an old problem-list entry left active, not the present
    # illness: the card asks to confirm it has resolved (a fever with the present illness still counts it)
    stale_infection_days: int = 365
    # the current episode: a treatment this long before an onset (or, when the condition gives no
    # onset, before its recordedDate, which often lags the symptoms by months) treated an earlier one
    episode_onset_lead_days: int = 120
    episode_recorded_lead_days: int = 365
    post_procedure_infection_days: int = 28  # R3: pain worsening this soon after a spinal procedure
    worsening_pain_points: float = 2.0  # R3: pain score rise over the pre-procedure baseline that counts
    # S0: a post-operative leg-pain score this many points above the lowest one since the operation is
    # pain come back; the latest this many points below the last pre-operative score (and not risen
    # again) is relief, the pre-operative pain settling, not new pain
    postoperative_pain_change_points: float = 2.0
    # Medication cards (M3)
    oral_steroid_recent_days: int = 90  # an oral corticosteroid course this recent earns the M3 note
    neuropathic_review_days: int = 28  # M2: judge a neuropathic agent's benefit from 4 weeks after starting
    # Medication records (M1-M3, order checks)
    stale_order_days: int = 365  # an "active" order this old, with nothing newer for the drug, is stale
    low_dose_aspirin_mg: float = 100.0  # aspirin ≤ this per dose is antiplatelet therapy, not analgesia
    # Pregnancy (ACOG 2017 imaging, FDA 2020 NSAIDs): a pregnancy Condition (or a "pregnant" status
    # Observation) dated this recently, with no delivery or other end of the pregnancy recorded after
    # it, is a current pregnancy; an older one is history (a pregnancy lasts at most about 42 weeks)
    pregnancy_max_days: int = 300
    # Documentation prompts
    outcome_recall_days: int = 365  # "record the outcome" only for procedures this recent; older = history
    # a psychological evaluation before a stimulator or pump counts when done this recently
    psych_evaluation_recent_days: int = 365


DEFAULT_THRESHOLDS = Thresholds()


def load_thresholds(path: str | Path | None) -> Thresholds:
    """Defaults overlaid with a site policy file; raises ValueError naming any unknown or bad entry."""
    if not path:
        return DEFAULT_THRESHOLDS
    raw: Any = json.loads(Path(path).read_text())
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: thresholds must be a JSON object")
    known = {f.name: f.type for f in fields(Thresholds)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValueError(f"{path}: unknown threshold(s) {unknown}; known: {sorted(known)}")
    cleaned: dict[str, Any] = {}
    for name, value in raw.items():
        default = getattr(DEFAULT_THRESHOLDS, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{path}: threshold {name} must be a number")
        cleaned[name] = int(value) if isinstance(default, int) else float(value)
    return replace(DEFAULT_THRESHOLDS, **cleaned)


def span(days: int, *, exact: bool = True) -> str:
    """How long, as a clinician says it: days under 2 weeks, weeks under 26, months under 24, then
    years, singular or plural as the number needs.

    ``exact`` (a threshold: 14 → "2 weeks", 42 → "6 weeks", 90 → "90 days", 182 → "6 months"): card
    text names durations through this, so a site that changes a threshold sees its own number; a
    count that is not whole weeks stays in days. Otherwise (a time that has passed: the age of an
    onset, how long care went on) in completed units: 12 → "12 days", 45 → "6 weeks", 200 → "6
    months", 700 → "23 months", 800 → "2 years"; a whole number of years, as an onset sent as
    "years ago" is read, says so (365 → "1 year")."""

    def n(count: int, unit: str) -> str:
        return f"{count} {unit}{'' if count == 1 else 's'}"

    if exact:
        if days >= 730:
            return n(round(days / 365.25), "year")
        if days >= 180:
            return n(round(days / 30.44), "month")
        if days % 7 == 0 and days >= 14:
            return n(days // 7, "week")
        return n(days, "day")
    if days >= 730 or (days >= 365 and days % 365 == 0):
        return n(days // 365, "year")
    if days >= 182:
        return n(days // 30, "month")
    if days >= 14:
        return n(days // 7, "week")
    return n(days, "day")


def pct(value: float) -> str:
    """A percentage threshold as card text: 50.0 → "50 %"."""
    return f"{value:g} %"


def window(start_days: int, end_days: int) -> str:
    """A window after a procedure as card text: (14, 42) → "2–6 weeks"."""
    if start_days % 7 == 0 and end_days % 7 == 0:
        return f"{start_days // 7}–{end_days // 7} weeks"
    return f"{start_days}–{end_days} days"


@lru_cache(maxsize=1024)
def phrase(template: str, t: Thresholds) -> str:
    """``template`` with ``{field}`` replaced by the threshold in force as a clinician says it
    (durations through ``span``, percentages through ``pct``): "symptoms under
    {conservative_care_days}" → "symptoms under 6 weeks". Remembered per (template, thresholds):
    every predicate of a decision tree is named on every call, and both are immutable."""
    words: dict[str, str] = {}
    for f in fields(Thresholds):
        value = getattr(t, f.name)
        if f.name.endswith("_days"):
            words[f.name] = span(value)
        elif f.name.endswith("_pct"):
            words[f.name] = pct(value)
        else:
            words[f.name] = f"{value:g}"
    return template.format_map(words)
