"""Twilio voice webhooks: the call flow. Only translation; the dialogue decides what to say."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, g, request

from bot.apology import failed, failed_turn, is_apology, safe_turn
from bot.channels.deferred import DeferredTurns
from bot.channels.twilio_auth import twilio_signed
from bot.channels.twilio_rest import TwilioSender
from bot.conversation.store import ConversationStore
from bot.db import describe_outage, is_outage
from bot.i18n import DEFAULT, normalise, t
from bot.logs import mask_phone
from bot.messages import InboundMessage, TurnResult
from bot.outbound import Outbound
from bot.services import services
from bot.web.engine import current_engine
from bot.web.outage import on_outage
from ivr import prompts
from ivr.hints import voice_hints
from ivr.languages import greeting, offered, picked
from ivr.voice import (
    VoiceSettings,
    in_language,
    render_greeting,
    render_hold,
    render_listen_again,
    render_say,
    render_voice,
    spoken,
)

log = logging.getLogger(__name__)
blueprint = Blueprint("voice", __name__)

MAX_NO_INPUT = 2
MAX_WAITS = 6  # each wait holds up to the turn budget plus a pause: well over a minute in all
AGENT_WORDS = ("agent", "operator", "human", "a person", "representative", "someone real")


def xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


def _voice_settings(lang: str = DEFAULT) -> VoiceSettings:
    """The call's voice settings in `lang` (Twilio's language, the speech hints, the words around replies)."""
    return in_language(_fleet_settings(), lang)


def _carry(lang: str) -> dict[str, str]:
    """The query that keeps a call's language to its next webhook (nothing for English: its URLs stay as they were)."""
    return {} if lang == DEFAULT else {"lang": lang}


def _call_language() -> str:
    """The call's language, carried from turn to turn in the action URL (`lang=de`)."""
    return normalise(request.args.get("lang")) or DEFAULT


def _fleet_settings() -> VoiceSettings:
    settings = g.runtime.settings
    try:
        hints = voice_hints(g.runtime.sessions)
    except Exception as exc:  # hints are a nicety; a database hiccup must not cost the call
        if is_outage(exc):
            log.warning("voice hints unavailable: %s", describe_outage(exc))
        else:
            log.warning("voice hints unavailable", exc_info=True)
        hints = ()
    return VoiceSettings(language=settings.voice_language, agent_phone=settings.agent_phone,
                        agent_queue=settings.agent_queue, hints=hints)


def _url(path: str, **query: object) -> str:
    base = g.runtime.settings.public_url
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


def _int_arg(name: str) -> int:
    try:
        return max(0, min(int(request.args.get(name, "0")), 10_000))
    except ValueError:
        return 0


@blueprint.post("/twilio/voice")
@twilio_signed
def incoming_call() -> Response:
    """Greet the caller in the line's first language (offering its others on keys 2, 3, ...) and listen."""
    langs = offered(g.runtime.settings.voice_languages, request.form.get("To", ""))
    return _greet(langs[0], langs)


def _greet(lang: str, langs: tuple[str, ...] = ()) -> Response:
    settings = _voice_settings(lang)
    if len(langs) < 2:
        return xml(render_listen_again(action_url=_url("/twilio/voice/turn", n=1, **_carry(lang)), settings=settings,
                                       prompt=t("voice.greeting", lang)))
    parts = [(text, _voice_settings(part).language) for text, part in greeting(langs)]
    return xml(render_greeting(parts, action_url=_url("/twilio/voice/turn", n=1, **_carry(lang), menu=",".join(langs)),
                               settings=settings))


