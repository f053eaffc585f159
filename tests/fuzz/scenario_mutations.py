"""Structure-aware mutations of the built-in scenarios (toy-border, belarus-eu-2021).

Each strategy draws one mutation of one built-in scenario and returns a `Case`: the
mutated `scenario.yaml` (in a copy of the scenario's folder, so `observed:`, `timeline:`
and branch files still resolve) and `borderlab check {root}/scenario.yaml`. The expectation is
decided from the mutation alone, never from what borderlab does with it:

- REJECT: NaN or ±inf or `true` or text where the file has a number, a date that is not a
  date, a name that refers to no node, an unknown top-level field, a file that is not
  UTF-8, an alias bomb, a recursive alias, nesting deeper than any scenario, a Python tag,
  an `observed:` file that is missing or not a table;
- ACCEPT: the same data written differently (merge keys `<<:`, anchors and aliases,
  a UTF-8 byte-order mark);
- EITHER: everything else (deleted, duplicated, emptied or retyped fields, extreme but
  finite numbers, long strings): valid or not, it must not crash, hang or write.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

import yaml
from hypothesis import strategies as st

from borderlab.scenario.registry import SCENARIO_ROOT
from borderlab.scenario.yamlfile import safe_load
from fuzz_harness import ACCEPT, EITHER, REJECT, Case

BASES = ("toy-border", "belarus-eu-2021")
NAN, INF = float("nan"), float("inf")
# values that are never a valid number: (value, why)
NOT_A_NUMBER = [(NAN, "NaN"), (INF, "inf"), (-INF, "-inf"), (True, "true"), (False, "false"), ("lots", "text"),
                ("1,5", "decimal comma")]
EXTREME = [1e300, -1e300, 1e10, 10**30, -1, 0, 2.5e12, 1e-300, -0.0, 0.5, 7, 1e9, 366, 10**6, None]


@lru_cache(maxsize=None)
def base_text(name: str) -> str:
    return (SCENARIO_ROOT / name / "scenario.yaml").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def _base_data_json(name: str) -> str:
    return json.dumps(safe_load(base_text(name)), default=lambda d: {"__date__": d.isoformat()})


def base_data(name: str):
    """A fresh copy of the parsed scenario (dates as datetime.date)."""
    def hook(obj):
        return dt.date.fromisoformat(obj["__date__"]) if set(obj) == {"__date__"} else obj
    return json.loads(_base_data_json(name), object_hook=hook)


@lru_cache(maxsize=None)
def paths_of(name: str) -> tuple[tuple, ...]:
    """Every path (keys and indices) to a value of the scenario, the root left out."""
    out = []

    def walk(node, path):
        if path:
            out.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + (i,))
    walk(base_data(name), ())
    return tuple(out)


@lru_cache(maxsize=None)
def node_ids(name: str) -> frozenset[str]:
    data = base_data(name)
    return frozenset(str(n.get("id")) for n in data.get("nodes", []) if isinstance(n, dict))


def get(data, path):
    for p in path:
        data = data[p]
    return data


def put(data, path, value) -> None:
    get(data, path[:-1])[path[-1]] = value


def dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def inputs_of(name: str) -> dict[str, Path]:
    """The scenario's folder (inputs/, branches/, variants/ …), copied next to the mutated file."""
    return {"": SCENARIO_ROOT / name}


def check_case(name: str, label: str, text: str | bytes, expect: str, files: dict | None = None) -> Case:
    content = text.encode("utf-8") if isinstance(text, str) else text
    return Case(label=f"{name}: {label}", args=["check", "{root}/scenario.yaml"],
                files={"scenario.yaml": content, **(files or {})}, copy_from=inputs_of(name), expect=expect)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# -- field-level mutations ------------------------------------------------------------------
