"""Body temperature as the rules read it: the value in °C, and whether it is a fever.

Shared by the red-flag rules (a fever measured with the present illness is an infection finding) and
the relevance screen, which keeps a body temperature only when it is a fever (the rules read no other
temperature, and a large chart holds many normal ones).
"""

from __future__ import annotations

# A fever: a body temperature at or above 38.0 °C (100.4 °F), the usual clinical definition (NICE
# NG59 and ACR 2021 name fever as an infection red flag without giving a threshold).
FEVER_CELSIUS = 38.0
FEVER_FAHRENHEIT = 100.4
# The units a body temperature is sent in (UCUM code or its usual printed form, lower case, with
# "degree(s)" as "deg" and no spaces or brackets); a reading in any other unit, or with none, is not read.
CELSIUS_UNITS = frozenset({"cel", "degc", "°c", "c", "celsius", "degcelsius", "℃"})
FAHRENHEIT_UNITS = frozenset({"degf", "°f", "f", "fahrenheit", "degfahrenheit", "℉"})
# A value outside this range (°C) is no temperature a patient has: a value sent under the wrong
# unit (98.6 marked Cel) is not read, never a critical card.
PLAUSIBLE_CELSIUS = (30.0, 45.0)


def celsius(value: float | None, unit: str | None) -> tuple[float, bool] | None:
    """The reading in °C and whether it was sent in °F; None without a value, with a unit that is not
    a temperature's, or with a value no patient has (``PLAUSIBLE_CELSIUS``)."""
    if value is None or not unit:
        return None
    u = unit.strip().lower().replace("degrees", "deg").replace("degree", "deg")
    u = u.replace(" ", "").replace("[", "").replace("]", "")
    if u in CELSIUS_UNITS:
        found = (value, False)
    elif u in FAHRENHEIT_UNITS:
        found = ((value - 32) * 5 / 9, True)
    else:
        return None
    low, high = PLAUSIBLE_CELSIUS
    return found if low <= found[0] <= high else None


def is_fever(value: float | None, unit: str | None) -> bool:
    """At or above ``FEVER_CELSIUS`` (``FEVER_FAHRENHEIT`` in °F, compared as sent)."""
    read = celsius(value, unit)
    if read is None or value is None:
        return False
    return value >= FEVER_FAHRENHEIT if read[1] else value >= FEVER_CELSIUS
