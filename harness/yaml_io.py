"""The one YAML loader: no tags, no code, bounded size and alias expansion, duplicate keys refused.

Every YAML the harness reads (run, model, task and cluster configs, the claims ledger, lm-eval project
YAMLs, `--endpoint KEY=VALUE` values) goes through `load_yaml_text`. PyYAML's `safe_load` alone
runs no code but trusts the document's shape: a 500-byte "billion laughs" document (aliases of
aliases) expands into gigabytes, and a repeated key silently keeps the last value. Here:
- a document larger than `MAX_YAML_BYTES` is refused before parsing;
- aliases are counted while the document is composed and refused past `MAX_ALIASES`, and the nodes
  an alias would copy are counted against `MAX_NODES` (expansion, not bytes, is what explodes);
- a key given twice in one mapping is an error naming the file, line and key;
- a file that is not UTF-8 text (binary, Latin-1) is an error naming the file and byte offset.
Every failure is an `InputError`: one line, exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from harness.errors import InputError

MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_ALIASES = 1_000
MAX_NODES = 1_000_000


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader with alias, node-count and duplicate-key checks."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.n_aliases = 0
        self.n_nodes = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        is_alias = self.check_event(yaml.AliasEvent)
        if is_alias:
            self.n_aliases += 1
            if self.n_aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise InputError(f"{mark.name}: line {mark.line + 1}: more than {MAX_ALIASES} YAML aliases",
                                 "write the values out; configs do not need anchors and aliases at this scale")
        node = super().compose_node(parent, index)
        if node is None:
            return node
        # An alias copies its whole anchored subtree when constructed; any other node is one value.
        self.n_nodes += self._size(node) if is_alias else 1
        if self.n_nodes > MAX_NODES:
            mark = node.start_mark
            raise InputError(f"{mark.name}: line {mark.line + 1}: the document expands to more than "
                             f"{MAX_NODES:,} values (YAML aliases)", "write a smaller config")
        return node

    def _size(self, node: yaml.Node) -> int:
        """Nodes under `node`, memoised: an alias re-uses a node, and expanding it copies all of them."""
        key = id(node)
        if key not in self._sizes:
            children: list[yaml.Node] = []
            if isinstance(node, yaml.SequenceNode):
                children = list(node.value)
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            self._sizes[key] = 1 + sum(self._size(c) for c in children)
        return self._sizes[key]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=False)
            if key in seen:
                mark = key_node.start_mark
                raise InputError(f"{mark.name}: line {mark.line + 1}: duplicate key {short(key, 60)}",
                                 "keep one of them (YAML would silently use the last)")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    mark = node.start_mark
    raise InputError(f"{mark.name}: line {mark.line + 1}: YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')} "
                     "is not allowed in a config", "write plain text, numbers, lists and mappings")


# Bytes, sets and ordered pairs are not config values: a spec would coerce them into something else.
for _tag in ("binary", "set", "omap", "pairs"):
    BoundedLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


def short(value: Any, limit: int = 80) -> str:
    """`repr(value)` cut to `limit` characters, without formatting more than it shows.

    Containers are summarised by type and length: formatting a huge value (an expanded alias bomb,
    a 100 MB string) just to cut it afterwards costs the memory an error message must not."""
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, (dict, list, tuple, set)):
        text = f"<{type(value).__name__} of {len(value)}>"
    elif isinstance(value, (int, float, bool)) or value is None:
        text = repr(value) if not isinstance(value, int) or value.bit_length() < 256 else "<a huge integer>"
    else:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_yaml_text(text: str, name: str = "<string>", loader_cls: type[BoundedLoader] = BoundedLoader) -> Any:
    """Parse YAML text with the harness's loader (see module doc); `name` appears in errors."""
    if len(text) > MAX_YAML_BYTES:
        raise InputError(f"{name}: {len(text):,} characters of YAML, more than the {MAX_YAML_BYTES:,} a config may "
                         "have", "split the file or pass a smaller one")
    loader = loader_cls(text)
    loader.name = name
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or ["unreadable"])[0]
        raise InputError(f"{name}:{where} malformed YAML: {str(problem)[:200]}", "fix the YAML syntax") from None
    except RecursionError:
        raise InputError(f"{name}: YAML nested too deeply", "flatten the document") from None
    except (ValueError, OverflowError) as exc:  # a value YAML parses but Python refuses (a 5,000-digit integer)
        raise InputError(f"{name}: unreadable value: {str(exc)[:120]}", "write a smaller value") from None
    finally:
        loader.dispose()


def read_yaml_file(path: Path, loader_cls: type[BoundedLoader] = BoundedLoader) -> Any:
    """Read and parse one YAML file: a missing, unreadable, oversized or non-UTF-8 file is an InputError."""
    try:
        if not path.is_file():
            raise InputError(f"{path}: no such file", "check the path")
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            raise InputError(f"{path}: {size:,} bytes, more than the {MAX_YAML_BYTES:,} a config may have",
                             "pass a YAML config file")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})", "check the path") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})", "pass a YAML file saved as UTF-8") from None
    if "\x00" in text:
        raise InputError(f"{path}: binary file (NUL byte at {text.index(chr(0))})", "pass a YAML config file")
    return load_yaml_text(text, str(path), loader_cls)
