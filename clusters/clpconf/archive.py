"""The export zip: clp.conf and the scripts/ folder, as Cluster WebUI exports them."""

import base64
import io
import lzma
import stat
import zipfile
import zlib
from pathlib import PurePosixPath

from .parsing import MAX_CONF_BYTES, ConfError

MAX_ZIP_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 5000
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_RATIO = 200  # a member that inflates more than this is a zip bomb
FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # reproducible archives
ENCRYPTED = 0x1  # general purpose flag bit 0
READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
# What a damaged archive raises from zipfile and its decompressors.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    RuntimeError,
    NotImplementedError,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
)


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def read_zip(data: bytes) -> tuple[bytes, dict[str, str]]:
    """Return clp.conf's bytes and the other files (relative path -> base64), refusing unsafe archives."""
    if len(data) > MAX_ZIP_BYTES:
        raise ConfError(f"The zip is {len(data):,} bytes; the limit is {MAX_ZIP_BYTES:,}.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise ConfError(
            f"The file is not a valid zip ({_cause(exc)}); export the setting again from Cluster WebUI."
        ) from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_ENTRIES:
        raise ConfError(f"The zip holds {len(members)} files; the limit is {MAX_ENTRIES}.")
    total = 0
    for member in archive.infolist():
        path = PurePosixPath(member.filename.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
            raise ConfError(f"The zip entry {member.filename!r} points outside the archive; it is refused.")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise ConfError(f"The zip entry {member.filename!r} is a symbolic link; links are refused.")
        if member.flag_bits & ENCRYPTED:
            raise ConfError(
                f"The zip entry {member.filename!r} is encrypted; export the setting again without a password."
            )
        if member.compress_type not in READABLE:
            raise ConfError(
                f"The zip entry {member.filename!r} is compressed with a method this console does not read "
                f"({member.compress_type}); zip it again with Deflate, as Cluster WebUI does."
            )
        total += member.file_size
        if member.file_size > MAX_RATIO * max(member.compress_size, 1) and member.file_size > 1024 * 1024:
            raise ConfError(f"The zip entry {member.filename!r} expands {member.file_size:,} bytes; it is refused.")
    if total > MAX_TOTAL_BYTES:
        raise ConfError(f"The zip expands to {total:,} bytes; the limit is {MAX_TOTAL_BYTES:,}.")
    names = {m.filename.replace("\\", "/"): m for m in members}
    conf_names = [n for n in names if PurePosixPath(n).name == "clp.conf" and len(PurePosixPath(n).parts) <= 2]
    if len(conf_names) != 1:
        raise ConfError("The zip must hold exactly one clp.conf at its top (with the scripts/ folder beside it).")
    conf_name = conf_names[0]
    prefix = str(PurePosixPath(conf_name).parent)
    prefix = "" if prefix == "." else prefix + "/"
    if names[conf_name].file_size > MAX_CONF_BYTES:
        raise ConfError(f"clp.conf is {names[conf_name].file_size:,} bytes; the limit is {MAX_CONF_BYTES:,}.")
    conf = _read(archive, names[conf_name])
    files = {}
    for name, member in names.items():
        if name == conf_name or not name.startswith(prefix):
            continue
        files[name[len(prefix) :]] = base64.b64encode(_read(archive, member)).decode("ascii")
    return conf, files


def _cause(exc: Exception) -> str:
    return str(exc).rstrip(".") or type(exc).__name__


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A member's bytes; a damaged one (bad CRC, truncated data, local and central names differing...) is the
    import's refusal, naming the entry and the cause."""
    try:
        return archive.read(member)
    except ZIP_ERRORS as exc:
        raise ConfError(
            f"The zip entry {member.filename!r} cannot be read ({_cause(exc)}); export the setting again."
        ) from None


def write_zip(conf: bytes, files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("clp.conf", FIXED_TIME), conf, zipfile.ZIP_DEFLATED)
        for path in sorted(files):
            archive.writestr(zipfile.ZipInfo(path, FIXED_TIME), base64.b64decode(files[path]), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
