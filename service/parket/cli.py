"""`tandem parket ...`: referrals, what a referral would lack, export and verify a case file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from service.audit import service as audit
from service.cases import service as cases
from service.cli.common import cli_actor, console, ensure_schema_current, fail
from service.core import crypto
from service.core.db import session_scope
from service.core.errors import NotFound, TandemError
from service.core.files import write_atomic
from service.parket import casefile, service
from service.parket.read_models import ReferralOut

parket_app = typer.Typer(help="Parket referrals and their case files.", no_args_is_help=True)


@parket_app.command("referrals")
def referrals(status: str = typer.Option(None, help="referred, decided, returned or withdrawn")) -> None:
    """The referrals, newest first (case reference, status, outcome)."""
    ensure_schema_current()
    with session_scope() as session:
        table = Table(
            "id", "case", "reference", "gemeente", "referred", "status", "outcome", title="Referrals"
        )
        for r in service.list_referrals(session, cli_actor(), status, limit=1000):
            d = ReferralOut.of(session, r)
            table.add_row(
                str(r.id),
                str(r.case_id),
                d.reference,
                r.nis_code or "-",
                r.referred_at.date().isoformat(),
                r.status,
                d.outcome_nl or "-",
            )
        console.print(table)


@parket_app.command("check")
def check(case_id: int) -> None:
    """What a referral of this case would still lack (every guard of `refer_to_parket`)."""
    ensure_schema_current()
    with session_scope() as session:
        try:
            case = cases.get_case(session, case_id, cli_actor())
        except NotFound as exc:
            raise fail(exc) from None
        missing = service.referral_problems(session, case)
    if missing:
        console.print(f"case {case_id} ({case.state}) cannot be referred yet; missing:")
        for item in missing:
            console.print(f"  - {item}")
    else:
        console.print(f"case {case_id} ({case.state}): the file is complete")


@parket_app.command("export")
def export(
    referral_id: int, out: Path = typer.Option(Path("."), help="Directory to write the ZIP into")
) -> None:
    """Write a referral's case file (ZIP) after checking it against its recorded SHA-256."""
    ensure_schema_current()
    try:
        with session_scope() as session:
            actor = cli_actor()
            referral = service.get_referral(session, actor, referral_id)
            data = service.zip_bytes(referral)
            audit.record(session, actor, "export", "referral", [referral.id], "export case file")
    except TandemError as exc:
        raise fail(exc) from None
    out.mkdir(parents=True, exist_ok=True)
    path = write_atomic(out / f"case-file-{referral.case_id}-{referral.id}.zip", data)
    console.print(f"wrote {path} (sha256 {referral.sha256})")


@parket_app.command("public-key")
def public_key() -> None:
    """Print the public key (PEM) that verifies the case files' signatures: publish it to the parket."""
    try:
        keys = crypto.cached_signing_keys()
    except TandemError as exc:
        raise fail(exc) from None
    console.print(keys.public_pem(), end="", highlight=False)


@parket_app.command("verify")
def verify(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
    public_key: Path = typer.Option(
        None, "--public-key", exists=True, dir_okay=False, help="The published key (PEM) to verify with"
    ),
    offline: bool = typer.Option(False, help="Do not check the recorded hash in the database"),
) -> None:
    """Check a case-file ZIP: the manifest's signature, every file against the manifest, the JSON
    against its schema and, unless --offline, that the file is the one the cell recorded."""
    data = path.read_bytes()
    try:
        key = crypto.load_public_pem(public_key.read_bytes()) if public_key else None
        problems = casefile.verify_zip(data, key)
        if not offline:
            ensure_schema_current()
            with session_scope() as session:
                problems += service.recorded_problems(session, data)
    except TandemError as exc:
        raise fail(exc) from None
    if problems:
        for p in problems:
            console.print(f"[red]{p}[/red]")
        raise typer.Exit(code=1)
    checked = "" if offline else ", and it is the file the cell recorded"
    console.print(
        f"{path}: the signature holds, every file matches the manifest and the JSON validates "
        f"against its schema{checked}"
    )