@st.composite
def data_mutations(draw, bases=BASES) -> Case:
    """Delete, duplicate, retype or push to an extreme one field of a built-in scenario."""
    name = draw(st.sampled_from(bases))
    data = base_data(name)
    path = draw(st.sampled_from(paths_of(name)))
    value = get(data, path)
    where = ".".join(map(str, path))
    parent = get(data, path[:-1])
    op = draw(st.sampled_from(["delete", "retype", "extreme", "duplicate", "rename"]))
    expect = EITHER
    if op == "delete":
        del parent[path[-1]]
        label = f"delete {where}"
    elif op == "duplicate" and isinstance(parent, list):
        parent.insert(path[-1], copy.deepcopy(value))
        label = f"duplicate {where}"
    elif op == "rename" and isinstance(parent, dict):
        parent["zz_" + str(path[-1])] = parent.pop(path[-1])
        label = f"rename {where} to zz_{path[-1]}"
        expect = REJECT if len(path) == 1 else EITHER   # the top level is a fixed set of fields
    elif _is_number(value):
        if op == "retype":
            new, why = draw(st.sampled_from(NOT_A_NUMBER))
            expect, label = REJECT, f"{where}: number → {why}"
        else:
            new = draw(st.one_of(st.sampled_from(EXTREME), st.floats(allow_nan=False, allow_infinity=False),
                                 st.integers(min_value=-(2**70), max_value=2**70)))
            label = f"{where}: {value!r} → {new!r}"
        put(data, path, new)
    elif isinstance(value, dt.date):
        new = draw(st.sampled_from(["2021-13-45", "yesterday", "2021-02-30", dt.date(9999, 12, 31), dt.date(1, 1, 1),
                                    dt.date(2021, 1, 1), 20210901]))
        expect = REJECT if isinstance(new, str) else EITHER
        label = f"{where}: date → {new!r}"
        put(data, path, new)
    elif isinstance(value, str) and value in node_ids(name) and path[-1] != "id" and op == "retype":
        put(data, path, "nowhere-node")
        expect, label = REJECT, f"{where}: node '{value}' → 'nowhere-node' (a broken reference)"
    elif isinstance(value, (dict, list)):
        new = draw(st.sampled_from(["x", 5, None, [], {}, [value] if isinstance(value, dict) else {"k": value}]))
        label = f"{where}: {type(value).__name__} → {new!r}"
        put(data, path, new)
    else:  # strings and booleans: other scalars
        new = draw(st.sampled_from(["", "x" * 5000, 123, None, "ñ-ü-漢", "maybe", 2, [value], "nowhere-node"]))
        label = f"{where}: {value!r} → {new!r}"
        put(data, path, new)
    return check_case(name, label, dump(data), expect)


# -- file-level mutations: encodings and bytes ---------------------------------------------
@st.composite
def text_mutations(draw, bases=BASES) -> Case:
    name = draw(st.sampled_from(bases))
    text = base_text(name)
    op = draw(st.sampled_from(["latin-1", "utf-16", "binary", "nul", "bom", "truncate", "splice"]))
    if op == "latin-1":
        return check_case(name, "latin-1 text with an umlaut", ("# Grüße aus Kuźnica\n" + text).encode("latin-1", "replace"),
                          REJECT)
    if op == "utf-16":
        return check_case(name, "UTF-16 text", text.encode("utf-16"), REJECT)
    if op == "binary":
        blob = draw(st.binary(min_size=0, max_size=400))
        return check_case(name, "binary garbage", b"\x80\xff\x00" + blob, REJECT)
    if op == "nul":
        at = draw(st.integers(0, len(text)))
        return check_case(name, f"NUL byte at {at}", text[:at] + "\x00" + text[at:], REJECT)
    if op == "bom":
        return check_case(name, "UTF-8 byte-order mark", b"\xef\xbb\xbf" + text.encode("utf-8"), ACCEPT)
    at = draw(st.integers(0, len(text)))
    if op == "truncate":
        return check_case(name, f"truncated at character {at}", text[:at], EITHER)
    junk = draw(st.text(min_size=1, max_size=20))
    return check_case(name, f"{junk!r} spliced in at {at}", text[:at] + junk + text[at:], EITHER)


