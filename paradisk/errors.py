"""Errors that mean "the input is wrong" (reported without a traceback, exit status 2)."""

from __future__ import annotations


class UserInputError(ValueError):
    """Bad input from the user: the message names the field, its value and what is allowed."""