@blueprint.post("/twilio/voice/turn")
@twilio_signed
def call_turn() -> Response:
    """One turn: what the caller said or pressed goes to the dialogue; its replies are spoken."""
    form, lang = request.form, _call_language()
    settings = _voice_settings(lang)
    call_sid, caller = form.get("CallSid", ""), form.get("From", "")
    turn, missed = _int_arg("n"), _int_arg("miss")
    if not call_sid or not caller:
        return xml(render_say(t("voice.apology", lang), settings=settings, then="agent"))
    speech, digits = form.get("SpeechResult", "").strip()[:1000], form.get("Digits", "").strip()[:32]
    chosen = picked(digits, tuple(request.args.get("menu", "").split(","))) if not speech else None
    if chosen is not None:  # "For English, press 2" at the greeting: greet again in that language
        return _greet(chosen)
    if not speech and not digits:
        if missed + 1 >= MAX_NO_INPUT + 1:
            return xml(render_say(t("voice.no_input_transfer", lang), settings=settings, then="agent"))
        reprompt = t("voice.reprompt_again" if missed else "voice.reprompt", lang)
        return xml(render_listen_again(action_url=_url("/twilio/voice/turn", n=turn, miss=missed + 1, **_carry(lang)),
                                       settings=settings, prompt=reprompt))
    wants_agent = digits == "0" or (len(speech) < 40 and any(w in speech.lower() for w in AGENT_WORDS))
    message = InboundMessage(
        channel="voice", contact=caller, text=speech, delivery_id=f"{call_sid}:{turn}",
        received_at=datetime.now(UTC), digits=digits or None,
        speech_confidence=_float(form.get("Confidence")), button="intent:request_human" if wants_agent else None,
        language=normalise(request.args.get("lang")),  # only a line that offers languages names one
    )
    try:
        engine = current_engine()
    except Exception:  # fail open to a human
        log.exception("no conversation engine call=%s caller=%s", call_sid[-6:], mask_phone(caller))
        return xml(render_say(t("voice.apology", lang), settings=settings, then="agent"))
    result = _turns().run(_key(call_sid, turn), lambda: safe_turn(engine.handle, message))
    if result is None:  # a long remote action: hold the caller and come back for the answer
        return xml(render_hold(t("voice.hold", lang), redirect_url=_url("/twilio/voice/wait", n=turn, w=1, **_carry(lang)),
                               settings=settings))
    return _answer(result, turn, lang)


@blueprint.post("/twilio/voice/wait")
@twilio_signed
def call_wait() -> Response:
    """Come back for the replies of a turn that outlasted the webhook budget; after a few tries, an agent."""
    lang = _call_language()
    settings = _voice_settings(lang)
    call_sid, turn, waits = request.form.get("CallSid", ""), _int_arg("n"), _int_arg("w")
    if not call_sid or turn < 1:
        return xml(render_say(t("voice.apology", lang), settings=settings, then="agent"))
    store = ConversationStore(g.runtime.sessions)
    delivery = f"{call_sid}:{turn}"

    def stored() -> TurnResult | None:
        replies = store.replies_to("voice", delivery)
        return None if replies is None else TurnResult(conversation_id="", replies=replies, language=lang)

    try:
        result = _turns().wait(_key(call_sid, turn), stored)
    except Exception:  # fail open to a human
        log.exception("voice wait failed call=%s", call_sid[-6:])
        result = failed_turn("voice")
    if result is not None:
        return _answer(result, turn, lang)
    if waits >= MAX_WAITS:
        log.warning("turn still running after %d waits call=%s turn=%d", waits, call_sid[-6:], turn)
        return xml(render_say(t("voice.hold_too_long", lang), settings=settings, then="agent"))
    return xml(render_hold(t("voice.hold_again", lang),
                           redirect_url=_url("/twilio/voice/wait", n=turn, w=waits + 1, **_carry(lang)), settings=settings))


def _turns() -> DeferredTurns:
    turns: DeferredTurns = services(current_app).deferred
    return turns


def _key(call_sid: str, turn: int) -> str:
    return f"voice:{call_sid}:{turn}"


def _answer(result: TurnResult, turn: int, lang: str) -> Response:
    """Speak a finished turn's replies in the conversation's language: listen for the next turn, transfer or hang up."""
    if result.replies and result.conversation_id:
        lang = result.language  # the dialogue's: the caller may have switched, or asked for another language
    settings = _voice_settings(lang)
    if failed(result):
        # the engine could not do its work (its database is down, say): asking again would loop, so say what
        # it did manage to say (safety instructions) and put the caller through to a person
        said = [spoken(r, with_keys=False, lang=lang) for r in result.replies if not is_apology(r)]
        return xml(render_say(" ".join([*said, t("voice.apology", lang)]), settings=settings, then="agent"))
    next_url = _url("/twilio/voice/turn", n=turn + 1, **_carry(lang))
    if result.duplicate or not result.replies:
        return xml(render_listen_again(action_url=next_url, settings=settings))
    handoff = next((r.handoff for r in result.replies if r.handoff), None)
    ticket = handoff.ticket_id if handoff else ""
    return xml(render_voice(result.replies, action_url=next_url, settings=settings,
                            whisper_url=_url("/twilio/voice/whisper", ticket=ticket),
                            after_transfer_url=_url("/twilio/voice/after", ticket=ticket)))


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw else None
    except ValueError:
        return None


