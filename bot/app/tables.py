"""Every package's tables, imported plainly so that `Base.metadata` holds them all (create_all, migrations)."""

from __future__ import annotations

from sqlalchemy import MetaData

import bot.appstate
import bot.channels.models
import bot.conversation.models
import bot.fleet.models
import handoff.console.models
import handoff.models
import ocpp_bridge.models
from bot.db import Base

MODEL_MODULES = (
    bot.fleet.models,
    bot.appstate,
    ocpp_bridge.models,
    bot.conversation.models,
    handoff.models,
    handoff.console.models,
    bot.channels.models,
)


def load_all_models() -> MetaData:
    """The metadata of every table (their modules are imported with this one)."""
    return Base.metadata
