"""Dutch and French labels for the gemeente vocabulary (screens, work lists, case files, notifications)."""

from __future__ import annotations

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
