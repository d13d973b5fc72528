"""Dutch and French labels for the procedure's vocabulary, shared by every domain that shows it
(work lists, case files, notifications, letters), the reasons the system itself records, and the
date formats of the hand-overs.

Reference data, like the gemeenten list: it lives in core so that no domain imports another one
just to say "huisbezoek / visite à domicile".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

LABELS: dict[str, tuple[str, str]] = {
    # steps
    "register_check": ("controle van het bevolkingsregister", "vérification du registre de la population"),
    "home_visit": ("huisbezoek", "visite à domicile"),
    # assignment status
    "open": ("open", "ouverte"),
    "answered": ("beantwoord", "répondue"),
    "withdrawn": ("ingetrokken", "retirée"),
    "returned": ("teruggestuurd", "renvoyée"),
    "handed_over": ("overgedragen", "transférée"),
    # register-check answers
    "still_registered": ("nog ingeschreven op dit adres", "toujours inscrit à cette adresse"),
    "moved_within_brussels": ("verhuisd binnen Brussel", "déménagé dans Bruxelles"),
    "moved_out": ("verhuisd buiten het Brussels Gewest", "déménagé hors de la Région bruxelloise"),
    "moved_abroad": ("vertrokken naar het buitenland", "parti à l'étranger"),
    "deceased": ("overleden", "décédé"),
    # who visited
    "neighbourhood_police": ("wijkagent", "agent de quartier"),
    "municipal_staff": ("gemeentepersoneel", "personnel communal"),
    "police_youth_service": ("jeugddienst van de politie", "service jeunesse de la police"),
    # what the parents said
    "enrolled": ("kind ingeschreven in een school", "enfant inscrit dans une école"),
    "home_education": ("huisonderwijs", "enseignement à domicile"),
    "no_education": ("geen onderwijs", "aucun enseignement"),
    "refused": ("weigerde te antwoorden", "a refusé de répondre"),
    "other": ("andere", "autre"),
    # a family's answer on the reply form (besides enrolled, home_education, moved_abroad, other)
    "moved_out_of_region": ("verhuisd buiten het Brussels Gewest", "déménagé hors de la Région bruxelloise"),
    "visited": ("huisbezoek afgelegd", "visite effectuée"),
    # family ties as the register writes them
    "mother": ("moeder", "mère"),
    "father": ("vader", "père"),
    "moeder": ("moeder", "mère"),
    "vader": ("vader", "père"),
    "parent": ("ouder", "parent"),
    "guardian": ("voogd", "tuteur"),
    "voogd": ("voogd", "tuteur"),
    # letter channels
    "post": ("post", "courrier"),
    "registered_post": ("aangetekend", "recommandé"),
    "email": ("e-mail", "e-mail"),
    # send-back reasons
    "wrong_gemeente": ("verkeerde gemeente", "mauvaise commune"),
    "address_unknown": ("adres onbekend", "adresse inconnue"),
    # why an assignment was withdrawn
    "enrolled_late_list": (
        "het kind staat op een laattijdige inschrijvingslijst",
        "l'enfant figure sur une liste d'inscription tardive",
    ),
    "enrolled_linkage": (
        "het kind werd bij een nieuwe koppeling ingeschreven gevonden",
        "l'enfant a été trouvé inscrit lors d'un nouveau couplage",
    ),
    "compulsory_age_ended": (
        "de leerplicht van het kind is geëindigd",
        "l'obligation scolaire de l'enfant a pris fin",
    ),
    "case_closed": ("het dossier is afgesloten", "le dossier est clôturé"),
    # where the address to check or visit comes from
    "address_register": ("rijksregister", "registre national"),
    "address_reported": (
        "gemeld bij verhuizing binnen Brussel",
        "signalée lors d'un déménagement dans Bruxelles",
    ),
}


def nl(key: str | None) -> str:
    return LABELS.get(key or "", (key or "", key or ""))[0]


def fr(key: str | None) -> str:
    return LABELS.get(key or "", (key or "", key or ""))[1]


def both(key: str | None) -> str:
    """`huisbezoek / visite à domicile`: how a label appears where one line serves both languages."""
    a, b = nl(key), fr(key)
    return a if a == b else f"{a} / {b}"


def ordered(key: str | None, first: str = "nl") -> str:
    """Like `both`, with the language `first` ("nl" or "fr") in front: a family's own language leads."""
    a, b = (fr(key), nl(key)) if first == "fr" else (nl(key), fr(key))
    return a if a == b else f"{a} / {b}"


# -- reasons the system records on a case's timeline ----------------------------------------------
# They leave the cell (the parket's case file shows them), so they are written in both languages
# where they are made. `{...}` fields are filled by `reason`.
REASONS: dict[str, tuple[str, str]] = {
    "timer_elapsed": ("{state_nl}: {days} dagen verstreken", "{state_fr} : {days} jours écoulés"),
    "deadline_near": (
        "termijn verstrijkt binnen {days} dagen of minder",
        "le délai expire dans {days} jours ou moins",
    ),
    "deadline_passed": ("termijn verstreken", "délai dépassé"),
    "age_ended": ("de leerplicht is geëindigd", "l'obligation scolaire a pris fin"),
    "age_margin": (
        "de leerplicht eindigt binnen de parketmarge van {days} dagen",
        "l'obligation scolaire prend fin dans la marge de {days} jours du parquet",
    ),
    "found_by_run": ("gevonden bij koppeling {run}", "trouvé lors du couplage {run}"),
    "opened_residual": ("op de restlijst van koppeling {run}", "sur la liste résiduelle du couplage {run}"),
    "late_list": (
        "laattijdige lijst: bestand {batch} ({source})",
        "liste tardive : fichier {batch} ({source})",
    ),
}


def reason(code: str, **values: object) -> str:
    """A system reason in Dutch and French (`termijn verstreken / délai dépassé`)."""
    text_nl, text_fr = REASONS[code]
    return f"{text_nl.format(**values)} / {text_fr.format(**values)}"


# -- dates as the hand-overs print them (Brussels time) -------------------------------------------


def fmt_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(BRUSSELS).date()
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: datetime | str | None) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")