@blueprint.post("/twilio/voice/whisper")
@twilio_signed
def whisper() -> Response:
    """Spoken to the agent before the call connects: the ticket in ten seconds."""
    from handoff.tickets import get_ticket

    settings = _voice_settings()
    ticket_id = request.args.get("ticket", "")
    try:
        with g.runtime.sessions() as session:
            ticket = get_ticket(session, ticket_id) if ticket_id else None
            text = prompts.whisper(ticket.ref, ticket.tier, ticket.priority, ticket.summary) if ticket else None
    except Exception:
        log.warning("whisper without ticket details ticket=%s", ticket_id, exc_info=True)
        text = None
    return xml(render_say(text or prompts.WHISPER_UNKNOWN, settings=settings, then="connect"))


@blueprint.post("/twilio/voice/after")
@twilio_signed
def after_transfer() -> Response:
    """The transfer ended: if nobody answered, promise a callback and text the ticket number."""
    form, settings = request.form, _voice_settings()
    outcome = form.get("DialCallStatus") or form.get("QueueResult") or ""
    if outcome in ("completed", "answered", "bridged", "bridging-in-process"):
        return xml(render_say("", settings=settings))
    ticket_id = request.args.get("ticket", "")
    caller, our_number = form.get("From", ""), form.get("To", "")
    _note_callback(ticket_id, outcome)
    texted = _text_ticket_number(caller, our_number, ticket_id)
    return xml(render_say(prompts.callback(ticket_id, texted), settings=settings))


def _note_callback(ticket_id: str, outcome: str) -> None:
    from handoff.tickets import append_to_ticket

    if not ticket_id:
        return
    try:
        with g.runtime.sessions() as session, session.begin():
            append_to_ticket(session, ticket_id, note=f"Caller not connected ({outcome or 'no answer'}): call back.")
    except Exception:
        log.exception("could not note the callback on ticket=%s", ticket_id)


def _text_ticket_number(caller: str, our_number: str, ticket_id: str) -> bool:
    """Text the ticket number from the number the caller rang (not if they once texted STOP to us)."""
    sender = services(current_app).twilio_sender or TwilioSender.from_settings(g.runtime.settings)
    if sender is None or not ticket_id or not caller or not our_number:
        return False
    outbound = Outbound(twilio=sender, sessions=g.runtime.sessions)
    return outbound.send("sms", caller, prompts.callback_sms(ticket_id), from_number=our_number).ok


@blueprint.post("/twilio/voice/fallback")
@twilio_signed
def fallback() -> Response:
    """Twilio's fallback URL: straight to an agent, needing neither the database nor the NLU."""
    return _straight_to_an_agent()


def _straight_to_an_agent() -> Response:
    return xml(render_say(prompts.TRANSFER_APOLOGY, settings=_plain_settings(), then="agent"))


def _plain_settings() -> VoiceSettings:
    """The voice settings without the fleet's speech hints (they come from the database)."""
    settings = g.runtime.settings
    return VoiceSettings(language=settings.voice_language, agent_phone=settings.agent_phone,
                         agent_queue=settings.agent_queue)


@twilio_signed
def _database_outage() -> Response:
    """A call while the database is unavailable: what the fallback URL does (the agent's leg just connects)."""
    if request.endpoint == "voice.whisper":
        return xml(render_say(prompts.WHISPER_UNKNOWN, settings=_plain_settings(), then="connect"))
    return _straight_to_an_agent()


def register(app: Flask) -> None:
    from ivr import status

    app.register_blueprint(blueprint)
    app.register_blueprint(status.blueprint)
    on_outage(app, blueprint.name, _database_outage)
