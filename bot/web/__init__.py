"""The web process: Flask app factory and its blueprints."""

from bot.web.app import create_app

__all__ = ["create_app"]
