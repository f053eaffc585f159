"""Write the calibrated scenario: the original YAML text with only the fitted values replaced.

The file is edited as text at the exact positions of the `value:` scalars (found with
PyYAML's node marks), so ranges, sources, notes, comments and layout stay as they were.
Each fitted value gets a trailing `# calibrated (was …)` comment and the file a header that
says how it was calibrated. The result is re-read and checked: it must hold exactly the
original data with the fitted values.
"""

from __future__ import annotations

import json
import math

import yaml

from ..scenario.yamlfile import SafeLoader, safe_load
from .free_params import ID_KEYS, yaml_number

SIGNIFICANT = 6


def rounded(x: float, low: float, high: float) -> float:
    """`x` to 6 significant digits, kept inside [low, high]."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    r = float(f"{x:.{SIGNIFICANT}g}")
    return min(max(r, low), high)


def _child(node, part: str):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == part:
                return v
        return None
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.MappingNode):
                for k, v in item.value:
                    if k.value in ID_KEYS and isinstance(v, yaml.ScalarNode) and v.value == part:
                        return item
        if part.lstrip("-").isdigit() and -len(node.value) <= int(part) < len(node.value):
            return node.value[int(part)]
    return None


def value_node(root, path: str):
    """The scalar node holding the value at an override path (`….value` of a Param mapping)."""
    node = root
    for part in path.split("."):
        node = _child(node, part) if node is not None else None
    if isinstance(node, yaml.MappingNode):
        node = _child(node, "value")
    return node if isinstance(node, yaml.ScalarNode) else None


def substitute(text: str, values: dict[str, object], comments: dict[str, str] | None = None) -> str:
    """Replace the scalars at `values`' paths in `text`; append `# comment` to their lines."""
    root = yaml.compose(text, Loader=SafeLoader)
    edits = []
    for path, v in values.items():
        node = value_node(root, path)
        if node is None:
            raise KeyError(path)
        new = yaml_number(v) if isinstance(v, (int, float)) else json.dumps(str(v))
        edits.append((node.start_mark.index, node.end_mark.index, new, path))
    out = text
    for start, end, new, _ in sorted(edits, reverse=True):
        out = out[:start] + new + out[end:]
    if comments:
        lines = out.split("\n")
        root2 = yaml.compose(out, Loader=SafeLoader)
        for path, note in comments.items():
            node = value_node(root2, path)
            if node is not None:
                lines[node.start_mark.line] += f"  # {note}"
        with_comments = "\n".join(lines)
        if safe_load(with_comments) == safe_load(out):
            out = with_comments
        # else: a comment would have landed inside a multi-line string; keep the header only
    return out


def calibrated_text(text: str, values: dict[str, float], originals: dict[str, float], header: list[str],
                    extra: dict[str, str] | None = None) -> str:
    """The calibrated scenario's text: header comment lines, fitted values, `extra` path edits."""
    comments = {p: f"calibrated (was {originals[p]:g})" for p in values}
    edited = substitute(text, {**values, **(extra or {})}, comments)
    head = "".join(f"# {line}\n" if line else "#\n" for line in header)
    return head + edited
