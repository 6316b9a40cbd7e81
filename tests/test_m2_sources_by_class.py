"""M2 cites the trials and the disagreements about the classes the patient takes, no others.

PRECISE 2017 tested pregabalin and Khoromi 2007 nortriptyline (with morphine): a carbamazepine card
citing either would rest on a trial of another drug, and no source is "for" carbamazepine in sciatica,
so its card shows NICE NG59 alone and no "where sources disagree".
"""

from __future__ import annotations

import pytest

from tests.pathway_builders import card_of, med, radic, run


@pytest.mark.parametrize(
    ("meds", "trials", "disputes"),
    [
        ((("gaba", "rx_gabapentinoids", "25480"),), {"PRECISE 2017"}, {"Gabapentinoids"}),
        ((("nortrip", "rx_antidepressants_neuropathic", "7531"),), {"Khoromi 2007"}, {"Antidepressants"}),
        ((("carba", "rx_other_anticonvulsants", "2002"),), set(), set()),
        (
            (("gaba", "rx_gabapentinoids", "187832"), ("dulox", "rx_antidepressants_neuropathic", "72625")),
            {"PRECISE 2017", "Khoromi 2007"},
            {"Gabapentinoids", "Antidepressants"},
        ),
        (
            (("carba", "rx_other_anticonvulsants", "2002"), ("gaba", "rx_gabapentinoids", "25480")),
            {"PRECISE 2017"},
            {"Gabapentinoids"},
        ),
    ],
)
def test_m2_cites_only_the_trials_of_the_classes_taken(
    meds: tuple[tuple[str, str, str], ...], trials: set[str], disputes: set[str]
) -> None:
    card = card_of(run(radic(days=120), *(med(ref, vs, member, start=60) for ref, vs, member in meds)), "M2")
    labels = {g.label for g in card.evidence}
    assert "NICE NG59" in labels
    assert labels & {"PRECISE 2017", "Khoromi 2007"} == trials
    assert {c.topic.split(" ")[0] for c in card.conflicts} == disputes
