"""The rule catalogue: every rule the service has, listed once, explicitly.

A rule is a frozen ``hooks.rule.Rule`` declared in its own module (a pathway state in
``hooks/pathway/rules/``, an order check in ``hooks/orders/checks/``) and named here. The
catalogue is what the registry's service metadata, the catalogue tests (a positive fixture, a
negative fixture and a docs entry for every rule) and ``docs/pathway.md`` read. Adding a rule is
its module, one line here, a step in its precedence tree (a patient-view state) and its fixtures.

The order is the decision model's precedence (§1.1): red flags, then the post-surgical and the
conservative → ESI branches, devices and ablation — the order in which the trees of
``hooks.pathway.precedence`` first name each state (``tests/test_precedence.py``) — the
cross-cutting cards, the silent X1; then the order checks, most urgent first, as
``hooks.orders.CHECKS`` runs them.
"""

from __future__ import annotations

from collections.abc import Mapping

from hooks.orders import checks as oc
from hooks.orders.common import NOT_CHECKED
from hooks.pathway import NOT_ADULT, NOT_FULLY_CHECKED
from hooks.pathway import rules as pr
from hooks.pathway.rules import incidental
from hooks.rule import Rule

CATALOGUE: tuple[Rule, ...] = (
    # patient-view: red flags (R1 > R2 > R3)
    pr.red_flags.R1,
    pr.red_flags.R2,
    pr.red_flags.R3,
    # post-surgical branch
    pr.post_surgical.S0,
    pr.post_surgical.S2,
    pr.post_surgical.S4,
    # an injection after the operation is judged before S3's stimulator evaluation (F0), and one
    # that helped is F1's: the post-surgical branch consults them first
    pr.esi_outcome.F0,
    pr.esi_outcome.F1,
    pr.post_surgical.S3,
    pr.post_surgical.S1,
    # conservative → ESI branch
    pr.acute.E2,
    pr.acute.E1,
    pr.persistent.P2,
    pr.persistent.P1,
    pr.esi_outcome.F8,
    pr.esi_outcome.F2,
    pr.refractory.F6,
    pr.refractory.F5,
    pr.refractory.F7,
    pr.refractory.F4,
    pr.refractory.F3,
    # devices and ablation
    pr.neuromodulation.N3,
    pr.neuromodulation.N1,
    pr.neuromodulation.L1,
    pr.neuromodulation.N2,
    pr.ablation.A1,
    pr.ablation.A2,
    # cross-cutting
    pr.medication.M4,
    pr.medication.M1,
    pr.medication.M2,
    pr.medication.M3,
    pr.medication.M5,
    pr.psychosocial.Y1,
    # no card
    incidental.X1,
    NOT_FULLY_CHECKED,
    NOT_ADULT,
    # order checks
    oc.red_flag.RULE_ID_DECL,
    oc.antithrombotics.RULE_ID_DECL,
    oc.pregnancy.RULE_FLUOROSCOPY_DECL,
    oc.pregnancy.RULE_GADOLINIUM_DECL,
    oc.imaging_early.RULE_CES_DECL,
    oc.imaging_early.RULE_EARLY_DECL,
    oc.mri_contrast.RULE_ID_DECL,
    oc.mri_contrast.RULE_UNNEEDED_DECL,
    oc.early_postop.RULE_ID_DECL,
    oc.esi_blind.RULE_ID_DECL,
    oc.esi_repeat.RULE_REPEAT_DECL,
    oc.esi_repeat.RULE_BEFORE_JUDGED_DECL,
    oc.esi_repeat.RULE_EARLY_DECL,
    oc.esi_wrong_target.RULE_FACET_DECL,
    oc.esi_wrong_target.RULE_CLAUDICATION_DECL,
    oc.esi_wrong_target.RULE_SIDE_DECL,
    oc.esi_no_imaging.RULE_ID_DECL,
    oc.rfa.RULE_NO_BLOCK_DECL,
    oc.rfa.RULE_REPEAT_DECL,
    oc.neuromodulation.RULE_NO_TRIAL_DECL,
    oc.neuromodulation.RULE_FAILED_TRIAL_DECL,
    oc.neuromodulation.RULE_PSYCH_DECL,
    oc.intrathecal.RULE_ID_DECL,
    oc.fusion.RULE_ID_DECL,
    oc.mild.RULE_ID_DECL,
    oc.mild.NO_STENOSIS_DECL,
    oc.medications.RULE_OPIOID_DECL,
    oc.medications.RULE_MOUD_DECL,
    oc.medications.RULE_ER_NAIVE_DECL,
    oc.medications.RULE_BENZO_DECL,
    oc.medications.RULE_GABAPENTINOID_DECL,
    oc.medications.RULE_STEROID_DECL,
    oc.medications.RULE_STEROID_INFECTION_DECL,
    oc.medications.RULE_GABAPENTINOID_OPIOID_DECL,
    oc.medications.RULE_TRAMADOL_SEROTONERGIC_DECL,
    oc.medications.RULE_NSAID_DECL,
    oc.pregnancy.RULE_NSAID_DECL,
    oc.discography.RULE_ID_DECL,
    NOT_CHECKED,
)

RULES_BY_ID: Mapping[str, Rule] = {r.id: r for r in CATALOGUE}


def rules_for(hooks: tuple[str, ...]) -> tuple[Rule, ...]:
    """The catalogue's rules that run on any of these hooks, in precedence order."""
    return tuple(r for r in CATALOGUE if set(r.hooks) & set(hooks))


def precedence(rule_id: str) -> int:
    """A rule's place in the catalogue: the lower, the earlier it is considered."""
    return next(i for i, r in enumerate(CATALOGUE) if r.id == rule_id)
