"""Running the process: rate limits, updates, webhook and health servers, logs, backups."""
