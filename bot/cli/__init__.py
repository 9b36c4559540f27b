"""The `webinar-bot` command: `bot.cli.main` parses the arguments, one module per subcommand."""
