"""harness: test public claims about open-weight LLMs against measured evidence."""

__version__ = "0.1.0"
