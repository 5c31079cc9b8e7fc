"""Web chat (the page behind the QR code on a charger) and the terminal chat."""
