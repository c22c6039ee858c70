"""Helpers shared by tests in more than one directory (import them from here, never from
another test module or a conftest)."""
