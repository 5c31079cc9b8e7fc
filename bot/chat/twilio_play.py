"""Play Twilio's part against our own webhooks: signed form posts, TwiML read and followed as Twilio would.

`chargeline chat --channel sms|whatsapp|voice` uses it to show what a texting or calling driver gets, through
the real `/twilio/sms` and `/twilio/voice` webhooks (their signature check included), posted either to a
running web process (`HttpTransport`) or to an app built in this process (`AppTransport`).
"""

from __future__ import annotations

import itertools
import secrets
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode, urlparse

from twilio.request_validator import RequestValidator

from bot.errors import ChargeLineError

ACCOUNT_SID = "AC" + "0" * 32
OUR_NUMBER = "+15005550006"  # the number the driver rings or texts (Twilio's magic test number)
MAX_REDIRECTS = 30  # a hold loop ends with a transfer well before this
_sids = itertools.count(1)


class TwilioPlayError(ChargeLineError):
    """The web process did not answer a webhook as Twilio expects (its status and why)."""


@dataclass(frozen=True)
class Answer:
    """A webhook's HTTP answer."""

    status: int
    body: bytes


class Transport(Protocol):
    """Where the webhooks go."""

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Answer:
        """POST a form to `path` (with its query) and return the answer."""


@dataclass(frozen=True)
class AppTransport:
    """Post to a Flask app in this process (its test client: no socket)."""

    app: Any

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Answer:
        response = self.app.test_client().post(path, data=params, headers=headers)
        return Answer(response.status_code, response.data)


