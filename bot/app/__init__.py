"""The composition root: what every process is made of, by plain imports.

- `bot.app.tables`: every package's models, so `Base.metadata` knows all tables;
- `bot.app.commands`: the `chargeline` subcommands;
- `bot.app.pages`: the web app's blueprints (`bot.web.create_app` registers them);
- `bot.app.content`: the rules, the remote-action policy and the knowledge base, read once per app.

Nothing below this package imports it; it imports everything, and nothing happens at import time.
"""
