"""The rules of the series: webinars, questions, registration and survey logic, reminder timing.

Pure logic: nothing here talks to Telegram or runs SQL.
"""
