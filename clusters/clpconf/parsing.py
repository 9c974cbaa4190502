"""clp.conf bytes and text, parsed safely: what the reader reads and the writer keeps an imported file's order by.

Hostile input is refused before parsing: DTDs, entities and external references are forbidden and sizes
are bounded; the file's own encoding, as its XML declaration states it, decodes it.
"""

import codecs
import re
import xml.etree.ElementTree as ET

import defusedxml

from . import names as N
from .xmlpath import safe_fromstring

MAX_CONF_BYTES = 8 * 1024 * 1024
DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)[\"'][^>]*\?>")


class ConfError(ValueError):
    """The file cannot be imported; the message names the problem and the fix."""


def decode(data: bytes) -> tuple[str, str]:
    """clp.conf bytes as text (its XML declaration included) and the encoding it declares."""
    if len(data) > MAX_CONF_BYTES:
        raise ConfError(f"clp.conf is {len(data):,} bytes; the limit is {MAX_CONF_BYTES:,}. Is this the right file?")
    match = DECLARATION.match(data)
    encoding = match.group(1).decode("ascii") if match else "UTF-8"
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ConfError(
            f"clp.conf declares the unknown encoding {encoding!r}; use SJIS, EUC-JP, GB2312 or UTF-8."
        ) from None
    try:
        return data.decode(codec), encoding
    except UnicodeDecodeError as exc:
        raise ConfError(
            f"clp.conf declares encoding {encoding} but byte {exc.start} is not valid {encoding}; "
            "save the file in the encoding it declares."
        ) from None


def declaration(text: str) -> str:
    """The XML declaration a clp.conf text starts with, or ""."""
    match = DECLARATION.match(text.lstrip()[:200].encode("ascii", "replace"))
    return match.group(0).decode("ascii") if match else ""


def parse_text(text: str) -> ET.Element:
    """Safely parse clp.conf text (decoded, its declaration allowed)."""
    text = text.lstrip()[len(declaration(text)) :]
    try:
        root = safe_fromstring(text)
    except defusedxml.DTDForbidden:
        raise ConfError("clp.conf contains a DTD (<!DOCTYPE ...>), which clp.conf never has; it is refused.") from None
    except defusedxml.EntitiesForbidden:
        raise ConfError("clp.conf declares XML entities, which clp.conf never has; it is refused.") from None
    except defusedxml.ExternalReferenceForbidden:
        raise ConfError("clp.conf refers to external files, which clp.conf never does; it is refused.") from None
    except ET.ParseError as exc:
        raise ConfError(f"clp.conf is not well-formed XML ({exc}); export it again from Cluster WebUI.") from None
    if root.tag != N.ROOT:
        raise ConfError(f"This is not a clp.conf: its top element is <{root.tag}>, not <{N.ROOT}>.")
    return root
