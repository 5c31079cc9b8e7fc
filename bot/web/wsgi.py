"""The WSGI entry point for production servers: `gunicorn -w 2 bot.web.wsgi:app`."""

from bot.web.app import create_app

app = create_app(background=True)
