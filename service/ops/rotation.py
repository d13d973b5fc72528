"""`tandem keys rotate`: after a new `hmac-<id>.key` is added, give every stored national-number hash
the new (active) key, in one transaction, through each domain's service: the register children,
guardians and list records (ingest), the cases' child keys (cases) and the operators' review
decisions (linkage). Link results are the same before and after; the old key can then be retired.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth.service import Actor
from service.cases import service as cases
from service.core.crypto import KeyRing
from service.ingest import service as ingest
from service.linkage import service as linkage


def rotate(session: Session, actor: Actor, keyring: KeyRing) -> ingest.RekeyReport:
    """Re-key everything in the caller's transaction; nothing is changed if any step fails."""
    report = ingest.rekey_hashes(session, keyring=keyring)
    by_old_hash = {old_hash: new for (_key, old_hash), new in report.mapping.items()}
    report.rekeyed["cases"] = cases.rekey_child_keys(session, mapping=by_old_hash)
    report.rekeyed["review_decisions"] = linkage.rekey_review_decisions(session, mapping=by_old_hash)
    # Decrypting every number is a read of personal data: recorded, without the ids of 220,000 children.
    audit.record(session, actor, "decrypt", "register_person", [], f"key rotation to {keyring.hmac_active}")
    return report