# -- YAML features ----------------------------------------------------------------------------
def alias_bomb(levels: int, width: int) -> str:
    parts = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
    for k in range(1, levels):
        parts.append(f"&a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    return "[" + ", ".join(parts) + "]"


def nested(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "list" else "{a: " * depth + "1" + "}" * depth


# (text, what it is, refused wherever it stands?) — the others are refused where a number
# belongs, but may be fine text (b'hello' decodes to 'hello'; an impossible date stays text)
TAGGED = [
    ("!!python/object/apply:os.system ['touch {root}/pwned']", "a Python object tag", True),
    ("!!python/name:os.system", "a Python name tag", True),
    ("!custom thing", "an unknown local tag", True),
    ("!!binary aGVsbG8=", "a binary tag", False),
    ("!!set {a: null, b: null}", "a set tag", False),
    ("!!omap [a: 1, b: 2]", "an ordered-map tag", False),
    ("!!float .nan", "a NaN float tag", False),
    ("!!timestamp 2021-13-45", "an impossible timestamp", False),
]


@st.composite
def yaml_feature_mutations(draw, bases=BASES) -> Case:
    """Aliases, alias bombs, deep nesting, merge keys and tags in a built-in scenario."""
    name = draw(st.sampled_from(bases))
    data = base_data(name)
    op = draw(st.sampled_from(["bomb", "recursive", "deep", "tag", "merge", "anchors", "undefined-alias"]))
    marker = "__FUZZ_VALUE__"
    if op == "merge":
        maps = [p for p in paths_of(name) if isinstance(get(data, p), dict) and len(get(data, p)) >= 2]
        path = draw(st.sampled_from(maps))
        m = get(data, path)
        keys = list(m)
        k = draw(st.integers(1, len(keys) - 1))
        merged = {key: m[key] for key in keys[:k]}
        put(data, path, {"<<": merged, **{key: m[key] for key in keys[k:]}})
        text = dump(data).replace("'<<':", "<<:")
        return check_case(name, f"merge key at {'.'.join(map(str, path))} (same data)", text, ACCEPT)
    if op == "anchors":
        # two equal lists or mappings become one object: the dumper writes an anchor and an alias
        seen: dict[str, tuple] = {}
        pairs = []
        for p in paths_of(name):
            v = get(data, p)
            if isinstance(v, (dict, list)) and v:
                key = json.dumps(v, sort_keys=True, default=str)
                if key in seen and seen[key][:len(p)] != p and p[:len(seen[key])] != seen[key]:
                    pairs.append((seen[key], p))
                seen.setdefault(key, p)
        if pairs:
            first, second = draw(st.sampled_from(pairs))
            put(data, second, get(data, first))
            text = dump(data)
            return check_case(name, f"{'.'.join(map(str, second))} written as an alias of {'.'.join(map(str, first))}",
                              text, ACCEPT)
        return check_case(name, "unchanged", dump(data), ACCEPT)
    # the rest replace one value with a YAML construct written into the text
    candidates = [p for p in paths_of(name) if not isinstance(get(data, p), (dict, list))]
    path = draw(st.sampled_from(candidates))
    was_number = _is_number(get(data, path))
    put(data, path, marker)
    text = dump(data)
    where = ".".join(map(str, path))
    if op == "bomb":
        levels, width = draw(st.sampled_from([(9, 9), (12, 6), (30, 2), (6, 40)]))
        return check_case(name, f"alias bomb {width}^{levels} at {where}", text.replace(marker, alias_bomb(levels, width)), REJECT)
    if op == "recursive":
        return check_case(name, f"recursive alias at {where}", text.replace(marker, "&r [1, *r]"), REJECT)
    if op == "undefined-alias":
        return check_case(name, f"undefined alias at {where}", text.replace(marker, "*nowhere"), REJECT)
    if op == "deep":
        depth = draw(st.sampled_from([100, 1000, 5000, 50_000]))
        kind = draw(st.sampled_from(["list", "map"]))
        return check_case(name, f"{kind} nested {depth} deep at {where}", text.replace(marker, nested(depth, kind)), REJECT)
    tag, why, always = draw(st.sampled_from(TAGGED))
    return check_case(name, f"{why} at {where}", text.replace(marker, tag), REJECT if always or was_number else EITHER)


# -- the files a scenario refers to -----------------------------------------------------------
@st.composite
def observed_mutations(draw) -> Case:
    """belarus-eu-2021's `observed:` file missing, emptied, binary or with wrong columns."""
    name = "belarus-eu-2021"
    observed = SCENARIO_ROOT / name / "inputs" / "observed.csv"
    text = observed.read_text(encoding="utf-8")
    lines = text.splitlines()
    op = draw(st.sampled_from(["missing", "empty", "binary", "header", "utf-16", "truncate"]))
    if op == "missing":
        new, expect = None, REJECT
    elif op == "empty":
        new, expect = b"", REJECT
    elif op == "binary":
        new, expect = b"\x80\xff\x00" + draw(st.binary(max_size=200)), REJECT
    elif op == "utf-16":
        new, expect = text.encode("utf-16"), REJECT
    elif op == "header":
        new, expect = ("when,what,how_many\n" + "\n".join(lines[1:]) + "\n").encode(), REJECT
    else:
        at = draw(st.integers(0, len(text)))
        new, expect = text[:at].encode(), EITHER
    return check_case(name, f"inputs/observed.csv: {op}", base_text(name), expect, files={"inputs/observed.csv": new})
