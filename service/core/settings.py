"""Runtime settings, read from environment variables (prefix TANDEM_) or a `.env` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Working data: SQLite file, uploads, outputs.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir.")
    key_dir: Path | None = Field(default=None, description="Directory holding the secret key files.")
    hmac_key: str | None = Field(default=None, description="Base64 HMAC key (alternative to key files).")
    hmac_key_id: str = "env-h1"
    aead_key: str | None = Field(default=None, description="Base64 AES-256-GCM key (alternative to files).")
    aead_key_id: str = "env-a1"
    signing_key: str | None = Field(default=None, description="Base64 Ed25519 seed (case-file signing).")
    signing_key_id: str = "env-s1"
    output_dir: Path | None = None
    # Login throttling (service.auth.throttle): failed attempts allowed per window, per user name
    # and per client address, before further attempts are refused with 429.
    login_window_seconds: int = Field(default=900, ge=1)
    login_max_failures_per_user: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    log_level: str = "INFO"

    # Ingest: extra profile directories (os.pathsep-separated, searched before the shipped ones),
    # the share of the superseded register's rows below which a new register is held for
    # confirmation, and the bounds on a workbook's uncompressed size and compression ratio.
    profile_dir: str | None = None
    ingest_shrink_threshold: float = Field(default=0.8, ge=0, le=1)
    xlsx_max_uncompressed_mb: int = Field(default=256, gt=0)
    xlsx_max_ratio: int = Field(default=200, gt=0)

    # Sender details printed on letters and case files (both communities, equal standing).
    cell_name_nl: str = "Gemeenschappelijke cel leerplichtcontrole Brussel"
    cell_name_fr: str = "Cellule commune de contrôle de l'obligation scolaire de Bruxelles"
    agodi_contact: str = (
        "AGODI, Koning Albert II-laan 15, 1210 Brussel - leerplicht@example.be - 02 000 00 00"
    )
    scos_contact: str = "SCOS, Boulevard du Jardin Botanique 20-22, 1000 Bruxelles - obligation.scolaire@example.be - 02 000 00 01"

    # Outgoing e-mail for notifications; empty host disables sending.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "tandem@example.be"
    disclosure_threshold: int = Field(
        default=5, ge=2, description="Published indicator cells below this count are suppressed."
    )

    # The web interface: a browser session ends after this many idle minutes, and after this many
    # hours in any case.
    web_idle_minutes: int = 30
    web_session_hours: int = 12

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tandem.sqlite3').as_posix()}"

    @property
    def resolved_key_dir(self) -> Path:
        return self.key_dir or (self.data_dir / "keys")

    @property
    def resolved_output_dir(self) -> Path:
        return self.output_dir or (self.data_dir / "output")


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
