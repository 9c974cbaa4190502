"""Write a configuration in the element order of the clp.conf it was imported from.

The product and the vendor's tools each order elements their own way (the group's <gid> after its
resource list, <monitor> before <server>, <types> markers mixed with objects...), and keep empty
elements (<target/>, <networkpartition/>). The writer builds the content; this puts that content
into the source file's order, so that an imported file exports as it came, with only the edits
made here changed.
"""

import xml.etree.ElementTree as ET
from collections import defaultdict

from .names import ID_KEYED_TAGS


def _keys(children: list[ET.Element]) -> list[tuple]:
    """Each child's key: its tag, its name or id, and its occurrence among same-keyed siblings."""
    seen: dict = {}
    keys = []
    for child in children:
        tag = child.tag
        base = (tag, child.get("id") if tag in ID_KEYED_TAGS else child.get("name"))
        n = seen.get(base, 0)
        seen[base] = n + 1
        keys.append((base, n))
    return keys


def _is_bare(element: ET.Element) -> bool:
    """An empty element with no attributes: it carries no setting, so a file's own is kept."""
    return not element.attrib and not len(element) and not (element.text or "").strip()


def reconcile(source: ET.Element, desired: ET.Element) -> ET.Element:
    """`desired`'s content in `source`'s order (`desired` is reordered in place and returned).

    Children both have keep the source's order; children only `desired` has follow the sibling
    they follow in `desired`; children only the source has are dropped (removed here), unless they
    are bare empty elements, which the model does not represent and which the file had.
    """
    source_children, desired_children = list(source), list(desired)
    source_keys, desired_keys = _keys(source_children), _keys(desired_children)
    if source_keys == desired_keys:  # the usual case once imported: the same children, in order
        pairs = zip(source_children, desired_children, strict=True)
    else:
        pairs = _reorder(desired, source_children, source_keys, desired_children, desired_keys)
    for source_child, desired_child in pairs:
        if len(source_child) or len(desired_child):  # leaves need no more work
            reconcile(source_child, desired_child)
    return desired


def _reorder(desired, source_children, source_keys, desired_children, desired_keys):
    """Put `desired`'s children in the source's order; return the (source, desired) pairs to descend into."""
    in_source = set(source_keys)
    wanted: dict = {}
    after: dict = defaultdict(list)  # key of a kept source child (None: the start) -> new children
    anchor = None
    for key, child in zip(desired_keys, desired_children, strict=True):
        if key in in_source:
            wanted[key] = child
            anchor = key
        else:
            after[anchor].append(child)
    ordered = list(after[None])
    pairs = []
    for key, source_child in zip(source_keys, source_children, strict=True):
        if key in wanted:
            ordered.append(wanted[key])
            pairs.append((source_child, wanted[key]))
            ordered.extend(after[key])
        elif _is_bare(source_child):
            ordered.append(ET.Element(source_child.tag))
    desired[:] = ordered
    return pairs
