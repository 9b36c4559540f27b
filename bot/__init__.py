"""webinar-bot: registration, reminders and feedback for a webinar series on Telegram."""

__version__ = "0.1.0"
