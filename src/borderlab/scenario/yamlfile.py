"""Safe YAML loading that remembers the line of every key, so errors can name it."""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import InputFileError, Problem, ScenarioError
from ..inputfiles import read_text_checked
from .limits import limit, over_limit


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
    """Like yaml.safe_load, within the limits of `check_resource_limits` (raises YAMLError)."""
    return compose_and_load(text)[1]


def compose_and_load(text: str, walk=None):
    """The node tree (with line marks) and the data constructed from it.

    The event stream is first checked (one extra pass of libyaml's parser, ~20% of the load) against the size, depth and alias limits, so a
    hostile file is refused before anything recursive or expanding touches it. `walk(root)`,
    if given, sees the node tree before construction (when merge keys are still visible)."""
    check_resource_limits(text)
    loader = SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None and walk is not None:
            walk(root)
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


class YAMLLimitError(yaml.YAMLError):
    """A YAML text exceeds a resource limit (size, nesting depth, alias expansion)."""

    def __init__(self, problem: str, problem_mark=None, hint: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = problem_mark
        self.hint = hint


def check_resource_limits(text: str) -> None:
    """Refuse a YAML text that is too large, nested too deep, or whose aliases expand too far.

    Walks libyaml's flat event stream (no recursion), counting for every anchored node how
    many values it stands for, so `[*a, *a, …]` nine levels deep (a 'billion laughs' bomb of
    under 1 KB) is caught at the first alias that crosses the limit. An alias to a node that
    is still open (`a: &a [*a]`) would make a structure that contains itself: refused."""
    max_bytes, max_depth, max_nodes = (int(limit(n)) for n in ("max_yaml_bytes", "max_yaml_depth", "max_yaml_nodes"))
    if len(text) > max_bytes:
        raise YAMLLimitError(over_limit("max_yaml_bytes", "the text", len(text)),
                             hint="split the input, or raise the limit if the file is genuine")
    sizes: dict[str, int] = {}   # anchor → values it stands for (closed nodes only)
    open_anchors: list[str | None] = []
    counts: list[int] = [0]      # values so far in each open collection (outermost first)
    for event in yaml.parse(text, Loader=_SafeBase):
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in sizes:
                if event.anchor in open_anchors:
                    raise YAMLLimitError(f"alias *{event.anchor} refers to a node that contains it (a structure that never ends)",
                                         event.start_mark, "copy the values instead of referring to the enclosing node")
                continue  # undefined alias: the composer reports it with its line
            counts[-1] += sizes[event.anchor]
        elif isinstance(event, yaml.ScalarEvent):
            counts[-1] += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(counts) > max_depth:
                raise YAMLLimitError(over_limit("max_yaml_depth", "nesting depth", len(counts)),
                                     event.start_mark, "flatten the structure; scenarios nest only a few levels")
            counts.append(1)
            open_anchors.append(event.anchor)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            size = counts.pop()
            anchor = open_anchors.pop()
            if anchor is not None:
                sizes[anchor] = size
            counts[-1] += size
        else:
            continue
        if counts[-1] > max_nodes or sum(counts) > max_nodes:
            raise YAMLLimitError(over_limit("max_yaml_nodes", "the number of values after expanding aliases", sum(counts)),
                                 event.start_mark, "an alias bomb? refer to anchors fewer times, or write the values out")


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


MERGE_TAG = "tag:yaml.org,2002:merge"


def _walk(node, path: tuple, lines: dict, problems: list, filename: str, own: bool = True) -> None:
    """Record the line of every key path in the node tree (before construction, so merge
    keys `<<: *anchor` are still visible) and report keys written twice.

    Keys a mapping takes from a merge come after its own keys and never replace them, so
    overriding a merged key is not a duplicate; their lines point at the anchor."""
    record = lines.__setitem__ if own else lines.setdefault
    lines.setdefault(path, node.start_mark.line + 1)  # a key's own line, recorded by its parent, wins
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        merged = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                merged.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(f"{filename}:{key_node.start_mark.line + 1}", "a key must be a plain name, not a list or mapping",
                                        "write `name: value`; remove the `?` complex key"))
                continue
            key = key_node.value
            if key in seen:
                problems.append(Problem(
                    f"{filename}:{key_node.start_mark.line + 1}",
                    f"key '{key}' appears twice (first on line {seen[key]})",
                    "keep one; YAML would silently use the last",
                ))
            seen[key] = key_node.start_mark.line + 1
            record(path + (key,), key_node.start_mark.line + 1)
            _walk(value_node, path + (key,), lines, problems, filename, own)
        for source in merged:
            if not isinstance(source, yaml.MappingNode):
                continue  # the constructor reports a merge of something that is not a mapping
            for key_node, value_node in source.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag != MERGE_TAG and key_node.value not in seen:
                    lines.setdefault(path + (key_node.value,), key_node.start_mark.line + 1)
                    _walk(value_node, path + (key_node.value,), lines, [], filename, own=False)  # reported at the anchor
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, path + (i,), lines, problems, filename, own)


def yaml_problem(exc: yaml.YAMLError, path) -> Problem:
    """A YAML parse error or exceeded limit as a Problem at file:line."""
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
    what = getattr(exc, "problem", None) or str(exc)
    if isinstance(exc, YAMLLimitError):
        return Problem(where, what, exc.hint)
    context = getattr(exc, "context", None)
    return Problem(where, f"malformed YAML: {what}" + (f" ({context})" if context else ""),
                   "check indentation, colons and quotes on this line")


def load_yaml(path: Path) -> tuple[object, LineMap]:
    """Parse `path` safely; return the data and its line map, or raise with file:line."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: file not found\n    hint: give a built-in scenario name (borderlab scenarios) or a path to a YAML file")
    if path.is_dir():
        raise InputFileError(f"{path}: is a folder, not a YAML file\n    hint: point at the scenario.yaml inside it")
    text = read_text_checked(path)
    lm = LineMap(str(path))
    problems: list[Problem] = []
    try:
        _, data = compose_and_load(text, walk=lambda root: _walk(root, (), lm.lines, problems, str(path)))
    except yaml.YAMLError as exc:
        raise ScenarioError([yaml_problem(exc, path)]) from None
    if problems:
        raise ScenarioError(problems)
    return data, lm
