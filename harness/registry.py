"""One registry mechanism: names → objects, filled by importing the modules that define them.

    LOADERS: Registry[Loader] = Registry("loader", "data.local.loader", ("harness.tasks.loaders",))

    @LOADERS.register("gsm8k_jsonl")        # in harness.tasks.loaders
    def load_gsm8k(task, root): ...

    LOADERS.get("gsm8k_jsonl")              # imports harness.tasks.loaders on first use

A registry names the modules that fill it, and imports them the first time anyone looks a name up,
so nothing has to be imported for its side effects anywhere else. A name registered twice is a
programming error (two objects would silently compete for one YAML name); an unknown name is the
user's, and its error names the YAML field and lists the known names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Generic, TypeVar

from harness.errors import InputError

T = TypeVar("T")


class Registry(Generic[T]):
    """Named objects of one kind (`what`), looked up by the task-YAML field `field`."""

    def __init__(self, what: str, field: str, modules: tuple[str, ...]) -> None:
        self.what = what
        self.field = field
        self._modules = modules
        self._items: dict[str, T] = {}
        self._populated = False

    def add(self, name: str, obj: T) -> T:
        """Register `obj` under `name`; a second object under the same name is an error."""
        if name in self._items and self._items[name] is not obj:
            raise ValueError(f"{self.what} '{name}' is registered twice")
        self._items[name] = obj
        return obj

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of `add`."""
        return lambda obj: self.add(name, obj)

    def _populate(self) -> None:
        if not self._populated:
            self._populated = True  # set first: the modules call `add` while they import
            for module in self._modules:
                importlib.import_module(module)

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        self._populate()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self._populate()
        return name in self._items

    def get(self, name: str, owner: str = "") -> T:
        """The object registered as `name`; InputError naming the field and the known names.
        `owner` (e.g. "task 'gsm8k'") says whose YAML named it."""
        self._populate()
        try:
            return self._items[name]
        except KeyError:
            who = f"{owner}: " if owner else ""
            raise InputError(f"{who}{self.field}: unknown {self.what} '{name}'",
                             f"use one of {', '.join(self.names())}") from None
