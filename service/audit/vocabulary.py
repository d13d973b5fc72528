"""The audit trail's words in Dutch and French: what was done (action), to what (entity) and why
(the purpose each domain records), as a family reads them on its child's report.

Purposes are recorded as short English phrases, some with a number or name after them ("letter
batch 12", "parket outcome dismissed"); a purpose this table does not know is shown as recorded.
"""

from __future__ import annotations

from service.core import labels

Pair = tuple[str, str]

CONSULTING = frozenset({"read", "export", "decrypt", "preview", "download"})

ACTIONS: dict[str, Pair] = {
    "read": ("ingezien", "consulté"),
    "export": ("in een bestand opgenomen", "repris dans un fichier"),
    "decrypt": ("rijksregisternummer ontsleuteld", "numéro de registre national déchiffré"),
    "preview": ("voorbeeld bekeken", "aperçu consulté"),
    "download": ("gedownload", "téléchargé"),
    "change": ("gewijzigd", "modifié"),
    "write": ("geregistreerd", "enregistré"),
    "process": ("verwerkt", "traité"),
}

ENTITIES: dict[str, Pair] = {
    "register_person": ("gegevens uit het rijksregister", "données du registre national"),
    "case": ("dossier", "dossier"),
    "case_event": ("tijdlijn van het dossier", "historique du dossier"),
    "assignment": ("opdracht aan de gemeente", "mission confiée à la commune"),
    "referral": ("doorverwijzing naar het parket", "transmission au parquet"),
    "letter": ("brief aan het gezin", "lettre à la famille"),
    "letter_reply": ("antwoord van het gezin", "réponse de la famille"),
    "link_pair": ("koppelingsvoorstel", "proposition de couplage"),
    "source_batch": ("ontvangen lijst", "liste reçue"),
    "run": ("koppeling", "couplage"),
}

# purpose (or the start of one, before a number or a name) -> Dutch, French
PURPOSES: dict[str, Pair] = {
    "list register children": ("lijst van kinderen in het rijksregister", "liste des enfants du registre"),
    "read register child": ("gegevens van het kind bekeken", "données de l'enfant consultées"),
    "review queue": ("controle van de koppeling", "contrôle du couplage"),
    "review pair": ("controle van een koppelingsvoorstel", "contrôle d'une proposition de couplage"),
    "review": ("beslissing over een koppelingsvoorstel", "décision sur une proposition de couplage"),
    "explain linkage status": ("uitleg van de koppeling", "explication du couplage"),
    "list cases": ("lijst van dossiers", "liste des dossiers"),
    "read case with timeline": ("dossier met tijdlijn bekeken", "dossier et historique consultés"),
    "read case timeline": ("tijdlijn van het dossier bekeken", "historique du dossier consulté"),
    "cli: show case": ("dossier bekeken", "dossier consulté"),
    "preview of": ("voorbeeld van een brief", "aperçu d'une lettre"),
    "print file of letter batch": (
        "drukbestand van een briefreeks",
        "fichier d'impression d'un lot de lettres",
    ),
    "letter batch": ("briefreeks voorbereid", "lot de lettres préparé"),
    "letter list": ("lijst van brieven", "liste des lettres"),
    "stored letter": ("verstuurde brief bekeken", "lettre envoyée consultée"),
    "reply list": ("lijst van antwoorden", "liste des réponses"),
    "verify reply": ("antwoord van het gezin nagekeken", "réponse de la famille vérifiée"),
    "list assignments": ("lijst van opdrachten van de gemeente", "liste des missions de la commune"),
    "read assignment": ("opdracht van de gemeente bekeken", "mission de la commune consultée"),
    "overdue list": ("lijst van laattijdige opdrachten", "liste des missions en retard"),
    "work list": ("werklijst voor huisbezoeken", "liste de travail pour les visites"),
    "register_check": ("controle van het bevolkingsregister", "vérification du registre de la population"),
    "record_visit": ("verslag van het huisbezoek", "rapport de la visite à domicile"),
    "send_back": ("opdracht teruggestuurd", "mission renvoyée"),
    "parket case file": ("dossier voor het parket opgemaakt", "dossier pour le parquet établi"),
    "list referrals": ("lijst van doorverwijzingen", "liste des transmissions"),
    "read referral history": ("beslissingen van het parket bekeken", "décisions du parquet consultées"),
    "read referral": ("doorverwijzing bekeken", "transmission consultée"),
    "parket readiness": ("nagaan of het dossier volledig is", "vérifier si le dossier est complet"),
    "download case file": ("dossier van het parket gedownload", "dossier du parquet téléchargé"),
    "export case file": ("dossier van het parket uitgevoerd", "dossier du parquet exporté"),
    "parket outcome": ("beslissing van het parket", "décision du parquet"),
    "child audit report": ("overzicht voor het gezin opgemaakt", "relevé pour la famille établi"),
    "audit search": ("controle van de audittrail", "contrôle de la piste d'audit"),
}


def action(code: str) -> Pair:
    return ACTIONS.get(code, (code, code))


def entity(code: str) -> Pair:
    return ENTITIES.get(code, (code, code))


def kind_of(code: str) -> str:
    """consulted (a read of the data) or changed."""
    return "consulted" if code in CONSULTING else "changed"


def purpose(text: str) -> Pair:
    """The recorded purpose in Dutch and French; what follows a known phrase is kept as is."""
    text = (text or "").strip()
    if not text:
        return ("-", "-")
    for phrase in sorted(PURPOSES, key=len, reverse=True):
        if text == phrase or text.startswith(phrase + " ") or text.startswith(phrase + "_"):
            rest = text[len(phrase) :].strip(" _")
            nl, fr = PURPOSES[phrase]
            if rest and rest in labels.LABELS:
                return (f"{nl}: {labels.nl(rest)}", f"{fr} : {labels.fr(rest)}")
            return (f"{nl} {rest}".strip(), f"{fr} {rest}".strip())
    return (text, text)


def actor_without_organisation(actor: str) -> Pair:
    """Who acted when no organisation is on record: a local command, or Tandem itself."""
    if actor.startswith("cli:"):
        return ("gemeenschappelijke cel (lokale opdracht)", "cellule commune (commande locale)")
    return ("Tandem (automatisch)", "Tandem (automatique)")
