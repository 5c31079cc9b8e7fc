"""Logging: one line per event, personal data masked before it is written."""

from __future__ import annotations

import json
import logging
import re
import sys
import time

_PHONE = re.compile(r"(?<![\w*])(\+\d{2})(\d{3,12})(\d{3})(?!\d)")
_WHATSAPP = re.compile(r"whatsapp:(\+\d{2})\d+(\d{3})")


def mask_phone(number: str | None) -> str:
    """Mask a phone number, keeping the country code and last three digits: +49******789."""
    if not number:
        return ""
    prefix = "whatsapp:" if number.startswith("whatsapp:") else ""
    digits = number.removeprefix("whatsapp:")
    # Keep "+" and two digits: the country code without a table of their lengths.
    match = re.fullmatch(r"(\+\d{2})(\d+)(\d{3})", digits.replace(" ", ""))
    if not match:
        if len(digits) <= 4:
            return prefix + "*" * len(digits)
        return prefix + digits[:2] + "*" * (len(digits) - 5) + digits[-3:]
    return prefix + match.group(1) + "*" * 6 + match.group(3)


def mask_id_tag(id_tag: str | None) -> str:
    """Mask an RFID/id tag, keeping two characters at each end: 04******D5."""
    if not id_tag:
        return ""
    if len(id_tag) <= 4:
        return "*" * len(id_tag)
    return id_tag[:2] + "*" * 6 + id_tag[-2:]


def mask_text(text: str) -> str:
    """Mask every phone number found in free text (a safety net for log lines)."""
    text = _WHATSAPP.sub(lambda m: f"whatsapp:{m.group(1)}******{m.group(2)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}******{m.group(3)}", text)


class MaskingFilter(logging.Filter):
    """Rewrite each record's message with phone numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class TextFormatter(logging.Formatter):
    """`2026-11-22T10:00:00Z INFO bot.web message key=value` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        line = f"{stamp}Z {record.levelname} {record.name} {record.getMessage()}"
        if record.exc_info:
            line += " exc=" + json.dumps(self.formatException(record.exc_info))
        return line.replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + "Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once per process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("werkzeug", "websockets", "urllib3", "httpx", "telegram", "twilio.http_client", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
