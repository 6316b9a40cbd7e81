"""One module per order check (checks 0-14). Each declares its ``CHECK`` (an ``OrderCheck``:
its rules, what it applies to and ``check(ctx, order) -> list[CardDraft]``) and documents When / Then /
Evidence. A check runs once it is listed in ``hooks.orders.CHECKS`` and its rules in ``hooks.catalogue``."""
