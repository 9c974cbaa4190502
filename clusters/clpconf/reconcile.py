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


def _keyed(element: ET.Element):
    """(key, child) for each child: tag, its name or id, and the occurrence among same-keyed siblings."""
    seen: dict = defaultdict(int)
    for child in element:
        ident = child.get("id") if child.tag in ID_KEYED_TAGS else child.get("name")
        base = (child.tag, ident)
        yield (*base, seen[base]), child
        seen[base] += 1


def _is_bare(element: ET.Element) -> bool:
    """An empty element with no attributes: it carries no setting, so a file's own is kept."""
    return not element.attrib and not len(element) and not (element.text or "").strip()


def reconcile(source: ET.Element, desired: ET.Element) -> ET.Element:
    """`desired`'s content in `source`'s order.

    Children both have keep the source's order; children only `desired` has follow the sibling
    they follow in `desired`; children only the source has are dropped (removed here), unless they
    are bare empty elements, which the model does not represent and which the file had.
    """
    result = ET.Element(desired.tag, desired.attrib)
    result.text = desired.text
    source_keys = {key for key, _ in _keyed(source)}
    wanted: dict = {}
    after: dict = defaultdict(list)  # key of a kept source child (None: the start) -> new children
    anchor = None
    for key, child in _keyed(desired):
        if key in source_keys:
            wanted[key] = child
            anchor = key
        else:
            after[anchor].append(child)
    result.extend(after[None])
    for key, child in _keyed(source):
        if key in wanted:
            result.append(reconcile(child, wanted[key]))
            result.extend(after[key])
        elif _is_bare(child):
            result.append(ET.Element(child.tag))
    return result
