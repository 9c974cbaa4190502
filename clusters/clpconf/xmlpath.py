"""clp.conf paths such as `server@server2/parameters/eniid` or `policy@server1/order`.

A segment `tag@key` is an element `<tag name="key">` (or `<tag id="key">` for id-keyed tags).
"""

import gc
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from functools import lru_cache

import defusedxml.ElementTree as SafeET

from .names import ID_KEYED_TAGS


@contextmanager
def bulk():
    """Pause the cyclic garbage collector while a whole clp.conf tree is built or read.

    A large file makes tens of thousands of elements, none of them cyclic garbage; the collector's
    passes over the growing heap would otherwise cost as much as the work itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@lru_cache(maxsize=8192)  # the same few thousand segments, over and over, in a large clp.conf
def _split(segment: str) -> tuple[str, str | None, str | None]:
    if "@" not in segment:
        return segment, None, None
    tag, key = segment.split("@", 1)
    return tag, ("id" if tag in ID_KEYED_TAGS else "name"), key


@lru_cache(maxsize=8192)
def _steps(path: str) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple(_split(segment) for segment in path.split("/"))


def _child(parent: ET.Element, step: tuple[str, str | None, str | None]) -> ET.Element | None:
    tag, attr, key = step
    if attr is None:
        return parent.find(tag)  # the first child of that tag, in C
    for child in parent:
        if child.tag == tag and child.get(attr) == key:
            return child
    return None


def find(element: ET.Element, path: str) -> ET.Element | None:
    node = element
    for step in _steps(path):
        node = _child(node, step)
        if node is None:
            return None
    return node


def get(element: ET.Element, path: str) -> str | None:
    node = find(element, path)
    if node is None:
        return None
    return node.text or ""


def ensure(element: ET.Element, path: str) -> ET.Element:
    node = element
    for step in _steps(path):
        child = _child(node, step)
        if child is None:
            tag, attr, key = step
            child = ET.SubElement(node, tag, {attr: key} if attr else {})
        node = child
    return node


def set_value(element: ET.Element, path: str, value) -> None:
    ensure(element, path).text = "" if value is None else str(value)


def take(element: ET.Element, path: str) -> str | None:
    """Read a value and remove its node, pruning parents it leaves empty (what is left is unknown)."""
    chain = [element]
    node = element
    for step in _steps(path):
        node = _child(node, step)
        if node is None:
            return None
        chain.append(node)
    if len(node):  # a container with children is not a value
        return None
    value = node.text or ""
    chain[-2].remove(node)
    # Containers left empty were ours too (e.g. <server name="x"><parameters/>): remove them.
    for depth in range(len(chain) - 2, 0, -1):
        container = chain[depth]
        if len(container) or (container.text or "").strip():
            break
        chain[depth - 1].remove(container)
    return value


@lru_cache(maxsize=64)
def _trie(paths: tuple[str, ...]) -> dict:
    """Paths as a tree: {tag, or (tag, attr, key) for a keyed step: [the path ending there or None, {deeper}]}."""
    root: dict = {}
    for path in paths:
        node, steps = root, _steps(path)
        for depth, step in enumerate(steps):
            entry = node.setdefault(step[0] if step[1] is None else step, [None, {}])
            if depth == len(steps) - 1:
                entry[0] = path
            node = entry[1]
    return root


def take_all(element: ET.Element, paths: tuple[str, ...]) -> dict[str, str]:
    """`take` of each of `paths` that is there, in one walk over the children present: cheaper than a
    search per path when most are absent (as most of a monitor's optional settings are)."""
    found: dict[str, str] = {}
    _take_under(element, _trie(paths), found)
    return found


def _take_under(parent: ET.Element, trie: dict, found: dict) -> bool:
    """Take what `trie` names below `parent`; True if anything was removed from it."""
    removed, seen = False, set()
    for child in list(parent):
        tag = key = child.tag  # like _child: the first child of a tag, or of a tag and key
        entry = trie.get(tag)
        if entry is None or tag in seen:
            attr = "id" if tag in ID_KEYED_TAGS else "name"
            key = (tag, attr, child.get(attr))
            entry = trie.get(key)
            if entry is None or key in seen:
                continue
        seen.add(key)
        path, below = entry
        if len(child):  # a container is not a value; what it held may be
            if below and _take_under(child, below, found) and not len(child) and not (child.text or "").strip():
                parent.remove(child)  # left empty by what was taken: it was ours too
                removed = True
        elif path is not None:
            found[path] = child.text or ""
            parent.remove(child)
            removed = True
    return removed


def merge(target: ET.Element, extra: ET.Element) -> None:
    """Put the children of `extra` back into `target`, into same-keyed containers where they exist."""
    for child in list(extra):
        twin = None
        if len(child):
            for candidate in target:
                if candidate.tag == child.tag and candidate.attrib == child.attrib:
                    twin = candidate
                    break
        if twin is not None:
            merge(twin, child)
        else:
            target.append(child)


def leftovers(element: ET.Element) -> str:
    """Serialize what remains of an element's children: the settings we do not model."""
    if not len(element):
        return ""
    holder = ET.Element("extra")
    holder.extend(list(element))
    for node in holder.iter():  # indentation is layout, not content: the writer indents anew
        if node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return ET.tostring(holder, encoding="unicode")


def parse_leftovers(text: str) -> ET.Element | None:
    return safe_fromstring(text) if text else None


def safe_fromstring(text: str) -> ET.Element:
    """Parse XML text with ElementTree's C parser, safely.

    Entity expansion and external references need a DTD, and clp.conf never has one: text without
    `<!DOCTYPE` has nothing to expand. Text with one goes to defusedxml, which refuses it by name.
    (defusedxml's own parser runs in Python and is several times slower on a large clp.conf.)
    """
    if "<!DOCTYPE" in text:
        return SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    return ET.fromstring(text)  # noqa: S314 (no DTD, so nothing to expand or fetch: see above)
