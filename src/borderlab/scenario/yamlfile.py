"""Safe YAML loading that remembers the line of every key, so errors can name it."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import InputFileError, Problem, ScenarioError


# libyaml's parser (PyYAML's C extension) when present: the same safe constructors and marks,
# ~10× faster than the pure-Python parser that is the fallback
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SafeLoader(_SafeBase):
    """The safe loader, except that an impossible date (2021-13-01) stays text instead of
    raising ValueError, so the schema reports it with its file, line and a hint."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", SafeLoader.construct_yaml_timestamp)


def safe_load(text: str):
    return yaml.load(text, Loader=SafeLoader)


def compose_and_load(text: str):
    """Parse once: the node tree (with line marks) and the data constructed from it."""
    loader = SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


class LineMap:
    """Field path (tuple of keys and indices) → 1-based line in the source file."""

    def __init__(self, filename: str):
        self.filename = filename
        self.lines: dict[tuple, int] = {}

    def locate(self, path: tuple) -> str:
        """'file:line (field.path)' for the deepest part of `path` that exists in the file."""
        path = tuple(path)
        shown = _dotted(path)
        for k in range(len(path), -1, -1):
            line = self.lines.get(path[:k])
            if line is not None:
                return f"{self.filename}:{line}" + (f" ({shown})" if shown else "")
        return f"{self.filename}" + (f" ({shown})" if shown else "")


def _dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (("." if out else "") + str(p))
    return out


def _walk(node, path: tuple, lines: dict, problems: list, filename: str) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(Problem(
                    f"{filename}:{key_node.start_mark.line + 1}",
                    f"key '{key}' appears twice (first on line {seen[key]})",
                    "keep one; YAML would silently use the last",
                ))
            seen[key] = key_node.start_mark.line + 1
            lines[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), lines, problems, filename)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines, problems, filename)


def load_yaml(path: Path) -> tuple[object, LineMap]:
    """Parse `path` safely; return the data and its line map, or raise with file:line."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found\n    hint: give a built-in scenario name (borderlab scenarios) or a path to a YAML file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a YAML file\n    hint: point at the scenario.yaml inside it")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot be read ({exc})") from None
    lm = LineMap(str(path))
    try:
        root, data = compose_and_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        raise ScenarioError([Problem(where, f"malformed YAML: {what}" + (f" ({context})" if context else ""),
                                     "check indentation, colons and quotes on this line")]) from None
    problems: list[Problem] = []
    if root is not None:
        _walk(root, (), lm.lines, problems, str(path))
    if problems:
        raise ScenarioError(problems)
    return data, lm