@dataclass(frozen=True)
class HttpTransport:
    """Post to a running web process, e.g. http://127.0.0.1:8000."""

    base_url: str
    timeout: float = 120.0  # a webhook answers within Twilio's 15 s; a hold loop's wait may take longer

    def post(self, path: str, params: dict[str, str], headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(self.base_url.rstrip("/") + path, data=urlencode(params).encode(),
                                         headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read())
        except OSError as exc:
            raise TwilioPlayError(f"cannot reach the web process at {self.base_url}: {exc}") from exc


def new_sid(prefix: str) -> str:
    """A Twilio-shaped id (SM..., CA...), unique in this process and across runs."""
    return f"{prefix}{secrets.token_hex(10)}{next(_sids):012x}"


@dataclass(frozen=True)
class Twilio:
    """Sign and post webhooks the way Twilio does: form-encoded, signed over the public URL."""

    transport: Transport
    auth_token: str
    public_url: str

    def post(self, path_or_url: str, params: dict[str, str]) -> bytes:
        """POST a signed webhook; the TwiML it answers, or TwilioPlayError."""
        url = path_or_url if path_or_url.startswith("http") else self.public_url.rstrip("/") + path_or_url
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        parsed = urlparse(url)
        answer = self.transport.post(parsed.path + (f"?{parsed.query}" if parsed.query else ""), params,
                                     {"X-Twilio-Signature": signature})
        if answer.status == 403:
            raise TwilioPlayError("the web process refused the signature (403): it must have the same "
                                  "TWILIO_AUTH_TOKEN and CHARGELINE_PUBLIC_URL as this command")
        if answer.status != 200:
            raise TwilioPlayError(f"{parsed.path} answered {answer.status}: {answer.body[:200].decode(errors='replace')}")
        return answer.body


def _root(twiml: bytes) -> ET.Element:
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError as exc:
        raise TwilioPlayError(f"the answer is not TwiML: {twiml[:200]!r}") from exc
    if root.tag != "Response":
        raise TwilioPlayError(f"the answer is not TwiML: <{root.tag}>")
    return root


@dataclass(frozen=True)
class TextMessage:
    """One `<Message>` of an answer: its body and pictures."""

    body: str
    media: tuple[str, ...] = ()


def read_messages(twiml: bytes) -> list[TextMessage]:
    """The messages a TwiML answer sends back."""
    messages = []
    for message in _root(twiml).findall("Message"):
        body = message.find("Body")
        text = (body.text if body is not None else message.text) or ""
        messages.append(TextMessage(text, tuple(m.text or "" for m in message.findall("Media"))))
    return messages


@dataclass
class TextThread:
    """A driver texting our number: each message a signed `/twilio/sms` webhook."""

    twilio: Twilio
    sender: str  # +E.164, or whatsapp:+E.164
    to: str = OUR_NUMBER

    def send(self, body: str) -> list[TextMessage]:
        """Text `body`; return the messages the answer sends back."""
        to = f"whatsapp:{self.to}" if self.sender.startswith("whatsapp:") else self.to
        params = {"MessageSid": new_sid("SM"), "AccountSid": ACCOUNT_SID, "From": self.sender, "To": to,
                  "Body": body, "NumMedia": "0"}
        return read_messages(self.twilio.post("/twilio/sms", params))


@dataclass(frozen=True)
class CallEvent:
    """What happens on the line: `say` (text), `listen`, `transfer` (to whom), `hangup`."""

    kind: str
    text: str = ""


@dataclass
class PhoneCall:
    """A call through the IVR as Twilio plays it: Say, Gather, Redirect, Dial/Enqueue, Hangup."""

    twilio: Twilio
    caller: str
    to: str = OUR_NUMBER
    sid: str = field(default_factory=lambda: new_sid("CA"))
    listening_url: str | None = None  # the open Gather's action
    ended: bool = False
    _after_gather: list[ET.Element] = field(default_factory=list)
    _gather_posts_empty: bool = True

    def start(self) -> list[CallEvent]:
        """Ring the number."""
        return self._play(self.twilio.post("/twilio/voice", self._params(CallStatus="ringing")))

    def say(self, speech: str, confidence: str = "0.9") -> list[CallEvent]:
        """Answer the open Gather by voice (speech recognition's text)."""
        return self._answer(SpeechResult=speech, Confidence=confidence)

    def press(self, digits: str) -> list[CallEvent]:
        """Answer the open Gather on the keypad (`#` ends the entry, as finishOnKey does)."""
        return self._answer(Digits=digits.split("#", 1)[0])

    def silence(self) -> list[CallEvent]:
        """Let the open Gather time out."""
        if not self._gather_posts_empty:  # Twilio goes on with the verbs after the Gather
            return self._run(self._take_rest(), redirects=0)
        return self._answer()

    def _params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": ACCOUNT_SID, "From": self.caller, "To": self.to,
                "CallStatus": "in-progress", "Direction": "inbound", **extra}

    def _answer(self, **inputs: str) -> list[CallEvent]:
        if self.listening_url is None:
            raise TwilioPlayError("the call is not listening")
        return self._play(self.twilio.post(self.listening_url, self._params(**inputs)))

    def _take_rest(self) -> list[ET.Element]:
        rest, self._after_gather, self.listening_url = self._after_gather, [], None
        return rest

    def _play(self, twiml: bytes, redirects: int = 0) -> list[CallEvent]:
        self.listening_url, self._after_gather = None, []
        return self._run(list(_root(twiml)), redirects)

    def _run(self, verbs: Sequence[ET.Element], redirects: int) -> list[CallEvent]:
        events: list[CallEvent] = []
        for n, verb in enumerate(verbs):
            if verb.tag == "Say":
                events.append(CallEvent("say", verb.text or ""))
            elif verb.tag == "Gather":
                events += [CallEvent("say", s.text or "") for s in verb.findall("Say")]
                self.listening_url, self._after_gather = verb.get("action"), list(verbs[n + 1:])
                self._gather_posts_empty = verb.get("actionOnEmptyResult") == "true"
                return [*events, CallEvent("listen", verb.get("input", "dtmf"))]
            elif verb.tag == "Redirect":
                if redirects >= MAX_REDIRECTS:
                    raise TwilioPlayError(f"more than {MAX_REDIRECTS} redirects in a row")
                return events + self._play(self.twilio.post(verb.text or "", self._params()), redirects + 1)
            elif verb.tag in ("Dial", "Enqueue"):
                self.ended = True
                return [*events, CallEvent("transfer", _transfer_target(verb))]
            elif verb.tag == "Hangup":
                break
        self.ended = True  # a hang-up, or the end of the TwiML: Twilio hangs up
        return [*events, CallEvent("hangup")]


def _transfer_target(verb: ET.Element) -> str:
    if verb.tag == "Enqueue":
        return f"the {verb.text or 'support'} queue"
    number = verb.find("Number")
    return (number.text if number is not None else verb.text) or "a person"
