"""Prompt builders for the multilingual suite (registered on import by harness.tasks.prompts)."""
