"""Read and validate the guide and error-code files; every problem names the file and the field."""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Any

from bot.fleet.models import CONNECTOR_TYPES
from bot.knowledge.base import KnowledgeBase, normalise_code
from bot.knowledge.model import STYLES, ErrorExplanation, Guide, KnowledgeFileError, Variants
from bot.knowledge.placeholders import KNOWN_PLACEHOLDERS, PLACEHOLDER
from bot.yamlfile import read_yaml

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
INTENTS = frozenset(
    "greet goodbye thanks affirm deny inform request_human how_to_start start_failure auth_failed payment_failed "
    "how_to_pay pricing_info connector_help cable_stuck error_message slow_charging charging_stopped "
    "charger_unavailable check_status billing_dispute report_damage safety_hazard out_of_scope".split()
)
OCPP16_ERROR_CODES = (
    "ConnectorLockFailure", "EVCommunicationError", "GroundFailure", "HighTemperature", "InternalError",
    "LocalListConflict", "NoError", "OtherError", "OverCurrentFailure", "OverVoltage", "PowerMeterFailure",
    "PowerSwitchFailure", "ReaderFailure", "ResetFailure", "UnderVoltage", "WeakSignal",
)
ESCALATIONS = (None, "tier2", "field_engineering")
SMS_MAX = 300  # two concatenated SMS segments, before any charger facts are added
_GUIDE_KEYS = {"id", "title", "intents", "tags", "image", "plug", "priority", "chat", "sms", "voice"}
_ERROR_KEYS = {"code", "title", "aliases", "driver_can_fix", "reset_may_help", "escalate_to", "safety",
               "chat", "sms", "voice"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_VOICE_FORBIDDEN = re.compile(r"[*#/\\<>&_{}\[\]|~^@]|https?:|www\.", re.IGNORECASE)


def load_knowledge(path: Path | None = None) -> KnowledgeBase:
    """Load guides from `path/guides/*.yaml` and `path/error_codes.yaml` (default: the packaged ones)."""
    root = Path(path) if path is not None else PACKAGE_DIR
    problems: list[str] = []
    images = {p.stem for p in (root / "images").glob("*.svg")} | {p.stem for p in (PACKAGE_DIR / "images").glob("*.svg")}
    guides: dict[str, Guide] = {}
    files = sorted((root / "guides").glob("*.y*ml"))
    if not files:
        problems.append(f"{root / 'guides'}: no guide files (*.yaml) found")
    for file in files:
        for guide in _read_guides(file, images, problems):
            if guide.id in guides:
                problems.append(f"{file.name}: guide {guide.id!r}: field 'id': duplicate, already in "
                                f"{guides[guide.id].source}")
            else:
                guides[guide.id] = guide
    errors = _read_errors(root / "error_codes.yaml", problems)
    if problems:
        raise KnowledgeFileError(problems)
    log.info("knowledge base loaded: %d guides, %d error codes from %s", len(guides), len(errors), root)
    return KnowledgeBase(list(guides.values()), errors)


@functools.lru_cache(maxsize=1)
def default_knowledge() -> KnowledgeBase:
    """Return the packaged knowledge base, loaded once per process (it is read-only)."""
    return load_knowledge()


def _load_yaml(file: Path, key: str, problems: list[str]) -> list[Any]:
    try:
        data = read_yaml(file, KnowledgeFileError)
    except KnowledgeFileError as exc:  # unreadable or not YAML: the other files are still checked
        problems.extend(exc.problems)
        return []
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        problems.append(f"{file.name}: field {key!r}: expected a top-level list named {key!r}")
        return []
    return list(data[key])


def _variants(raw: dict[str, Any], where: str, problems: list[str], *, templated: bool) -> Variants | None:
    ok = True
    for style in STYLES:
        text = raw.get(style)
        field = f"{where}: field {style!r}"
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{field}: missing (every entry needs chat, sms and voice texts)")
            ok = False
            continue
        names = set(PLACEHOLDER.findall(text))
        bad = names - KNOWN_PLACEHOLDERS if templated else names
        if bad or ("{" in PLACEHOLDER.sub("", text)) or ("}" in PLACEHOLDER.sub("", text)):
            problems.append(f"{field}: unknown placeholder(s) {', '.join(sorted(bad)) or 'or stray brace'}; "
                            f"known: {', '.join(sorted(KNOWN_PLACEHOLDERS)) if templated else 'none here'}")
            ok = False
        bare = PLACEHOLDER.sub("", text)
        if style == "voice" and _VOICE_FORBIDDEN.search(bare):
            problems.append(f"{field}: voice text must not contain URLs or symbols "
                            f"({_VOICE_FORBIDDEN.search(bare).group(0)!r})")  # type: ignore[union-attr]
            ok = False
        if style == "sms" and (len(bare.strip()) > SMS_MAX or not bare.isascii()):
            problems.append(f"{field}: SMS text must be plain ASCII and at most {SMS_MAX} characters "
                            f"(has {len(bare.strip())})")
            ok = False
    return Variants(raw["chat"].strip(), raw["sms"].strip(), raw["voice"].strip()) if ok else None


def _read_guides(file: Path, images: set[str], problems: list[str]) -> list[Guide]:
    guides = []
    for index, raw in enumerate(_load_yaml(file, "guides", problems)):
        where = f"{file.name}: guide #{index + 1}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping")
            continue
        if isinstance(raw.get("id"), str):
            where = f"{file.name}: guide {raw['id']!r}"
        before = len(problems)
        for key in sorted(set(raw) - _GUIDE_KEYS):
            problems.append(f"{where}: field {key!r}: unknown field")
        if not isinstance(raw.get("id"), str) or not _ID.match(raw["id"]):
            problems.append(f"{where}: field 'id': required, lower-case letters, digits and dashes")
        if not isinstance(raw.get("title"), str) or not raw["title"].strip():
            problems.append(f"{where}: field 'title': required")
        intents = raw.get("intents")
        if not isinstance(intents, list) or not intents or not all(i in INTENTS for i in intents):
            problems.append(f"{where}: field 'intents': a non-empty list of taxonomy intents "
                            f"(unknown: {', '.join(str(i) for i in intents or [] if i not in INTENTS) or 'none'})")
        tags = raw.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            problems.append(f"{where}: field 'tags': a list of strings")
        if raw.get("image") is not None and raw["image"] not in images:
            problems.append(f"{where}: field 'image': no images/{raw['image']}.svg")
        if raw.get("plug") is not None and raw["plug"] not in CONNECTOR_TYPES:
            problems.append(f"{where}: field 'plug': one of {', '.join(CONNECTOR_TYPES)}")
        if not isinstance(raw.get("priority", 0), int):
            problems.append(f"{where}: field 'priority': an integer")
        variants = _variants(raw, where, problems, templated=True)
        if variants is None or len(problems) > before:
            continue
        guides.append(Guide(
            id=raw["id"], title=raw["title"].strip(), intents=tuple(intents or ()), tags=tuple(t.lower() for t in tags),
            variants=variants, image=raw.get("image"), plug=raw.get("plug"), priority=raw.get("priority", 0),
            source=file.name,
        ))
    return guides


