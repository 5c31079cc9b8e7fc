"""Read a driver's message in its context: "again", "I did that", frustration, vagueness, what they lack.

The NLU says what a message is about; these cues say how it relates to what
was already said and done, which the dialogue needs to take the next step
instead of repeating itself. Pure functions of the text, so each rule has its
own unit test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STILL = re.compile(r"\bstill\b", re.I)
_AGAIN = re.compile(
    r"\b(again|yet again|once more|every ?time|each time|(second|third|fourth|2nd|3rd|4th) time|"
    r"same (problem|issue|thing|error|story)|as (before|yesterday|last time)|keeps? (failing|happening|"
    r"dropping|doing|stopping|going)|for (days|weeks)|all week|this week|repeatedly|happened before|"
    r"not the first time)\b", re.I)
_DID_THAT = re.compile(
    r"\b(did (that|this|it|all (of )?that|everything|what you said)|done (that|this|it|all that|everything)|"
    r"tried (that|this|it|everything|all (of )?that|twice|again|both)|i have tried|ive tried|i've tried|"
    r"followed (the|your|those|all)|nothing happen(s|ed)?|nothing changes?|no (luck|change|difference)|"
    r"did ?n'?t (work|help|change)|does ?n'?t help|not help(ing|ed)|that (did ?n'?t|does ?n'?t) work|"
    r"still (nothing|the same|not|doesn'?t|won'?t|dead|no)|same (result|thing)|made no difference|"
    r"i (already )?(plugged|tapped|scanned|swiped|followed|restarted|unplugged)|"
    r"(it'?s|is) unlocked|car is unlocked|that'?s not it|not the (problem|issue))\b", re.I)
_FRUSTRATED = re.compile(
    r"(same (text|message|answer|reply|thing over)|keeps? (sending|saying|telling|repeating)|you already "
    r"(said|told|sent)|(you|bot|this|answer|reply)('?re| is| are)? (useless|no help|not helping)|useless (bot|answer)|"
    r"are you (a bot|even reading|listening)|read my message|not listening|stop (sending|repeating)|"
    r"you'?re (not|no) help|talking to a (wall|machine))", re.I)
_VAGUE = re.compile(
    r"^\W*(hi|hello|hey|um+|uh+|so|ok|yeah|erm)?\W*"
    r"((it|this|the (charger|station|thing|machine|plug|point))\s+)?"
    r"(does ?n[o']?t work|doesnt work|do(es)? not work|wont work|won'?t work|is not working|isn'?t working|"
    r"not working|broken|is broken|dead|is dead|help|help me|please help|same problem|same issue|"
    r"still (not working|broken|the same|nothing)|nothing works?|it'?s not working|not work)\W*$", re.I)
_LACKS = {
    "rfid": r"(rfid|r f i d|charg(e|ing) card|key ?fob|fob|card for (the )?charg\w*)",
    "app": r"(the |an |any |their |your )?app\b|smart ?phone|phone with me",
    "contactless": r"(credit|debit|bank|contactless|visa|master ?card) ?card|contactless|apple ?pay|google ?pay",
    "qr": r"qr",
}
_NEGATION = r"(do ?n'?t|dont|do not|does ?n'?t|have ?n'?t|haven'?t|never|no longer|not|without|lost( my)?|forgot( my)?)"
_LACK_PATTERNS = {
    method: re.compile(rf"\b({_NEGATION}\s+(\w+\s+){{0,3}}{words}|\bno\s+(\w+\s+){{0,1}}{words})", re.I)
    for method, words in _LACKS.items()
}
_OTHER_CONNECTOR = re.compile(r"\b(the )?other (one|plug|connector|cable|side|socket|gun)\b", re.I)
_SPLIT = re.compile(r"(?:[.!?;]+\s+|\s+(?:and also|and then|and now|also|plus|and|but)\s+)", re.I)


@dataclass(frozen=True)
class Cues:
    """What the wording of one message says beyond its intent."""

    again: bool = False  # "again", "third time", "keeps failing": the problem recurs at this charger
    still: bool = False  # "still": what was done did not help
    did_that: bool = False  # the driver did what was suggested and it did not help
    frustrated: bool = False  # angry at the bot ("you keep sending the same text")
    vague: bool = False  # "it doesnt work", "broken", "help": no detail at all
    lacks: frozenset[str] = frozenset()  # payment means the driver says they do not have
    other_connector: bool = False  # "the other plug"
    asks_person: bool = False  # names a person to talk to ("agent", "someone", "call me")
    works: bool = False  # "charging now", "cable's out": what was tried worked


_RETRY = re.compile(r"\b(start|tr(y|ied|ying)|plug|restart|charg|begin|us)\w*( it| in| the \w+| my \w+)? again\b", re.I)
_WORKS = re.compile(r"\b((it'?s|its|is|now) (charging|working)|works( now)?|worked|working now|charging now|fixed|"
                    r"(cable'?s|plug'?s|cable is|plug is|it'?s) (out|free)|came out|got it out)\b", re.I)
_NOT = re.compile(r"\b(not|n'?t|no|never|still)\b", re.I)
_ASKS_PERSON = re.compile(r"\b(agent|human|person|real (one|people)|someone|somebody|operator|representative|"
                          r"colleague|staff|manager|call me|speak to|talk to)\b", re.I)


def read_cues(text: str) -> Cues:
    """The cues in one message."""
    text = text or ""
    again = [m.group(0) for m in _AGAIN.finditer(text)]
    retries = len(_RETRY.findall(text))
    return Cues(
        again=len(again) > retries,  # "can I start it again?" asks to retry; it does not report a repeat
        still=bool(_STILL.search(text)),
        works=bool(_WORKS.search(text)) and not _NOT.search(text),
        asks_person=bool(_ASKS_PERSON.search(text)),
        did_that=bool(_DID_THAT.search(text)),
        frustrated=bool(_FRUSTRATED.search(text)),
        vague=bool(_VAGUE.match(text.strip())),
        lacks=frozenset(m for m, pattern in _LACK_PATTERNS.items() if pattern.search(text)),
        other_connector=bool(_OTHER_CONNECTOR.search(text)),
    )


def clauses(text: str) -> list[str]:
    """A message cut where a second problem may start ("card refused and now the cable is stuck")."""
    parts = [p.strip(" ,") for p in _SPLIT.split(text or "") if p and p.strip(" ,")]
    return [p for p in parts if len(p.split()) >= 2]
