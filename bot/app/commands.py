"""The `chargeline` subcommands: each module adds its own with `register(group)`."""

from __future__ import annotations

import click

import bot.channels.cli
import bot.chat.cli
import bot.cli.db
import bot.cli.fleet
import bot.cli.serve
import bot.demo.cli
import bot.evaluation.cli
import bot.i18n.cli
import bot.nlu.cli
import handoff.cli
import handoff.report_cli
import handoff.rules_cli
import ocpp_bridge.cli
import ocpp_bridge.simulator.cli
import ocpp_bridge.tokens_cli

COMMAND_MODULES = (
    bot.cli.db,  # db upgrade
    bot.cli.fleet,  # fleet import
    bot.cli.serve,  # serve, web
    ocpp_bridge.cli,  # bridge
    ocpp_bridge.simulator.cli,  # simulate
    ocpp_bridge.tokens_cli,  # tokens add/block
    bot.nlu.cli,  # nlu train/parse/evaluate
    bot.chat.cli,  # chat
    bot.channels.cli,  # telegram
    handoff.cli,  # agents
    handoff.rules_cli,  # rules check/explain
    handoff.report_cli,  # report
    bot.demo.cli,  # demo
    bot.evaluation.cli,  # eval dialogues
    bot.i18n.cli,  # i18n check
)


def register_commands(group: click.Group) -> None:
    """Add every subcommand to `group`."""
    for module in COMMAND_MODULES:
        module.register(group)
