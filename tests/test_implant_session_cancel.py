"""The generator and the leads drafted with it are one permanent implant: "Cancel the permanent
implant" after a failed trial removed the generator and left the leads to be signed; it now removes
every draft of the implant session, as "Change to a trial" already acts on all of them.

Tests named test_guard_* also hold on the code before the change; the others fail on it.
"""

from __future__ import annotations

from hooks.orders import evaluate_orders
from tests.orders_builders import UNSUCCESSFUL, cond, history, inp, proc, sr


def test_cancelling_a_permanent_implant_after_a_failed_trial_cancels_its_leads_too() -> None:
    """The generator and the leads drafted with it are one implant: "Cancel the permanent implant"
    removed the generator and left the leads to be signed."""
    facts = (
        cond("fbss", "M96.1", 500),
        proc("trial", "63650", 20, outcome=UNSUCCESSFUL),
        proc("psy", "90791", 60),
    )
    orders = [sr("leads", "63650", "SCS leads"), sr("ipg", "63685", "SCS generator")]
    cards = evaluate_orders(inp("order-sign", orders, history(*facts)))
    cancels = [s for c in cards for s in c.suggestions if s.label == "Cancel the permanent implant"]
    assert cancels
    for s in cancels:
        assert {a.resource_id for a in s.actions} == {"ServiceRequest/leads", "ServiceRequest/ipg"}
