"""An intrathecal pump ordered with no intrathecal trial on record (``order.idd-no-trial``).

A programmable pump (62362) drafted for a patient after a failed stimulator trial, with a
psychological evaluation done and oxycodone at 80 MME/day, drew no card: the order check looked only
for the psychological evaluation. The decision model's L1 (PACC 2017/2024) asks for an intrathecal
trial, and an attempt to reduce systemic opioids, before the implant. The trial is read from its
words, since its codes are shared with epidural injections. A pump replacement, a trial on record or
drafted beside the pump, and a missing psychological evaluation (its own card) draw no trial card.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

import pytest

from tests.orders_builders import cond, med, proc, sr
from tests.test_orders_checks import HOOKS, assert_well_formed, one, rules, run

RULE = "order.idd-no-trial"
PUMP = sr("pump", "62362", "Implantation of programmable intrathecal pump")
FBSS = cond("fbss", "M96.1", 900, "Postlaminectomy syndrome")
PSYCH = proc("psy", "90791", 60, "Psychiatric diagnostic evaluation")
OXY = med("oxy", "7804", "oxycodone", 300, daily_dose_mg=53)


@pytest.mark.parametrize("hook", HOOKS)
def test_a_pump_without_a_trial_is_stopped(hook: str) -> None:
    c = one(run(hook, [PUMP], FBSS, PSYCH, OXY), RULE)
    assert_well_formed(c, "ServiceRequest/pump")
    assert c.indicator == "warning"
    assert c.summary == (
        "Intrathecal pump ordered with no successful intrathecal trial on record: trial first (PACC 2024)"
    )
    assert "Attempt to reduce the systemic opioids before the trial (PACC 2024)." in c.next_steps
    assert c.suggestions[0].is_recommended


@pytest.mark.parametrize(
    "trial",
    ["Intrathecal morphine trial, single bolus", "IT hydromorphone catheter trial", "Ziconotide trial"],
)
def test_a_trial_on_record_in_words_clears_the_pump(trial: str) -> None:
    assert RULE not in rules(run("order-sign", [PUMP], FBSS, PSYCH, proc("it", "62323", 30, trial)))


def test_a_trial_drafted_beside_the_pump_clears_it() -> None:
    drafted = sr("it", "62324", "Intrathecal trial catheter, continuous infusion")
    assert RULE not in rules(run("order-sign", [PUMP, drafted], FBSS, PSYCH))


def test_guard_a_pump_replacement_is_not_judged() -> None:
    old = proc("old-pump", "62362", 2500, "Intrathecal pump implantation")
    assert RULE not in rules(run("order-sign", [PUMP], FBSS, PSYCH, old))


def test_an_epidural_injection_is_no_trial() -> None:
    esi = proc("esi", "62323", 200, "Lumbar interlaminar epidural steroid injection")
    assert RULE in rules(run("order-sign", [PUMP], FBSS, PSYCH, esi))


@pytest.mark.parametrize(
    "said",
    [
        "Intrathecal morphine trial: no relief, unsuccessful",  # a failed trial is no trial to implant on
        "No intrathecal trial performed yet",
        "SCS trial: patient felt it was not helpful during the trial",  # "it" is no intrathecal
    ],
)
def test_a_failed_denied_or_unrelated_trial_does_not_clear_the_pump(said: str) -> None:
    assert RULE in rules(run("order-sign", [PUMP], FBSS, PSYCH, proc("x", "62323", 30, said)))
