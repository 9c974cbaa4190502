"""Export the Setting and Import the Setting: clp.conf alone or the zip with its scripts/ folder."""

import logging
from dataclasses import dataclass

from clusters.configuration.draft import from_models
from clusters.configuration.services import require_config_mode
from clusters.models import Cluster
from webui.roles import Role, require_role

from . import archive, importer, reader, writer
from . import names as N
from .parsing import ConfError

__all__ = ["ConfError", "Imported", "export_conf", "export_zip", "import_configuration"]
logger = logging.getLogger(__name__)


@dataclass
class Imported:
    cluster: Cluster
    warnings: list[str]


def export_conf(*, user, cluster: Cluster) -> bytes:
    require_role(user, Role.VIEWER)
    return writer.render(cluster)


def export_zip(*, user, cluster: Cluster) -> bytes:
    """clp.conf and the scripts/ folder, as Cluster WebUI's "Export the Setting" makes them."""
    require_role(user, Role.VIEWER)
    config = from_models(cluster)
    return archive.write_zip(writer.render_config(config), config.files(N.SCRIPTS_DIR, N.MONITOR_SCRIPTS_DIR))


def import_configuration(*, user, data: bytes, name: str | None = None, into: Cluster | None = None) -> Imported:
    """Import a zip (clp.conf + scripts/) or a bare clp.conf, all or nothing.

    As a new cluster, or with `into`, as the whole configuration of that cluster (its name kept).
    """
    require_config_mode(user=user, cluster=into)
    config, warnings = _read(data)
    cluster = importer.save_or_explain(config, name=name, into=into)
    return Imported(cluster=cluster, warnings=warnings)


def _read(data: bytes):
    """The zip's or the bare file's configuration; whatever a damaged or hostile file makes go wrong in reading
    it is a ConfError, the import's clear refusal, never a server error."""
    try:
        files = {}
        if archive.is_zip(data):
            data, files = archive.read_zip(data)
        return reader.read_with_warnings(data, files=files)
    except ConfError:
        raise
    except RecursionError:
        raise ConfError("clp.conf nests its elements far deeper than a clp.conf does; it is refused.") from None
    except Exception as exc:  # a fault of the reader's on this file: kept in the log for whoever mends it
        logger.exception("clp.conf could not be read")
        raise ConfError(
            f"clp.conf could not be read ({type(exc).__name__}: {exc}); export it again from Cluster WebUI."
        ) from None
