"""Shared test support: waiting, the simulated participant, the bot's test settings and sample data.

Test modules import from here (and get fixtures from tests/conftest.py); no test module imports
another test module.
"""
