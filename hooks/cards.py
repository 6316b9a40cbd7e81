"""Card drafts: what a rule returns. The web layer adds uuids and serialises to CDS Hooks JSON.

A draft carries the full reasoning as structured parts — ``why`` (facts naming their resources),
``next_steps``, ``avoid``, ``evidence``, ``conflicts`` (both sides), ``gaps`` (data not recorded) —
and two renderings are made from the same parts:

- ``render_detail``: the card a clinician reads in about ten seconds in an EHR sidebar. At most
  ``DETAIL_MAX`` characters of markdown: the one to three facts that decide it (date and resource
  reference; each fact's short form when it has one, else its text cut in the middle), the next
  step in one sentence, at most one "Not recorded" line, a guideline conflict
  only when the patient has the contested treatment now (one line), and the advisory line.
- ``render_full``: everything, for ``radicular-cds evaluate --full`` and the pathway page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from hooks.evidence import Guideline
from hooks.terminology import Coding

Indicator = Literal["info", "warning", "critical"]
INDICATOR_RANK: Mapping[str, int] = {"info": 0, "warning": 1, "critical": 2}
SUMMARY_MAX = 139  # CDS Hooks: summary < 140 characters
DETAIL_MAX = 400  # what a sidebar shows without scrolling
KEY_FACTS = 3  # facts on the card; the full reasoning keeps every one
ADVISORY = "_Advice for the clinician, not an order._"
RULE_SYSTEM = "http://radicular-cds.org/fhir/CodeSystem/cds-rules"


@dataclass(frozen=True, slots=True)
class Fact:
    """One reason the card fired, naming the resource it came from (``ref``) when there is one;
    ``also`` names further resources the same fact rests on (four injections in one line).

    ``text`` is the complete statement the full reasoning shows; ``short`` (optional) is what the
    fact means for the decision, with its date, in a few words ("MRI 2026-07-15: left paracentral
    extrusion at L5-S1") — written from the same fields by the code that makes the fact. The card
    shows the short form whole; a fact without one is cut in the middle when room is short.
    """

    text: str
    ref: str | None = None
    also: tuple[str, ...] = ()
    short: str | None = None

    @property
    def brief(self) -> str:
        """What the card shows: the short form when there is one, else the complete text."""
        return self.short or self.text

    @property
    def refs(self) -> tuple[str, ...]:
        return tuple(r for r in (self.ref, *self.also) if r)

    def markdown(self) -> str:
        refs = ", ".join(f"`{r}`" for r in self.refs)
        return f"{refs} — {self.text}" if refs else self.text


@dataclass(frozen=True, slots=True)
class Conflict:
    """Where public sources disagree: both positions, never one silently.

    ``line`` is what a card says in one line when the patient has the contested treatment now:
    takes a medicine in ``medications`` or has an order pending in ``orders`` (value-set names).
    """

    topic: str
    for_: str
    against: str
    line: str = ""
    medications: tuple[str, ...] = ()
    orders: tuple[str, ...] = ()
    # both sides in a few words, with their sources, for a card short of room ("ASRA 2020 accepts
    # one block ≥ 50 %; Medicare requires two ≥ 80 %."); a bare topic would say nothing
    brief: str = ""

    def markdown(self) -> str:
        return f"**{self.topic}** — for: {self.for_} Against: {self.against}"

    @property
    def one_line(self) -> str:
        return f"**Sources disagree:** {self.line or self.brief or self.topic}"


@dataclass(frozen=True, slots=True)
class Action:
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resource_id: str | None = None


@dataclass(frozen=True, slots=True)
class SuggestionDraft:
    label: str
    actions: tuple[Action, ...] = ()
    is_recommended: bool = False


@dataclass(frozen=True, slots=True)
class LinkDraft:
    label: str
    url: str
    type: Literal["absolute", "smart"] = "absolute"


@dataclass(frozen=True)
class CardDraft:
    """A card and its full reasoning (the structured fields the pathway page renders)."""

    rule_id: str  # stable id of the rule/state, e.g. "F3" or "order.esi-blind"; becomes source.topic
    topic: str  # one card per topic per response (alert fatigue): the service keeps the most urgent
    indicator: Indicator
    summary: str
    title: str  # human name of the rule, shown as source.topic.display
    why: tuple[Fact, ...]
    next_steps: tuple[str, ...]
    avoid: tuple[str, ...]
    evidence: tuple[Guideline, ...]
    conflicts: tuple[Conflict, ...] = ()
    gaps: tuple[str, ...] = ()  # data that was needed and not there, said out loud
    suggestions: tuple[SuggestionDraft, ...] = ()
    selection_behavior: Literal["at-most-one", "any"] = "at-most-one"
    links: tuple[LinkDraft, ...] = ()
    # Identity of the thing judged (e.g. the draft order "ServiceRequest/123"), so the same check on
    # the same order keeps a stable identity across order-select and order-sign.
    subject_key: str | None = None
    # The conflict the card shows in one line: the patient has the contested treatment now.
    conflict_now: Conflict | None = None
    # Rules whose cards were merged into this one (the cross-cutting card on patient-view).
    merged: tuple[str, ...] = ()
    # How the pathway reached this state (each predicate that held, naming the resources it read),
    # or why an order check judged the draft order.
    basis: tuple[Fact, ...] = ()

    def __post_init__(self) -> None:
        if len(self.summary) > SUMMARY_MAX:
            raise ValueError(f"{self.rule_id}: summary is {len(self.summary)} chars (max {SUMMARY_MAX})")
        if self.indicator not in INDICATOR_RANK:
            raise ValueError(f"{self.rule_id}: bad indicator {self.indicator!r}")
        if not self.evidence:
            raise ValueError(f"{self.rule_id}: every card cites at least one guideline")
        if not self.why:
            raise ValueError(f"{self.rule_id}: every card names the data that fired it")
        if self.indicator != "critical" and any(urgent(s) for s in self.suggestions):
            raise ValueError(f"{self.rule_id}: only a critical card may offer an urgent or stat order")

    @property
    def topic_coding(self) -> Coding:
        return Coding(RULE_SYSTEM, self.rule_id, self.title)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """This card's rule and every rule merged into it."""
        return (self.rule_id, *self.merged)


def urgent(s: SuggestionDraft) -> bool:
    """A suggestion that says or orders "urgent" (or stat): the mark of a critical card only. An
    update of the clinician's own draft keeps the priority they chose (an urgent MRI changed to one
    with contrast stays urgent): that urgency is theirs, not the card's, so only the label and the
    orders the card creates count here."""
    if re.match(r"(?i)(urgent|stat|emergency)\b", s.label):
        return True
    created = (a.resource or {} for a in s.actions if a.type == "create")
    return any(r.get("priority") in ("urgent", "stat", "asap") for r in created)


# ---------------------------------------------------------------------------------------------
# the ten-second card
# ---------------------------------------------------------------------------------------------

_LEAD = re.compile(r"^(?:record|document|no)\s+", re.I)
_ON_RECORD = re.compile(r"\s+(?:on record|in the record|recorded)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:—-") + "…"


def clip_clause(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters after its last whole clause that fits (at a comma or
    semicolon), so that what is kept reads as said ("avoid the combination (CDC 2022)", never
    "..., taper the…"); ``clip`` when no clause of at least a third of ``limit`` fits."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(", ", 0, limit + 1), text.rfind("; ", 0, limit + 1))
    if cut >= limit // 3:
        return text[:cut]
    return clip(text, limit)


def clip_middle(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters in the middle, at word boundaries: the start says what,
    the end says when ("MRI lumbar spine … on 2026-07-15"); never inside a word or a date."""
    if len(text) <= limit:
        return text
    words = text.split(" ")
    head = tail = used = 0
    while head + tail < len(words):
        take_tail = tail <= head // 2  # about two words of the start for one of the end
        word = words[-1 - tail] if take_tail else words[head]
        if used + len(word) + 1 > limit - 2:
            break
        used += len(word) + 1
        head, tail = (head, tail + 1) if take_tail else (head + 1, tail)
    if head == 0 or tail == 0:
        return clip(text, limit)
    return " ".join(words[:head]).rstrip(" ,;:—-") + " … " + " ".join(words[-tail:])


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def missing(gap: str) -> str:
    """A gap said as what is missing, the noun phrase after "Not recorded:": "Record the outcome" →
    "the outcome"; "No lumbar imaging on record: the level …" → "lumbar imaging: the level …" (its
    "on record" would read as the opposite)."""
    lead = _LEAD.match(gap)
    if lead is None:
        return gap
    rest = gap[lead.end() :]
    if lead.group().strip().lower() == "no":
        head, colon, tail = rest.partition(":")
        rest = _ON_RECORD.sub("", head, count=1) + colon + tail
    return rest


_UNREAD = re.compile(r"^(?P<key>\S+) \(unread: (?P<reason>[^()]*)\)$")

# The prefetch keys as a clinician names the data behind them.
DATA_NAMES = {
    "patient": "the patient record",
    "conditions": "diagnoses",
    "procedures": "procedures",
    "observations": "pain and function scores and test results",
    "examObservations": "examination findings",
    "medicationRequests": "prescriptions",
    "medicationStatements": "medication statements",
    "serviceRequests": "referrals and orders",
    "diagnosticReports": "imaging reports",
    "encounters": "encounters",
}


def data_name(key: str) -> str:
    """A prefetch key as a clinician names its data: "diagnosticReports" → "imaging reports"."""
    return DATA_NAMES.get(key, key)


def gap_text(gap: str) -> str:
    """A gap as the clinician reads it: data the EHR could not give ("diagnosticReports (unread:
    timed out)") by the data's name, "imaging reports (could not be read: timed out)"; other gaps as
    they are."""
    m = _UNREAD.match(gap)
    if m is None:
        return gap
    return f"{data_name(m.group('key'))} (could not be read: {m.group('reason')})"


def _unread_together(items: list[str]) -> list[str]:
    """Data the EHR could not give, one item per reason, by its data's name: "medicationRequests
    (unread: FHIR server answered 500)" and "medicationStatements (unread: …500)" → "prescriptions
    and medication statements (could not be read: FHIR server answered 500)"."""
    keys: dict[str, list[str]] = {}
    out: list[str | tuple[str]] = []
    for item in items:
        m = _UNREAD.match(item)
        if m is None:
            out.append(item)
            continue
        reason = m.group("reason")
        if reason not in keys:
            keys[reason] = []
            out.append((reason,))
        keys[reason].append(data_name(m.group("key")))
    said = []
    for x in out:
        if isinstance(x, tuple):
            names = keys[x[0]]
            joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
            said.append(f"{joined} (could not be read: {x[0]})")
        else:
            said.append(x)
    return said


def not_recorded(gaps: Sequence[str]) -> str:
    """The one "Not recorded" line: what is missing, said as a noun phrase."""
    # data that could not be read at all comes first: it may hide anything
    ordered = sorted(dict.fromkeys(gaps), key=lambda g: "(unread: " not in g)
    items = _unread_together([missing(g).rstrip(".") for g in ordered])
    text = "; ".join(items)
    return f"**Not recorded:** {text[:1].lower()}{text[1:]}."


def _fact_head(f: Fact) -> str:
    refs = ", ".join(f"`{r}`" for r in f.refs)
    return f"- {refs} " if refs else "- "


FACT_ROOM = 180  # what the facts keep however much else the card has to say
SHORT_FACT_ROOM = 240  # as much when they have short forms, which are shown whole or not at all
MIN_FACT_CHARS = 32  # a fact cut shorter than this reads as noise: show fewer facts instead


_ASIDE = re.compile(r"\s\([^()]*\)")  # a parenthesis: a citation or an aside
_CITATION = re.compile(r"\b(?:19|20)\d\d\b(?!-)|\bLCD\b")  # "(NASS 2014)", "(Medicare facet LCD)"
_DATE = re.compile(r"\b\d{4}-\d\d(?:-\d\d)?\b")
_CLAUSE = re.compile(r"[;:](?=\s)|\s[—–]\s")  # where a clause ends and a sentence may stop
_LIST = re.compile(r",(?=\s)")  # where a list item ends: a sentence may stop there, at a loss
_SUBORDINATE = re.compile(
    r"\b(?:if|when|unless|once|until|while|although|though|before|after|because)\b", re.I
)
MIN_CLAUSE = 16  # a shortened sentence shorter than this ("Reassess benefit now.") says too little

# What each shortening of the tail loses, so the one that loses least is chosen: a citation is
# cheap (the card links its sources), an aside less so, a date costs as much as a clause; the
# conflict line is never cut (half of a disagreement misleads) but may shrink to its brief form
# (both sides in a few words), the full reasoning giving both sides whole; the next step is cut
# at a clause before the gap line goes; a cut inside a clause, with an ellipsis, is the last resort.
CITATION_COST, ASIDE_COST, CLAUSE_COST, LIST_COST = 1, 4, 8, 9
EXTRA_GAP_COST, GAP_SHORTENED_COST, GAP_DROPPED_COST = 3, 5, 11
CONFLICT_TOPIC_COST, CONFLICT_DROPPED_COST = 3, 20
MAX_ASIDES = 4  # asides beyond these are kept: every subset of them is tried


def _outside(text: str, at: int) -> bool:
    """Position ``at`` of ``text`` is outside any parentheses."""
    return text.count("(", 0, at) == text.count(")", 0, at)


def _stops(text: str, at: int, pattern: re.Pattern[str]) -> bool:
    """A sentence may stop at ``at``: outside parentheses, and for a comma, not inside a clause that
    a condition opens ("if there is no improvement, …") nor in a list a colon opens (items would go
    missing unseen)."""
    if not _outside(text, at):
        return False
    if pattern is _CLAUSE:
        return True
    ends = [m for m in _CLAUSE.finditer(text, 0, at) if _outside(text, m.start())]
    opened = ends[-1].group().strip() if ends else ""
    return opened != ":" and not _SUBORDINATE.search(text, ends[-1].end() if ends else 0, at)


def _aside_cost(aside: str) -> int:
    if _DATE.search(aside):
        return CLAUSE_COST
    return CITATION_COST if _CITATION.search(aside) else ASIDE_COST


def shorter_forms(sentence: str) -> list[tuple[str, int]]:
    """``sentence`` and its shorter complete forms, each with what it loses (``*_COST``), cheapest
    first — never a fragment: without some of its parentheses (a citation, an aside), then cut where
    a clause ends (";", ":", "—"), or where a list item ends (","), outside parentheses. "Refer to a
    spine surgeon for discectomy or decompression (NASS 2014; NICE NG59)." → "Refer to a spine
    surgeon for discectomy or decompression."."""
    whole = sentence.strip()
    body = whole.rstrip(".")
    asides = list(_ASIDE.finditer(body))[-MAX_ASIDES:]
    forms: dict[str, int] = {}
    for mask in range(1 << len(asides)):
        text, cost, at = "", 0, 0
        for i, m in enumerate(asides):
            if mask >> i & 1:
                text, cost, at = text + body[at : m.start()], cost + _aside_cost(m.group()), m.end()
        text += body[at:]
        forms[text] = min(forms.get(text, cost), cost)
        for pattern, cut in ((_CLAUSE, CLAUSE_COST), (_LIST, LIST_COST)):
            for m in pattern.finditer(text):
                head = text[: m.start()].rstrip(" ,;:—–")
                if len(head) >= MIN_CLAUSE and _stops(text, m.start(), pattern):
                    forms[head] = min(forms.get(head, cost + cut), cost + cut)
    forms.pop(body)
    shorter = sorted(forms.items(), key=lambda fc: (fc[1], -len(fc[0])))
    return [(whole, 0), *((f"{f}.", c) for f, c in shorter)]


def _gaps_in_order(gaps: Sequence[str]) -> list[str]:
    """The gaps once each, data the EHR could not give (with its reason) first."""
    return sorted(dict.fromkeys(gaps), key=lambda g: "(unread: " not in g)


def _gap_lines(gaps: Sequence[str]) -> list[tuple[str, int]]:
    """The "Not recorded" line and its shorter forms, each with what it loses: every gap, then
    fewer (data that could not be read always stays, with its reason), then the first gap in a
    shorter complete form, then no line at all."""
    ordered = _gaps_in_order(gaps)
    unread = sum("(unread: " in g for g in ordered)
    lines = [
        (not_recorded(ordered[:k]), (len(ordered) - k) * EXTRA_GAP_COST)
        for k in range(len(ordered), max(unread, 1) - 1, -1)
    ]
    if not unread:
        dropped = (len(ordered) - 1) * EXTRA_GAP_COST
        shorter = shorter_forms(missing(ordered[0]))[1:]
        lines += [(not_recorded([f]), dropped + GAP_SHORTENED_COST + c) for f, c in shorter]
        lines.append(("", GAP_DROPPED_COST))
    return lines


def _tail(card: CardDraft, limit: int, need: int | None = None) -> list[str]:
    """Next step, "Not recorded", the conflict line and the advisory, in what the facts leave:
    ``need``, or by default their whole length up to ``FACT_ROOM`` characters (``SHORT_FACT_ROOM``
    when they have short forms). Each line is whole or shortened to a complete statement, the
    shortening that loses least (``*_COST``) chosen; only when none fits is the next step cut inside
    a clause, with an ellipsis."""
    if need is None:
        facts = card.why[:KEY_FACTS]
        cap = SHORT_FACT_ROOM if any(f.short for f in facts) else FACT_ROOM
        need = min(cap, sum(len(_fact_head(f)) + len(f.brief) + 1 for f in facts))
    room = limit - need - len(ADVISORY) - 1
    step = first_sentence(card.next_steps[0]) if card.next_steps else ""
    gaps_in_order = _gaps_in_order(card.gaps)
    whole = [
        step and f"**Next:** {step}",
        not_recorded(gaps_in_order) if gaps_in_order else "",
        card.conflict_now.one_line if card.conflict_now is not None else "",
    ]
    if sum(len(t) + 1 for t in whole if t) <= room:
        return [*(t for t in whole if t), ADVISORY]  # everything fits whole: nothing to weigh
    nexts = [(f"**Next:** {n}", c) for n, c in shorter_forms(step)] if step else [("", 0)]
    gaps = _gap_lines(card.gaps) if card.gaps else [("", 0)]
    conflicts = [("", 0)]
    if card.conflict_now is not None:
        brief = card.conflict_now.brief
        topic = (
            [(f"**Sources disagree:** {brief}", CONFLICT_TOPIC_COST)]
            if brief
            else [
                (f"**Sources disagree:** {t.rstrip('.')}.", CONFLICT_TOPIC_COST + c)
                for t, c in shorter_forms(card.conflict_now.topic)
            ]
        )
        conflicts = [(card.conflict_now.one_line, 0), *topic, ("", CONFLICT_DROPPED_COST)]

    def length(*lines: str) -> int:
        return sum(len(t) + 1 for t in lines if t)

    fitting = [
        (nc + gc + cc, -length(n, g, c), [n, g, c])
        for n, nc in nexts
        for g, gc in gaps
        for c, cc in conflicts
        if length(n, g, c) <= room
    ]
    if fitting:
        lines = min(fitting, key=lambda x: x[:2])[2]
    else:  # nothing complete fits: the next step cut to what is left beside the shortest gap line
        gap = gaps[-1][0]
        lines = [step and f"**Next:** {clip(step, max(room - length(gap) - 11, 50))}", gap]
    return [*(t for t in lines if t), ADVISORY]


def _shares(needs: list[int], room: int) -> list[int]:
    """Split ``room`` between lines that need ``needs`` characters: short lines keep all they need,
    the rest share what is left equally."""
    shares = [0] * len(needs)
    open_ = list(range(len(needs)))
    while open_:
        fair = room // len(open_)
        fits = [i for i in open_ if needs[i] <= fair]
        if not fits:
            for i in open_:
                shares[i] = fair
            break
        for i in fits:
            shares[i] = needs[i]
            room -= needs[i]
            open_.remove(i)
    return shares


def _least(f: Fact) -> int:
    """The fewest characters a fact may show: its whole short form, else enough to read."""
    return len(f.short) if f.short else min(len(f.text), MIN_FACT_CHARS)


def _fact_line(head: str, f: Fact, share: int) -> str:
    if f.short and len(f.short) <= share:
        return head + f.short
    return head + clip_middle(f.brief, max(share, 10))


def _fact_lines(facts: list[Fact], room: int) -> list[str]:
    """The deciding facts in ``room`` characters: each short form whole, fewer facts rather than a
    cut one; a fact without a short form cut in the middle to its share."""
    facts = list(facts)
    while facts:
        heads = [_fact_head(f) for f in facts]
        shares = _shares([len(f.brief) for f in facts], room - sum(len(h) + 1 for h in heads))
        readable = all(s >= _least(f) for s, f in zip(shares, facts, strict=True))
        if readable or len(facts) == 1:
            return [_fact_line(h, f, s) for h, f, s in zip(heads, facts, shares, strict=True)]
        facts.pop()  # too little room for this many: keep the more deciding ones
    return []


def render_detail(card: CardDraft, limit: int = DETAIL_MAX) -> str:
    """The card's detail: deciding facts, next step, what is not recorded — within ``limit``.

    The tail is shortened until the facts have their room; once it is known which facts fit, the
    tail is made again with only the room those facts take, so none is cut for a fact not shown."""
    tail = _tail(card, limit)
    chosen = card.why[: len(_fact_lines(list(card.why[:KEY_FACTS]), limit - sum(len(t) + 1 for t in tail)))]
    if chosen:
        used = sum(len(line) + 1 for line in _fact_lines(list(chosen), limit - sum(len(t) + 1 for t in tail)))
        tail = _tail(card, limit, need=used)
    lines = _fact_lines(list(chosen), limit - sum(len(t) + 1 for t in tail))
    text = "\n".join([*lines, *tail])
    return text if len(text) <= limit else clip(text, limit)


# ---------------------------------------------------------------------------------------------
# the full reasoning
# ---------------------------------------------------------------------------------------------


def render_full(card: CardDraft) -> str:
    """Every fact with its reference, next steps, what not to do, evidence with links, both sides
    of each conflict and the data not recorded (``radicular-cds evaluate --full``)."""
    parts: list[str] = [f"### {card.summary}", "", "**Why**", *(f"- {f.markdown()}" for f in card.why)]
    if card.gaps:
        parts += ["", "**Not recorded**", *(f"- {gap_text(g)}" for g in card.gaps)]
    if card.next_steps:
        parts += ["", "**Next steps**", *(f"- {s}" for s in card.next_steps)]
    if card.avoid:
        parts += ["", "**Not recommended here**", *(f"- {s}" for s in card.avoid)]
    parts += ["", "**Evidence**", *(f"- {g.markdown()}" for g in card.evidence)]
    if card.conflicts:
        parts += ["", "**Where sources disagree**", *(f"- {c.markdown()}" for c in card.conflicts)]
    if card.basis:
        heading = "**Why this check ran**" if card.subject_key else "**How the pathway reached this step**"
        parts += ["", heading, *(f"- {f.markdown()}" for f in card.basis)]
    if card.merged:
        parts += ["", f"Rules on this card: {', '.join(card.rule_ids)}"]
    parts += ["", ADVISORY]
    return "\n".join(parts)


def most_urgent_per_topic(cards: list[CardDraft]) -> list[CardDraft]:
    """Keep one card per topic: the most urgent (first wins on ties), preserving order."""
    best: dict[str, CardDraft] = {}
    for c in cards:
        cur = best.get(c.topic)
        if cur is None or INDICATOR_RANK[c.indicator] > INDICATOR_RANK[cur.indicator]:
            best[c.topic] = c
    return [c for c in cards if best.get(c.topic) is c]
