"""The agent console: agents and their login, the live ticket queue, ticket pages and chat takeover."""
