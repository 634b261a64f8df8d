"""The three registries a task YAML names: loaders, prompt builders and Hub formats.

Each is a `harness.registry.Registry` that imports the modules defining its entries on first use:

| registry      | task-YAML field     | filled by                                                |
|---------------|---------------------|----------------------------------------------------------|
| `LOADERS`     | `data.local.loader` | `harness.tasks.loaders` (`@LOADERS.register(name)`)      |
| `PROMPTS`     | `prompt`            | `harness.tasks.prompts`, `harness.tasks.prompts_multilingual` |
| `HUB_FORMATS` | `data.hub.format`   | `harness.tasks.hub` (`HUB_FORMATS.add(name, HubFormat)`) |

The catalogue checks every name when it loads (`harness.validate.registry_problems`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.registry import Registry

if TYPE_CHECKING:
    from harness.tasks.base import Loader
    from harness.tasks.hub import HubFormat
    from harness.tasks.prompts import Builder

LOADERS: Registry[Loader] = Registry("loader", "data.local.loader", ("harness.tasks.loaders",))
PROMPTS: Registry[Builder] = Registry(
    "prompt builder", "prompt", ("harness.tasks.prompts", "harness.tasks.prompts_multilingual"))
HUB_FORMATS: Registry[HubFormat] = Registry("Hub format", "data.hub.format", ("harness.tasks.hub",))
