"""The WSGI entry point for production servers: `gunicorn -w 2 bot.web.wsgi:app`.

The app starts even while the database is unreachable (one warning, then the voice fallback and apologies),
and finishes its start when the database answers.
"""

from bot.config import load_settings
from bot.logs import setup_logging
from bot.web.app import create_app

settings = load_settings()
setup_logging(settings.log_level, settings.log_format)
app = create_app(settings, background=True)
