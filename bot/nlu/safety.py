"""A keyword safety net: danger words force `safety_hazard`, whatever the classifier thinks.

A false alarm costs an engineer's call; a miss can cost a life, so the patterns are broad
(ASR variants included) and only an explicit "no smoke" / "not sparking" is ignored.
"""

from __future__ import annotations

import re

_OBJECT = r"(?:plug|cable|lead|connector|handle|socket|charger|unit|gun|nozzle|wire|wires|port|inlet)"
_HAZARDS = [
    r"smok\w*", r"smould\w*", r"smold\w*", r"fumes?", r"steam(?:ing)?",
    r"burn\w*", r"burnt", r"scorch\w*", r"charr(?:ed|ing)", r"singed",
    r"spark\w*", r"arc(?:ing|ed)", r"flash(?:ed|es)? (?:of light|when)",
    r"fire", r"on fire", r"flames?", r"flaming", r"ablaze",
    r"melt\w*", r"molten", r"sizzl\w*", r"crackl\w*", r"popping sounds?", r"bang(?:ed)?",
    r"overheat\w*", r"over heat\w*", r"too hot", r"(?:really|very|super|extremely|boiling|scalding|burning) hot",
    r"hot to (?:the )?touch", r"scald\w*", r"red hot",
    _OBJECT + r"(?: \w+){0,3} (?:is|was|getting|got|gets|feels|felt|so|really|very|super) (?:\w+ )?hot",
    r"hot " + _OBJECT,
    r"(?:electric(?:al)? )?shock(?:ed|s|ing)?", r"electrocut\w*", r"zapp?(?:ed|s)?", r"tingl\w*",
    r"exposed (?:\w+ )?wir\w*", r"bare wir\w*", r"live wir\w*", r"wires? (?:hanging|sticking|exposed|showing)",
    r"wa?te?r (?:in|inside|into|pouring|leaking|dripping|coming|getting)\w*", r"flood\w*",
    r"wet (?:inside|socket|plug)", r"puddle\w*", r"(?:full of|filled with) water",
    r"blew up", r"blown up", r"blowing up", r"live (?:cable|cables|wire|wires|parts?|conductors?|terminals?)",
    r"exposed (?:\w+ )?(?:parts?|cables?|conductors?|copper|terminals?)", r"copper (?:strands?|showing|exposed|wires?)",
    r"(?:see|seeing|visible|showing) (?:the |all the )?(?:wiring|wires|copper|insides)", r"wires everywhere",
    r"wiring (?:exposed|hanging|showing|out)", r"cut (?:the )?power", r"emergency",
    r"(?:conductors?|wiring|wires|copper|insides) (?:are |is )?(?:showing|visible|sticking out|hanging out|poking out)",
    r"bubbl(?:ing|ed|es)",
    r"smells? (?:like |of )?(?:burn\w*|plastic|electrical|fire|smoke)", r"(?:burning|electrical|plastic) smell",
    r"danger\w*", r"hazard\w*", r"explo(?:de|ded|des|ding|sions?)",
    r"jolt(?:ed|s)?", r"kill (?:the )?power", r"turn (?:the )?power off", r"glowing", r"(?:orange|red) glow", "\U0001f525+",
    r"short(?:ed|ing)?[ -]?circuit\w*", r"shorted out", r"insulation (?:is |was )?(?:\w+ )?(?:damaged|torn|split|gone|off|melted)",
    r"soot\w*", r"blackened",
]
_DE_OBJECT = (r"(?:stecker|kabel|ladekabel|ladestecker|steckdose|buchse|dose|säule|saeule|ladesäule|ladesaeule|"
              r"griff|anschlu(?:ss|ß)|gerät|geraet|ding|teil)")
