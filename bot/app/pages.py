"""The web app's pages and webhooks: each module adds its blueprint with `register(app)`."""

from __future__ import annotations

from flask import Flask

import bot.channels.web
import bot.chat.web
import bot.knowledge.web
import handoff.console.outage
import handoff.console.web
import handoff.dashboard
import handoff.metrics_web
import handoff.web
import ivr.web
import ocpp_bridge.operator_web
import ocpp_bridge.web

PAGE_MODULES = (
    ocpp_bridge.web,  # /api/chargers
    ocpp_bridge.operator_web,  # /api/tokens, /api/chargers/{id}/boot and /reports
    bot.chat.web,  # /chat, /api/chat
    bot.knowledge.web,  # /kb/images (connector pictures)
    bot.channels.web,  # /twilio/sms, /telegram/webhook
    ivr.web,  # /twilio/voice
    handoff.web,  # /api/tickets, /api/incidents
    handoff.console.web,  # /agent (the agent console)
    handoff.console.outage,  # /agent while the database is unavailable
    handoff.dashboard,  # /agent/dashboard (support metrics)
    handoff.metrics_web,  # /metrics
)


def register_pages(app: Flask) -> None:
    """Register every blueprint on `app` (their `register` reads the app's services)."""
    for module in PAGE_MODULES:
        module.register(app)
