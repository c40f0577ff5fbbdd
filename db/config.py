"""Where the database is and whether this is demo mode; read from the environment only.

``DATABASE_URL`` names the database (PostgreSQL in production). Without it the app runs on
an embedded SQLite file under ``data/`` and is in *demo mode*: that database is created,
migrated and filled with the demo data on first start, and the demo accounts exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE_NAME = "ntp.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo: bool
    data_dir: Path
    default_language: str


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default: the process environment).

    Demo mode is on for the embedded default database, and can be forced either way with
    ``NTP_DEMO=1``/``0`` (tests use a temporary SQLite file in demo mode, say).
    """
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("NTP_DATA_DIR") or DEFAULT_DATA_DIR)
    url = (env.get("DATABASE_URL") or "").strip()
    embedded = not url
    if embedded:
        url = f"sqlite:///{data_dir / DEFAULT_SQLITE_NAME}"
    demo_flag = (env.get("NTP_DEMO") or "").strip().lower()
    demo = embedded if demo_flag == "" else demo_flag in {"1", "true", "yes", "on"}
    lang = (env.get("NTP_LANG") or "ko").strip().lower()
    return Settings(
        database_url=url,
        demo=demo,
        data_dir=data_dir,
        default_language=lang if lang in {"ko", "en"} else "ko",
    )