_HOT = r"hei(?:ß|ss|s)(?:e|er|es|en)?"
# German, with ae/oe/ue/ss spellings and what speech recognition makes of it
_DE_HAZARDS = [
    r"rauch\w*", r"qualm\w*", r"dampf\w*", r"brenn\w*", r"brand\w*", r"verbrannt\w*", r"angebrannt\w*",
    r"verschmort\w*", r"geschmort\w*", r"schmor\w*", r"kokel\w*", r"(?:ver|an)?sengt\w*",
    r"feuer", r"flamme\w*", r"funke[n]?", r"funkt", r"funkte[n]?", r"funkenflug", r"funkenschlag", r"gefunkt", r"lichtbogen\w*",
    r"(?:ge|zer)?schmolzen\w*", r"schmilzt", r"schmelz\w*", r"zisch\w*", r"knister\w*", r"knall\w*", r"geknallt",
    r"(?:über|ueber|uber)hitz\w*", r"zu " + _HOT, r"(?:sehr|total|extrem|richtig|voll|super|mega|brutal|glühend|"
    r"gluehend|kochend|wahnsinnig|unglaublich|so|ganz schön|ganz schoen|echt) " + _HOT,
    _DE_OBJECT + r"(?: \w+){0,3} (?:ist|war|wird|wurde|sind|waren|werden|fühlt sich|fuehlt sich) (?:(?!nicht\b|kein)\w+ )?"
    r"(?:" + _HOT + r"|glühend|gluehend|kochend)", _HOT + r"(?:e|er|es|en)? " + _DE_OBJECT,
    r"strom ?schlag\w*", r"stromschläge", r"stromschlaege", r"elektrische[nr]? schlag", r"gewischt",
    r"(?:einen|ne|'?nen) schlag (?:gekriegt|bekommen|gekriegt)", r"gekribbelt", r"kribbel\w*", r"stromstoß",
    r"stromstoss", r"unter strom", r"blank\w* (?:kabel|drähte|draehte|draht|leitung\w*|kupfer)",
    r"(?:kabel|drähte|draehte|leitungen|kupfer) (?:liegen|liegt|hängen|haengen|hängt|haengt|schauen|gucken|sind) "
    r"(?:\w+ )?(?:frei|offen|raus|heraus|blank)", r"offene (?:kabel|drähte|draehte|leitungen)",
    r"(?:freiliegend|frei liegend)\w*", r"wasser (?:in|im|drin|läuft|laeuft|tropft|steht|kommt)\w*",
    r"(?:über|ueber|uber)flutet", r"(?:unter|voll) wasser", r"nass (?:drin|innen)", r"explo\w*", r"(?:ist )?geplatzt",
    r"notfall", r"notaus", r"not ?aus", r"(?:lebens)?gefahr", r"gefährlich\w*", r"gefaehrlich\w*", r"feuerwehr",
    r"riecht (?:\w+ )?(?:verbrannt|angebrannt|verschmort|nach (?:plastik|gummi|kabel|strom|rauch|brand|feuer))",
    r"(?:verbrannt|angebrannt|verschmort)(?:er|en|es)? geruch", r"brandgeruch", r"schmorgeruch", r"glüh\w*", r"glueh\w*",
    r"verkohlt\w*", r"\w*sengt\w*", r"brutzel\w*", r"kupfer\w*", r"lichterloh",
    r"\w*geschmolzen\w*", r"\w*geschmort\w*", r"bre?nn?t", r"verbr?ann?t\w*", r"ri?e?cht (?:\w+ )?verbr?ann?t",
    r"wasser (?:aus|tropft|läuft|laeuft)", r"tropft wasser", r"(?:steht|stehen|liegt|liegen) (?:\w+ )?(?:im|unter) wasser",
    r"strom (?:\w+ )?(?:abschalten|abstellen|ausschalten|abdrehen|wegnehmen)",
    r"(?:schalten|stellen|drehen|machen) sie (?:\w+ ){0,3}(?:strom|säule|saeule) (?:\w+ )?(?:ab|aus)",
    r"kurz ?schlu(?:ss|ß)\w*", r"hei(?:ß|ss)gelaufen\w*", r"ru(?:ß|ss)ig\w*", r"ruß\w*", r"verrußt\w*", r"verrusst\w*",
    r"(?:isolierung|isolation|ummantelung)(?: \w+){0,3} (?:kaputt|beschädigt|beschaedigt|ab|weg|aufgerissen|gerissen|"
    r"durchgescheuert|offen|geschmolzen)",
    r"stinkt (?:\w+ )?(?:verbrannt|angebrannt|verschmort|nach (?:plastik|gummi|kabel|strom|rauch|brand|feuer|schmor\w*))",
]
_PATTERN = re.compile(r"(?<![\w])(?:" + "|".join(_HAZARDS + _DE_HAZARDS) + r")(?![\w])", re.IGNORECASE)
# "no smoke", "not sparking", "without any sparks": one optional filler word between
_NEGATION = re.compile(r"(?:\bno|\bnot|n't|\bwithout|\bnever|\bnor|\bzero|\bkein\w*|\bnicht|\bohne|\bnie)\s+"
                       r"(?:(?:any|visible|signs? of|sign|more|real|actual|obvious|mehr|wirklich|sichtbare[nr]?|so|zu)\s+)?$",
                       re.IGNORECASE)
# Words that contain a hazard stem but are harmless in this domain.
_HARMLESS = re.compile(r"^(?:burner|sparkling|fireworks?|firefox|shockingly|banging on|banged on about|"
                       r"brennstoff\w*|brandneu\w*|brandenburg\w*|dampfer)$", re.IGNORECASE)
# "bang on" as in "exactly right" ("yes bang on", "bang on, thanks"), not "a bang on the charger"
_NOT_AFTER = re.compile(r"\s+(?:nicht|nich|net)\b", re.IGNORECASE)
_BANG_ON_IDIOM = re.compile(r"\s+on\b\s*(?:$|[.!,]|thanks|thank|cheers|mate|that|yes)", re.IGNORECASE)


def hazard(text: str) -> str | None:
    """Return the first non-negated danger phrase in text, or None."""
    for match in _PATTERN.finditer(text):
        phrase = match.group(0)
        if _HARMLESS.match(phrase):
            continue
        if phrase.lower() == "bang" and _BANG_ON_IDIOM.match(text, match.end()):
            continue
        if phrase.lower() == "funkt" and _NOT_AFTER.match(text, match.end()):  # "es funkt nicht": it does not work
            continue
        if _NEGATION.search(text[max(0, match.start() - 40):match.start()]):
            continue
        return phrase
    return None
