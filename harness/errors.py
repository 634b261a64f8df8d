"""Domain errors. The CLI is the only place that prints them and sets exit codes."""

from __future__ import annotations


class HarnessError(Exception):
    """Base class. `hint` says how to fix it; `exit_code` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(HarnessError):
    """Bad input from the user: a config, an id, a file. Exit code 2."""

    exit_code = 2


class ConfigError(InputError):
    """A config failed validation; `problems` holds one line per bad field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} error(s): " + "; ".join(problems))


class DataMissingError(InputError):
    """A task's data is neither in the local mirror nor reachable on the Hub."""


class ModelLoadError(HarnessError):
    """A model failed to load; other models in the same run go on."""
