"""One module per order check (issue 5, checks 1-11). Each exposes ``RULE_IDS`` and
``check(ctx, order) -> list[CardDraft]`` and documents When / Then / Evidence."""
