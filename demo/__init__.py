"""Demo mode: the sandbox Bot API, the real bot and a browser chat page on one machine."""
