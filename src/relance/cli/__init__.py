"""The command line: `relance <command>`, beside the web and the API.

Its commands live in `management/commands/` (Django finds them there), their
base class in `base.py`, and the demo data they load in `demo.py`.
"""
