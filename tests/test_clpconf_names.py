"""Every clp.conf name says where it comes from: SEEN (with its source) or INFERRED."""

import ast
from pathlib import Path

import clusters.clpconf.names as names_module


def test_every_name_is_marked_seen_or_inferred():
    source = Path(names_module.__file__).read_text()
    lines = source.splitlines()
    unmarked = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign):
            continue
        block = lines[node.lineno - 1 : node.end_lineno]
        inside = [line for line in block if "SEEN" in line or "INFERRED" in line]
        entries = [line for line in block[1:-1] if ":" in line and line.strip().startswith('"')]
        above = lines[node.lineno - 2] if node.lineno > 1 and lines[node.lineno - 2].lstrip().startswith("#") else ""
        if isinstance(node.value, ast.Dict) and entries:
            unmarked += [line.strip() for line in entries if "SEEN" not in line and "INFERRED" not in line]
        elif not inside and "SEEN" not in above and "INFERRED" not in above:
            unmarked.append(block[0].strip())
    assert unmarked == [], f"mark these SEEN (source) or INFERRED: {unmarked}"
