"""Set up Django for a benchmark on a throwaway SQLite database."""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(*, database_url: bool = False) -> None:
    """With `database_url`, a DATABASE_URL set (scripts/with-postgres) is used; otherwise a new SQLite."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webui.settings")
    os.environ["WEBUI_VAR_DIR"] = tempfile.mkdtemp(prefix="webui-bench-")
    if not database_url:
        os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
