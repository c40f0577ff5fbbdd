"""Where the database is and whether this is demo mode; read from the environment only.

``DATABASE_URL`` names the database (PostgreSQL in production). Without it the app runs on
an embedded SQLite file under ``data/`` and is in *demo mode*: that database is created,
migrated and filled with the demo data on first start, and the demo accounts exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from db.errors import N_, DomainError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE_NAME = "ntp.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str
    demo: bool
    data_dir: Path
    default_language: str  # NTP_LANG, else ko
    language_set: bool = False  # NTP_LANG was given: it overrides the city's default language


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
    lang = (env.get("NTP_LANG") or "").strip().lower()
    return Settings(
        database_url=url,
        demo=demo,
        data_dir=data_dir,
        default_language=lang if lang in {"ko", "en"} else "ko",
        language_set=lang in {"ko", "en"},
    )


class SecretError(DomainError):
    """The cookie signing key is missing or too weak outside demo mode."""


MIN_KEY_BYTES = 32
KNOWN_DEFAULT_KEYS = frozenset(
    {"some_signature_key", "random_signature_key", "abcdef", "changeme", "secret", "key"}
)


def cookie_key(settings: Settings, secrets: dict[str, str] | None = None) -> str:
    """The key that signs sign-in cookies: ``NTP_COOKIE_KEY`` or the secret ``cookie_key``.

    In demo mode without one, a random key is generated once and kept in the data folder.
    Outside demo mode a missing, short (< 32 bytes) or well-known default key refuses.

    :raise SecretError: outside demo mode, the key is missing, short or a default.
    """
    key = (os.environ.get("NTP_COOKIE_KEY") or (secrets or {}).get("cookie_key") or "").strip()
    if not key and settings.demo:
        path = settings.data_dir / "cookie_key"
        if not path.exists():
            import secrets as _secrets

            settings.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(_secrets.token_urlsafe(48))
            path.chmod(0o600)
        key = path.read_text().strip()
    if not key:
        raise SecretError(
            N_(
                "No cookie signing key is set: set NTP_COOKIE_KEY or cookie_key in "
                ".streamlit/secrets.toml (at least 32 random bytes)."
            )
        )
    if key.lower() in KNOWN_DEFAULT_KEYS or len(key.encode()) < MIN_KEY_BYTES:
        raise SecretError(
            N_(
                "The cookie signing key is too weak or a known default: use at least 32 random "
                "bytes, e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        )
    return key
