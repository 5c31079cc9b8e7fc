"""Text channels: SMS and WhatsApp through Twilio, and Telegram. They only translate."""
