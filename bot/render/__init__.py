"""What a message looks like: texts, views, bulk messages, calendar files, safe HTML."""
