"""The Brussels register population: households, children, guardians, and what each child does.

Children come in households (siblings share an address, a surname and guardians; some are twins),
so the linkage meets the hard cases real data has: siblings with near-identical records, twins,
guardians living apart or abroad. Each child gets a true status on the reference date, and the
enrolments, home-education declarations and exemptions that explain it.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from itertools import accumulate

from service.core.school_age import compulsory_period, start_age_for
from sim.generate import names
from sim.generate.nn import Allocator
from sim.generate.places import BrusselsPlaces, house_number, outside_street, regions
from sim.generate.places import box as make_box
from sim.generate.schools import Catalogue, School, campus, fast_choice, level_and_grade

AFFLUENT = frozenset({"21002", "21005", "21009", "21016", "21017", "21018", "21019"})
CANAL = frozenset({"21001", "21004", "21011", "21012", "21013", "21014", "21015"})
_LARGE_FAMILIES = frozenset({"ma", "tr", "cd", "af", "sy", "er", "wa"})
_SIZES = (1, 2, 3, 4, 5)  # children of compulsory-school age per household
_SIZE_CUM = {True: (0.30, 0.65, 0.87, 0.97, 1.0), False: (0.44, 0.80, 0.95, 1.0, 1.0)}  # large families?
_MULTI_GIVEN = frozenset({"be_nl", "be_fr", "it", "es", "pt", "pl"})

EXEMPTION_SCHOOLS = {
    "europeen": (
        "École européenne de Bruxelles I (Uccle)", "Europese School Brussel II (Woluwe)",
        "École européenne de Bruxelles III (Ixelles)", "Europese School Brussel IV (Laken)",
        "École européenne Bruxelles I (Berkendael)",
    ),
    "international": (
        "International School of Brussels", "British School of Brussels", "St. John's International School",
        "Lycée français Jean Monnet", "Deutsche Schule Brüssel", "Scandinavian School of Brussels",
        "BEPS International School", "Brussels International Catholic School",
    ),
    "prive": (
        "Brussels Montessori Academy", "École Les Tilleuls (privé)", "Athénée privé Le Verseau",
        "Institut privé Sainte-Anne", "Da Vinci Private School", "École Nouvelle Decroly privée",
    ),
    "etranger": (
        "Collège Saint-Paul, Lille (FR)", "Scholengemeenschap Breda (NL)", "Lycée Descartes, Rabat (MA)",
        "Liceo Scientifico, Roma (IT)", "Lycée Vauban, Luxembourg (LU)", "Colegio San José, Málaga (ES)",
    ),
    "handicap": ("",),
    "autre": ("",),
}  # fmt: skip


_STREETS_ABROAD = {
    "MA": ("Boulevard Mohammed V", "Avenue Hassan II", "Rue Ibn Battouta"),
    "TR": ("Atatürk Caddesi", "Cumhuriyet Caddesi", "İnönü Sokak"),
    "CD": ("Avenue Lumumba", "Avenue du 30 Juin", "Boulevard Kasa-Vubu"),
    "RO": ("Strada Victoriei", "Bulevardul Unirii", "Strada Mihai Eminescu"),
    "PL": ("ulica Długa", "ulica Marszałkowska", "aleja Jana Pawła II"),
    "ES": ("Calle Mayor", "Avenida de la Constitución", "Calle Real"),
    "PT": ("Rua Augusta", "Avenida da Liberdade", "Rua do Carmo"),
    "IT": ("Via Roma", "Corso Garibaldi", "Via Dante"),
    "FR": ("Rue de Paris", "Avenue Jean Jaurès", "Rue Nationale"),
    "NL": ("Kerkstraat", "Dorpsstraat", "Stationsweg"),
}


@dataclass(slots=True)
class Guardian:
    nn: str
    relation: str  # moeder / vader / voogd (the register's own words)
    last: str
    first: str
    street: str
    house: str
    box: str
    postcode: str
    municipality: str
    country: str  # "" for Belgium, ISO code when abroad


@dataclass(slots=True)
class Household:
    fid: int
    nis: str
    postcode: str
    street: str
    house: str
    box: str
    sector: str
    language: str  # administrative language: nl / fr
    origin: str
    surname: str
    community: str  # the school community the family prefers
    register_upper: bool  # the register holds this family's surname in capitals
    register_ascii: bool  # the register holds names without the diacritics it cannot store
    father_surname: str = ""  # set when the children carry both parents' surnames
    mother_surname: str = ""
    guardians: list[Guardian] = field(default_factory=list)
    schools: dict[tuple[str, str], School] = field(default_factory=dict)


@dataclass(slots=True)
class Enrolment:
    community: str
    school: School
    campus: str
    level: str
    grade: str
    start: date
    end: date | None


@dataclass(slots=True)
class Child:
    uid: str
    household: Household
    nn: str
    bis: bool
    last: str  # as the child's name is normally written
    given: str  # all given names, as in the register
    birth: date
    male: bool
    origin: str
    delay: int  # years behind the normal grade
    first_given: str = ""  # the first given name (itself possibly two words: Mohamed Amine)
    lists_full: bool = False  # this child's lists carry every given name, not only the first
    compulsory: bool = True
    edge: str = ""  # below_age / above_age for children outside the age range
    status: str = "enrolled"
    detail: str = ""
    cleared_late: bool = False
    in_late_list: bool = False
    enrolments: list[Enrolment] = field(default_factory=list)
    home: list[tuple[str, date, date | None]] = field(default_factory=list)
    exemptions: list[tuple[str, str, date, date | None]] = field(default_factory=list)
    siblings: tuple[str, ...] = ()
    register_row: int = 0

    @property
    def list_first(self) -> str:
        """What school lists put in the first-name column: usually only the first given name."""
        return self.given if self.lists_full else self.first_given

    @property
    def register_last(self) -> str:
        last = _register_form(self.last, self.household.register_ascii)
        return last.upper() if self.household.register_upper else last

    @property
    def register_given(self) -> str:
        return _register_form(self.given, self.household.register_ascii)


def _register_form(name: str, ascii_only: bool) -> str:
    """Some register records hold foreign names without the diacritics Windows-1252 lacks (Sahin)."""
    if ascii_only and names.to_cp1252(name) != name:
        return names.strip_accents(name)
    return name


@dataclass
class Calendar:
    """The dates a school year turns on."""

    school_year: str
    start: date  # 1 September
    reference: date  # the run's reference date (1 October by default)

    @property
    def end(self) -> date:
        return date(self.start.year + 1, 6, 30)

    @property
    def previous_start(self) -> date:
        return date(self.start.year - 1, 9, 1)

    @property
    def previous_end(self) -> date:
        return date(self.start.year, 6, 30)

    @cached_property
    def start_age(self) -> int:
        return start_age_for(self.school_year)

    @cached_property
    def compulsory_years(self) -> range:
        """Birth years of compulsory-school age on the reference date (5 or 6 up to 17 years)."""
        return range(self.start.year - 17, self.start.year - self.start_age + 1)

    def list_years(self) -> dict[int, float]:
        """Birth years on a community list, weighted: kindergarten from 2.5 years, a few past 18."""
        y = self.start.year
        years = {y - 19: 0.02, y - 18: 0.35}
        years.update(dict.fromkeys(range(y - 17, y - 4), 1.0))
        years.update({y - 4: 0.97, y - 3: 0.93})
        return years

    def unregistered_years(self) -> dict[int, float]:
        """Birth years of Brussels pupils outside the extract (too young or past compulsory age)."""
        compulsory = set(self.compulsory_years)
        years = {y: w for y, w in self.list_years().items() if y not in compulsory}
        years[self.start.year - 18] = 0.25  # repeaters still in secondary school at 18
        return years

    @property
    def repeat_from(self) -> int:
        """Children born this year or earlier may be a year or two behind (primary school onwards)."""
        return self.start.year - 10

    def day_in(self, first: date, last: date, rng: random.Random) -> date:
        return first + timedelta(days=rng.randint(0, (last - first).days))


class _Mix:
    """A fixed weighted choice, with cumulative weights computed once."""

    def __init__(self, mix: dict[str, float]) -> None:
        self.keys = list(mix)
        self.cum = list(accumulate(mix.values()))

    def pick(self, rng: random.Random) -> str:
        return self.keys[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


_BRUSSELS_MIX = _Mix(names.REGION_MIX["brussels"])
_CHILD_STATUS = _Mix(
    {"none": 0.006, "home": 0.0005, "handicap": 0.0015, "autre": 0.001, "prive": 0.001, "enrolled": 1.0}
)


def _family_status(factor: float) -> _Mix:
    return _Mix(
        {
            "none": 0.004,
            "home": 0.0045,
            "europeen": 0.010 * factor,
            "international": 0.005 * factor,
            "prive": 0.003,
            "etranger": 0.0025,
            "enrolled": 1.0,
        }
    )


_FAMILY_STATUS = {True: _family_status(2.2), False: _family_status(0.6)}


class PopulationBuilder:
    """Builds households and children until the wanted number of children is reached."""

    def __init__(
        self,
        rng: random.Random,
        allocator: Allocator,
        places: BrusselsPlaces,
        catalogue: Catalogue,
        calendar: Calendar,
    ) -> None:
        self.rng = rng
        self.allocator = allocator
        self.places = places
        self.catalogue = catalogue
        self.cal = calendar
        self.pools = names.pools()
        refs = places.gemeenten
        self._nis = [g.nis_code for g in refs]
        self._nis_cum = list(accumulate(g.approx_population for g in refs))
        self._origin_mix: dict[str, _Mix] = {}
        for nis in self._nis:
            mix = dict(names.REGION_MIX["brussels"])
            if nis in AFFLUENT:
                for key in ("be_fr", "be_nl", "it", "es", "pt", "pl"):
                    mix[key] *= 2.2
            elif nis in CANAL:
                for key in ("ma", "tr", "bg", "ro"):
                    mix[key] *= 1.6
            self._origin_mix[nis] = _Mix(mix)

    # -- households ----------------------------------------------------------------------------------
    def build(self, n_children: int) -> list[Child]:
        children: list[Child] = []
        fid = 0
        while len(children) < n_children:
            fid += 1
            children.extend(self._household(fid, n_children - len(children)))
        for i, child in enumerate(children, start=1):
            child.uid = f"C{i:07d}"
        self._statuses(children)
        return children

    def _household(self, fid: int, room: int) -> list[Child]:
        rng = self.rng
        nis = rng.choices(self._nis, cum_weights=self._nis_cum)[0]
        origin = self._origin_mix[nis].pick(rng)
        size = min(room, rng.choices(_SIZES, cum_weights=_SIZE_CUM[origin in _LARGE_FAMILIES])[0])
        twins = size < room and rng.random() < 0.0145
        language = "nl" if rng.random() < (0.7 if origin == "be_nl" else 0.108) else "fr"
        street = fast_choice(self.places.streets[nis], rng)
        street_label = f"{street.fr} / {street.nl}" if rng.random() < 0.08 else street.label(language)
        surname = self.pools[(origin, "last")].pick(rng)
        hh = Household(
            fid=fid,
            nis=nis,
            postcode=self.places.postcode(nis, rng),
            street=street_label,
            house=house_number(rng),
            box=make_box(rng),
            sector=fast_choice(self.places.sectors[nis], rng),
            language=language,
            origin=origin,
            surname=surname,
            community="nl" if rng.random() < (0.7 if language == "nl" else 0.08) else "fr",
            register_upper=rng.random() < 0.04,
            register_ascii=rng.random() < 0.3,
        )
        cohorts = self.cal.compulsory_years
        years = sorted(rng.sample(cohorts, k=min(size, len(cohorts))))
        if origin in ("be_nl", "be_fr") and years[0] >= self.cal.start.year - 11 and rng.random() < 0.12:
            # since 2014 Belgian parents may give both surnames (Peeters Dubois)
            hh.mother_surname = self.pools[(origin, "last")].pick(rng)
            hh.father_surname, hh.surname = surname, f"{surname} {hh.mother_surname}"
        children: list[Child] = []
        used_first: set[str] = set()
        for year in years:
            birth = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            children.append(self._child(hh, birth, used_first))
        if twins and children:
            first = rng.choice(children)
            twin = self._child(hh, first.birth, used_first)
            twin.delay = first.delay
            children.append(twin)
        for i, child in enumerate(children):
            is_twin = twins and (i == len(children) - 1 or child.birth == children[-1].birth)
            if is_twin:
                self._set_compulsory(child)
            else:
                self._maybe_edge(child)
        self._guardians(hh, min(c.birth for c in children))
        sibling_nns = [c.nn for c in children]
        for child in children:
            child.siblings = tuple(nn for nn in sibling_nns if nn != child.nn)
        return children

    def _child(self, hh: Household, birth: date, used_first: set[str]) -> Child:
        rng = self.rng
        male = rng.random() < 0.512
        sex = "M" if male else "F"
        pool = self.pools[(hh.origin, sex)]
        given = pool.pick(rng)
        for _ in range(10):
            if given not in used_first:
                break
            given = pool.pick(rng)
        used_first.add(given)
        if hh.origin in _MULTI_GIVEN:
            extra = rng.choices((0, 1, 2), cum_weights=(0.35, 0.8, 1.0))[0]
        else:
            extra = 1 if rng.random() < 0.2 else 0
        more = [pool.pick(rng) for _ in range(extra)]
        full = " ".join([given] + [m for m in more if m != given])
        bis = rng.random() < 0.001
        nn, birth = self.allocator.one(birth, male, bis=bis)
        delay = 0
        if birth.year <= self.cal.repeat_from:
            delay = rng.choices((0, 1, 2), cum_weights=(0.76, 0.94, 1.0))[0]
        elif birth.year <= self.cal.repeat_from + 2:
            delay = 1 if rng.random() < 0.05 else 0
        last = names.feminine(hh.surname, hh.origin) if not male else hh.surname
        child = Child("", hh, nn, bis, last, full, birth, male, hh.origin, delay)
        child.first_given, child.lists_full = given, rng.random() < 0.15
        return child

    def _maybe_edge(self, child: Child) -> None:
        """About 1% of the extract is just outside the age range (an extract taken a little early)."""
        rng = self.rng
        if rng.random() >= 0.01:
            self._set_compulsory(child)
            return
        cohorts = self.cal.compulsory_years
        if child.birth.year < (cohorts.start + cohorts.stop) // 2:  # just past the end, born in late year
            birth = date(cohorts.start - 1, 7, 1) + timedelta(days=rng.randrange(184))
        else:  # not yet of age
            birth = date(cohorts.stop, 1, 1) + timedelta(days=rng.randrange(365))
        child.nn, child.birth = self.allocator.one(birth, child.male, bis=child.bis)
        self._set_compulsory(child)

    def _set_compulsory(self, child: Child) -> None:
        child.compulsory = compulsory_period(child.birth, self.cal.start_age).covers(self.cal.reference)
        if not child.compulsory:
            child.edge = (
                "below_age" if child.birth.year >= self.cal.compulsory_years.stop - 2 else "above_age"
            )
            child.status, child.detail = "not_compulsory", child.edge

    def _guardians(self, hh: Household, eldest: date) -> None:
        rng = self.rng
        mother_year = min(2000, max(1965, eldest.year - rng.randint(20, 40)))
        father_year = min(2000, max(1965, mother_year - rng.randint(-2, 8)))
        r = rng.random()
        mother_origin = hh.origin if rng.random() < 0.88 else _BRUSSELS_MIX.pick(rng)
        if hh.mother_surname:
            mother_last = hh.mother_surname
        elif mother_origin in ("pl", "bg") and rng.random() < 0.6:
            mother_last = names.feminine(hh.surname, mother_origin)
        else:
            mother_last = names.feminine(self.pools[(mother_origin, "last")].pick(rng), mother_origin)
        mother = self._person(
            "moeder", mother_last, self.pools[(mother_origin, "F")].pick(rng), mother_year, False
        )
        father = self._person(
            "vader",
            hh.father_surname or hh.surname,
            self.pools[(hh.origin, "M")].pick(rng),
            father_year,
            True,
        )
        if r < 0.005:
            origin = _BRUSSELS_MIX.pick(rng)  # a legal guardian, often not a relative
            male = rng.random() < 0.5
            last = self.pools[(origin, "last")].pick(rng)
            last = last if male else names.feminine(last, origin)
            first = self.pools[(origin, "M" if male else "F")].pick(rng)
            voogd = self._person("voogd", last, first, rng.randint(1965, 1995), male)
            self._address(voogd, hh, apart=rng.random() < 0.5)
            hh.guardians = [voogd]
            return
        if r < 0.15:
            single = mother if rng.random() < 0.85 else father
            self._address(single, hh, apart=False)
            hh.guardians = [single]
            return
        first, second = (mother, father) if rng.random() < 0.7 else (father, mother)
        self._address(first, hh, apart=False)
        self._address(second, hh, apart=rng.random() < 0.15)
        hh.guardians = [first, second]

    def _person(self, relation: str, last: str, first: str, year: int, male: bool) -> Guardian:
        birth = date(year, 1, 1) + timedelta(days=self.rng.randrange(365))
        nn, _ = self.allocator.one(birth, male)
        return Guardian(nn, relation, last, first, "", "", "", "", "", "")

    def _address(self, g: Guardian, hh: Household, *, apart: bool) -> None:
        rng = self.rng
        if not apart:
            g.street, g.house, g.box, g.postcode = hh.street, hh.house, hh.box, hh.postcode
            g.municipality = self.places.name(hh.nis, hh.language)
            return
        r = rng.random()
        if r < 0.55:
            nis = rng.choice([n for n in self._nis if n != hh.nis])
            street = fast_choice(self.places.streets[nis], rng)
            g.street, g.postcode = street.label(hh.language), self.places.postcode(nis, rng)
            g.municipality = self.places.name(nis, hh.language)
        elif r < 0.9:
            region = "flanders" if hh.language == "nl" or rng.random() < 0.3 else "wallonia"
            place = rng.choice(regions()[region])
            g.street = outside_street(rng).label("nl" if region == "flanders" else "fr")
            g.postcode, g.municipality = place.postcode, place.name
        else:
            origin = names.origins()[hh.origin]
            country = origin.country if origin.country != "BE" else "FR"
            g.street = rng.choice(_STREETS_ABROAD.get(country, _STREETS_ABROAD["FR"]))
            g.postcode = f"{country}-{rng.randint(10000, 99999)}"
            g.municipality, g.country = rng.choice(origin.cities), country
        g.house, g.box = house_number(rng), make_box(rng)

    # -- statuses --------------------------------------------------------------------------------------
    def _statuses(self, children: list[Child]) -> None:
        """Family-level choices (home education, European school) with child-level exceptions."""
        rng = self.rng
        by_family: dict[int, list[Child]] = {}
        for child in children:
            by_family.setdefault(child.household.fid, []).append(child)
        for family in by_family.values():
            hh = family[0].household
            fam = _FAMILY_STATUS[hh.nis in AFFLUENT].pick(rng)
            for child in family:
                status = _CHILD_STATUS.pick(rng) if fam == "enrolled" else fam
                self._apply_status(child, status)
        self._late_private(children)

    def _apply_status(self, child: Child, status: str) -> None:
        rng = self.rng
        cal = self.cal
        if not child.compulsory:
            if rng.random() < 0.7:
                self._enrol(child, child.household.community, cal.start, None)
            return
        if status == "enrolled":
            self._enrolled(child)
        elif status == "none":
            child.status, child.detail = "none", ""
            r = rng.random()
            if r < 0.2:
                self._enrol(
                    child, child.household.community, cal.previous_start, cal.previous_end, previous_year=True
                )
            elif r < 0.4:
                self._enrol(
                    child,
                    child.household.community,
                    cal.start,
                    cal.day_in(cal.start + timedelta(days=1), cal.reference - timedelta(days=2), rng),
                )
            elif r < 0.45:
                community = child.household.community
                child.home.append((community, cal.previous_start, cal.previous_end))
        elif status == "home":
            community = "nl" if rng.random() < (0.6 if child.household.language == "nl" else 0.12) else "fr"
            child.status, child.detail = "home_educated", community
            since = rng.choices(
                (cal.start, date(cal.start.year - 1, 9, 1), date(cal.start.year - 2, 9, 1)), (0.6, 0.25, 0.15)
            )[0]
            child.home.append((community, since, cal.end if rng.random() < 0.3 else None))
            if since == cal.start and rng.random() < 0.25:
                self._enrol(
                    child, child.household.community, cal.previous_start, cal.previous_end, previous_year=True
                )
        else:
            child.status, child.detail = "exempted", status
            school = rng.choice(EXEMPTION_SCHOOLS[status])
            since = (
                cal.start if status != "handicap" or rng.random() < 0.5 else date(cal.start.year - 2, 9, 1)
            )
            until = cal.end if rng.random() < 0.6 else None
            if status == "handicap" and until is not None:
                until = date(cal.start.year + 2, 6, 30)
            child.exemptions.append((status, school, since, until))
            if rng.random() < 0.15:
                self._enrol(
                    child, child.household.community, cal.previous_start, cal.previous_end, previous_year=True
                )

    def _enrolled(self, child: Child) -> None:
        rng = self.rng
        cal = self.cal
        hh = child.household
        community = hh.community if rng.random() < 0.98 else ("fr" if hh.community == "nl" else "nl")
        other = "fr" if community == "nl" else "nl"
        start = (
            cal.start
            if rng.random() < 0.92
            else cal.day_in(cal.start + timedelta(days=1), cal.reference, rng)
        )
        child.status, child.detail = "enrolled", community
        r = rng.random()
        if r < 0.03:  # a transfer during the year, sometimes to the other community
            moved = cal.day_in(start + timedelta(days=7), date(cal.start.year + 1, 3, 31), rng)
            second = community if rng.random() < 0.75 else other
            self._enrol(child, community, start, moved - timedelta(days=1), fresh_school=False)
            self._enrol(child, second, moved, None, fresh_school=True)
            child.detail = second if moved <= cal.reference else community
        elif r < 0.033:  # enrolled in both communities at the same time
            self._enrol(child, community, start, None)
            self._enrol(child, other, cal.start, None, fresh_school=True)
            child.detail = "nl+fr"
        else:
            end = cal.end if community == "fr" and rng.random() < 0.1 else None
            self._enrol(child, community, start, end)

    def _enrol(
        self,
        child: Child,
        community: str,
        start: date,
        end: date | None,
        *,
        previous_year: bool = False,
        fresh_school: bool = False,
    ) -> None:
        rng = self.rng
        year = self.cal.start.year - (1 if previous_year else 0)
        stage, level, grade = level_and_grade(child.birth.year, child.delay, community, year)
        key = (community, stage)
        hh = child.household
        school = hh.schools.get(key)
        if school is None or fresh_school or rng.random() < 0.2:
            school = self.catalogue.pick(community, stage, f"bru:{hh.nis}", rng)
            if not fresh_school:
                hh.schools.setdefault(key, school)
        child.enrolments.append(Enrolment(community, school, campus(school, rng), level, grade, start, end))

    def _late_private(self, children: list[Child]) -> None:
        """A private school's late list: some children it clears were otherwise enrolled nowhere."""
        rng = self.rng
        late_count = max(4, round(len(children) * 0.00014))
        candidates = [
            c for c in children if c.status == "enrolled" and c.compulsory and len(c.enrolments) == 1
        ]
        for child in rng.sample(candidates, k=min(late_count, len(candidates))):
            child.enrolments.clear()
            child.status, child.detail, child.cleared_late, child.in_late_list = (
                "exempted",
                "prive",
                True,
                True,
            )
            if rng.random() < 0.5:
                self._enrol(child, child.household.community, self.cal.previous_start,
                            self.cal.previous_end, previous_year=True)  # fmt: skip
        already = [
            c for c in children if c.status == "exempted" and c.detail == "prive" and not c.in_late_list
        ]
        for child in rng.sample(already, k=min(len(already), max(1, late_count // 2))):
            child.in_late_list = True