def _read_errors(file: Path, problems: list[str]) -> dict[str, ErrorExplanation]:
    errors: dict[str, ErrorExplanation] = {}
    if not file.exists():
        problems.append(f"{file.name}: missing (the error-code explanations)")
        return errors
    for index, raw in enumerate(_load_yaml(file, "error_codes", problems)):
        if not isinstance(raw, dict) or not isinstance(raw.get("code"), str):
            problems.append(f"{file.name}: entry #{index + 1}: field 'code': required")
            continue
        where = f"{file.name}: code {raw['code']!r}"
        before = len(problems)
        for key in sorted(set(raw) - _ERROR_KEYS):
            problems.append(f"{where}: field {key!r}: unknown field")
        for key in ("driver_can_fix", "reset_may_help", "safety"):
            if not isinstance(raw.get(key), bool):
                problems.append(f"{where}: field {key!r}: required, true or false")
        if raw.get("escalate_to") not in ESCALATIONS:
            problems.append(f"{where}: field 'escalate_to': one of field_engineering, tier2 or null")
        if raw.get("safety") and (raw.get("escalate_to") != "field_engineering" or raw.get("reset_may_help")):
            problems.append(f"{where}: field 'safety': a safety code escalates to field_engineering and "
                            "never suggests a reset")
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(f"{where}: field 'aliases': a list of strings")
        variants = _variants(raw, where, problems, templated=False)
        if variants is None or len(problems) > before:
            continue
        explanation = ErrorExplanation(
            code=raw["code"], title=str(raw.get("title") or raw["code"]), driver_text=variants,
            driver_can_fix=raw["driver_can_fix"], reset_may_help=raw["reset_may_help"],
            escalate_to=raw["escalate_to"], safety=raw["safety"], aliases=tuple(aliases),
        )
        for name in (explanation.code, *explanation.aliases):
            key = normalise_code(name)
            if key in errors and errors[key].code != explanation.code:
                problems.append(f"{where}: field 'aliases': {name!r} already names {errors[key].code}")
            errors[key] = explanation
    missing = [c for c in OCPP16_ERROR_CODES if normalise_code(c) not in errors]
    if missing and not problems:
        problems.append(f"{file.name}: field 'code': no explanation for {', '.join(missing)}")
    return errors

