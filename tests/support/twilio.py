"""Play Twilio's part at the HTTP boundary: signed webhooks, TwiML parsed and followed."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

AUTH_TOKEN = "twilio-test-auth-token"
PUBLIC_URL = "https://support.example.com"
_sids = itertools.count(1)


def twilio_for(runtime: Any, **collaborators: Any) -> TwilioClient:
    """A TwilioClient posting to a fresh app on this runtime, with Twilio's token and public URL set."""
    from bot.runtime import Runtime
    from bot.web import create_app

    settings = runtime.settings.replace(twilio_auth_token=AUTH_TOKEN, public_url=PUBLIC_URL)
    rt = Runtime(settings, runtime.engine, runtime.sessions, runtime.api_token, runtime.secret_key)
    return TwilioClient(create_app(runtime=rt, **collaborators).test_client())


def new_sid(prefix: str) -> str:
    return f"{prefix}{next(_sids):032x}"


@dataclass
class TwilioClient:
    """Posts webhooks the way Twilio does: form-encoded, signed over the public URL."""

    client: FlaskClient
    auth_token: str = AUTH_TOKEN
    public_url: str = PUBLIC_URL

    def post(self, path_or_url: str, params: dict[str, str], *, sign: bool = True, token: str | None = None):  # type: ignore[no-untyped-def]
        url = path_or_url if path_or_url.startswith("http") else self.public_url + path_or_url
        headers = {}
        if sign:
            headers["X-Twilio-Signature"] = RequestValidator(token or self.auth_token).compute_signature(url, params)
        parsed = urlparse(url)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        return self.client.post(path, data=params, headers=headers)

    def sms(self, sender: str, body: str, *, to: str = "+4930111222", sid: str | None = None, **extra: str):  # type: ignore[no-untyped-def]
        params = {"MessageSid": sid or new_sid("SM"), "AccountSid": "AC" + "0" * 32, "From": sender,
                  "To": to, "Body": body, "NumMedia": "0", **extra}
        return self.post("/twilio/sms", params)


def messages_of(twiml: bytes | str) -> list[str]:
    """The text of each `<Message>` in a TwiML answer."""
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    texts = []
    for message in root.findall("Message"):
        body = message.find("Body")
        texts.append((body.text if body is not None else message.text) or "")
    return texts


@dataclass
class Call:
    """A phone call driven through the IVR as Twilio would: follow Gather, Redirect, Dial, Enqueue."""

    twilio: TwilioClient
    caller: str = "+4915112345789"
    to: str = "+4930111222"
    sid: str = field(default_factory=lambda: new_sid("CA"))
    said: list[str] = field(default_factory=list)
    next_url: str | None = None
    transferred_to: dict[str, Any] | None = None
    hung_up: bool = False

    def params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "From": self.caller, "To": self.to,
                "CallStatus": "in-progress", "Direction": "inbound", **extra}

    def start(self) -> list[str]:
        """Ring the number: POST /twilio/voice."""
        return self._follow(self.twilio.post("/twilio/voice", self.params(CallStatus="ringing")))

    def say(self, speech: str, confidence: str = "0.92") -> list[str]:
        """Answer the open Gather by voice."""
        return self._answer(SpeechResult=speech, Confidence=confidence)

    def press(self, digits: str) -> list[str]:
        """Answer the open Gather on the keypad."""
        return self._answer(Digits=digits)

    def silence(self) -> list[str]:
        """Let the Gather time out (actionOnEmptyResult posts with no input)."""
        return self._answer()

    def _answer(self, **inputs: str) -> list[str]:
        assert self.next_url, "the call is not listening"
        return self._follow(self.twilio.post(self.next_url, self.params(**inputs)))

    def _follow(self, response) -> list[str]:  # type: ignore[no-untyped-def]
        assert response.status_code == 200, response.data
        assert response.mimetype in ("application/xml", "text/xml")
        root = ET.fromstring(response.data)
        assert root.tag == "Response"
        said: list[str] = []
        self.next_url = None
        for verb in root:
            if verb.tag == "Say":
                said.append(verb.text or "")
            elif verb.tag == "Gather":
                said.extend(s.text or "" for s in verb.findall("Say"))
                self.next_url = verb.get("action")
                self.gather = verb.attrib
            elif verb.tag == "Redirect":
                self.said.extend(said)
                return said + self._follow(self.twilio.post(verb.text or "", self.params()))
            elif verb.tag == "Dial":
                number = verb.find("Number")
                self.transferred_to = {"dial": (number.text if number is not None else verb.text),
                                       "whisper": number.get("url") if number is not None else None,
                                       "action": verb.get("action")}
            elif verb.tag == "Enqueue":
                self.transferred_to = {"queue": verb.text, "action": verb.get("action")}
            elif verb.tag == "Hangup":
                self.hung_up = True
        self.said.extend(said)
        return said
