"""`chargeline telegram`: register the webhook, or poll for development without a public URL."""

from __future__ import annotations

import asyncio
import logging

import click

from bot.cli.common import fail, settings_or_exit
from bot.errors import ChargeLineError

log = logging.getLogger(__name__)


@click.group("telegram", invoke_without_command=True)
@click.option("--polling", is_flag=True, help="Fetch updates by long polling instead of a webhook.")
@click.pass_context
def telegram_group(ctx: click.Context, polling: bool) -> None:
    """Run the Telegram bot by polling, or manage its webhook."""
    if ctx.invoked_subcommand is not None:
        return
    if not polling:
        click.echo(ctx.get_help())
        return
    _poll()


@telegram_group.command("set-webhook")
def set_webhook() -> None:
    """Register {CHARGELINE_PUBLIC_URL}/telegram/webhook and the secret with Telegram."""
    from bot.channels.telegram import BotAPI

    settings = settings_or_exit()
    if not (settings.telegram_bot_token and settings.telegram_webhook_secret):
        fail("TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET must be set")
    url = f"{settings.public_url}/telegram/webhook"
    try:
        BotAPI(settings.telegram_bot_token, settings.telegram_api_url).call("setWebhook", {
            "url": url, "secret_token": settings.telegram_webhook_secret,
            "allowed_updates": ["message", "edited_message", "callback_query"], "drop_pending_updates": False,
        })
    except ChargeLineError as exc:
        fail(str(exc))
    click.echo(f"webhook set to {url}")


def _poll() -> None:
    from telegram import Update
    from telegram.ext import Application, ContextTypes, TypeHandler

    from bot.channels.telegram import BotAPI, inbound_from_update, outbound_calls
    from bot.conversation.factory import build_engine
    from bot.runtime import start_runtime

    settings = settings_or_exit()
    if not settings.telegram_bot_token:
        fail("TELEGRAM_BOT_TOKEN must be set")
    runtime = start_runtime(settings, announce=False)
    engine = build_engine(runtime)
    api = BotAPI(settings.telegram_bot_token, settings.telegram_api_url)

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer one polled update exactly as the webhook would."""
        inbound, callback_id = inbound_from_update(update.to_dict())
        if callback_id:
            await asyncio.to_thread(api.send_all, [("answerCallbackQuery", {"callback_query_id": callback_id})])
        if inbound is None:
            return
        result = await asyncio.to_thread(engine.handle, inbound)
        if not (result.duplicate or result.agent_mode):
            calls = outbound_calls(inbound.contact, result.replies, settings.public_url)
            await asyncio.to_thread(api.send_all, calls)

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log every handler error first."""
        log.error("telegram update failed", exc_info=context.error)

    application = (Application.builder().token(settings.telegram_bot_token)
                   .base_url(f"{settings.telegram_api_url}/bot").build())
    application.add_handler(TypeHandler(Update, on_update))
    application.add_error_handler(on_error)
    click.echo("polling Telegram for updates; Ctrl-C stops", err=True)
    try:
        application.run_polling(allowed_updates=["message", "edited_message", "callback_query"])
    finally:
        runtime.close()


def register(group: click.Group) -> None:
    group.add_command(telegram_group)
