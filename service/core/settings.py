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
    output_dir: Path | None = None
    log_level: str = "INFO"

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
