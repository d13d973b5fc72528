"""The list files: community enrolment lists, home education, exemptions and the late workbook.

Community lists are community-wide, so register children's rows are interleaved with many more
rows of pupils living elsewhere; they are streamed in chunks to keep memory bounded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sim.generate.config import GeneratorConfig, Streams
from sim.generate.errors import Injector, ListRecord
from sim.generate.nn import Allocator
from sim.generate.outside import OutsideGenerator, Pupil
from sim.generate.places import BrusselsPlaces
from sim.generate.population import Calendar, Child
from sim.generate.schools import Catalogue, campus, level_and_grade
from sim.generate.writers import (
    ENROLMENT_FR,
    ENROLMENT_NL,
    EXEMPTIONS,
    HOME_NL,
    LATE_XLSX,
    FileSpec,
    ListWriter,
    TruthWriter,
    write_xlsx,
)

Progress = Callable[[str, int, int], None]

# Pupils on each community-wide list who do not live in Brussels, per register child at list_scale 1
# (about 1.05 million rows on the French list and 0.95 million on the Dutch one for 220,000 children).
OUTSIDE_PER_CHILD = {"fr": 3.95, "nl": 4.15}
# Brussels pupils outside the extract (kindergarten, past 18), per register child, and their split.
UNREGISTERED_PER_CHILD = 0.165
UNREGISTERED_SPLIT = {"fr": 0.8, "nl": 0.2}
# Home-education declarations per pupil living outside Brussels (Flemish ones are more common).
HOME_PER_OUTSIDE_PUPIL = {"nl": 0.005, "fr": 0.002}
LATE_SCHOOL = "Brussels Montessori Academy"
ENROLMENT_SPECS = {"nl": ENROLMENT_NL, "fr": ENROLMENT_FR}
REGIONS = {"nl": "flanders", "fr": "wallonia"}


@dataclass(frozen=True)
class Year:
    """Everything the list writers share (read-only once the population is built)."""

    config: GeneratorConfig
    streams: Streams
    children: list[Child]
    places: BrusselsPlaces
    catalogue: Catalogue
    calendar: Calendar


def child_record(child: Child, extra: tuple[object, ...]) -> ListRecord:
    """A register child as a list shows it: the usual spelling, usually only the first given name."""
    sex = "M" if child.male else "F"
    return ListRecord(
        child.nn, child.last, child.list_first, child.birth, sex, child.household.postcode, child.uid,
        child.siblings, extra,
    )  # fmt: skip


def pupil_record(p: Pupil, extra: tuple[object, ...]) -> ListRecord:
    nn, last, first, birth, male, postcode, _area, siblings, _delay = p
    return ListRecord(nn, last, first, birth, "M" if male else "F", postcode, "", siblings, extra)


class DateText:
    """A file's date format, cached: a list has two million rows but only a few hundred dates."""

    def __init__(self, spec: FileSpec) -> None:
        self.spec = spec
        self.cache: dict[date | None, str] = {None: ""}

    def __call__(self, value: date | None) -> str:
        text = self.cache.get(value)
        if text is None:
            text = self.cache[value] = self.spec.date(value)
        return text


def outside_enrolments(
    pupils: list[Pupil],
    community: str,
    catalogue: Catalogue,
    calendar: Calendar,
    py: random.Random,
    text: DateText,
) -> list[ListRecord]:
    """A year of enrolments for pupils outside the extract: some arrive late, move or leave.

    This loop runs for about two million pupils, hence the local names and the grade cache.
    """
    out: list[ListRecord] = []
    append = out.append
    year = calendar.start.year
    first_day, last_day = calendar.start, calendar.end
    last_move = date(year + 1, 3, 31)
    late_window = (last_move - first_day).days
    grades: dict[int, tuple[str, str, str]] = {}
    pick, rand, randint = catalogue.pick, py.random, py.randint
    sex = ("F", "M")
    fr = community == "fr"
    for nn, last, first, birth, male, postcode, area, siblings, delay in pupils:
        cohort = birth.year + delay
        found = grades.get(cohort)
        if found is None:
            found = grades[cohort] = level_and_grade(cohort, 0, community, year)
        stage, level, grade = found
        school = pick(community, stage, area, py)
        start = first_day if rand() < 0.95 else first_day + timedelta(days=randint(1, late_window))
        end = last_day if fr and rand() < 0.1 else None
        r = rand()
        if r < 0.02 and start < last_move - timedelta(days=30):  # moves school during the year
            moved = start + timedelta(days=randint(7, (last_move - start).days))
            left = moved - timedelta(days=1)
            extra = (school.school_id, school.name, campus(school, py), level, grade, text(start), text(left))
            append(ListRecord(nn, last, first, birth, sex[male], postcode, "", siblings, extra))
            school = pick(community, stage, area, py)
            start = moved
        elif r < 0.03:  # leaves (moves abroad, drops out)
            end = start + timedelta(days=randint(1, 200))
        extra = (school.school_id, school.name, campus(school, py), level, grade, text(start), text(end))
        append(ListRecord(nn, last, first, birth, sex[male], postcode, "", siblings, extra))
    return out


def write_enrolments(
    year: Year, community: str, allocator: Allocator, out_dir: Path, truth: TruthWriter, progress: Progress
) -> int:
    """Stream one community list: register children's rows interleaved with everyone else's."""
    config, streams = year.config, year.streams
    spec = ENROLMENT_SPECS[community]
    rng = streams.np(f"list:{community}")
    py = streams.py(f"list:{community}")
    injector = Injector(config.errors, streams.np(f"errors:{community}"), streams.py(f"errors:{community}"))
    text = DateText(spec)
    own = [
        child_record(
            child, (e.school.school_id, e.school.name, e.campus, e.level, e.grade, text(e.start), text(e.end))
        )
        for child in year.children
        for e in child.enrolments
        if e.community == community
    ]
    own = [own[i] for i in rng.permutation(len(own)).tolist()]
    n_out = round(config.list_scale * config.children * OUTSIDE_PER_CHILD[community])
    n_unreg = round(config.children * UNREGISTERED_PER_CHILD * UNREGISTERED_SPLIT[community])
    total = n_out + n_unreg + len(own)
    chunks = max(1, math.ceil(total / config.chunk_size))
    cal = year.calendar
    outside = OutsideGenerator(
        REGIONS[community], rng, allocator, year.places, cal.list_years(), cal.repeat_from
    )
    unregistered = OutsideGenerator(
        "brussels", rng, allocator, year.places, cal.unregistered_years(), cal.repeat_from
    )
    stage = spec.filename.removesuffix(".csv")
    done = taken = 0
    writer = ListWriter(spec, out_dir, truth)
    try:
        for n_o, n_u, n_own in zip(
            split(n_out, chunks), split(n_unreg, chunks), split(len(own), chunks), strict=True
        ):
            records = own[taken : taken + n_own]
            taken += n_own
            for source, n in ((outside, n_o), (unregistered, n_u)):
                records += outside_enrolments(
                    source.chunk(n), community, year.catalogue, year.calendar, py, text
                )
            injector.apply(records)
            writer.write(records[i] for i in rng.permutation(len(records)).tolist())
            done += n_o + n_u + n_own
            progress(stage, done, total)
    finally:
        writer.close()
    return writer.rows


def split(total: int, parts: int) -> list[int]:
    """Split `total` into `parts` near-equal non-negative counts."""
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


class SmallLists:
    """The small registers: written in one go (a few thousand rows), shuffled, with the same noise."""

    def __init__(self, year: Year, allocator: Allocator, out_dir: Path, truth: TruthWriter) -> None:
        self.year = year
        self.out_dir = out_dir
        self.truth = truth
        streams = year.streams
        self.rng = streams.np("small")
        self.py = streams.py("small")
        self.injector = Injector(year.config.errors, streams.np("errors:small"), streams.py("errors:small"))
        self.gen = {
            region: OutsideGenerator(
                region,
                self.rng,
                allocator,
                year.places,
                dict.fromkeys(year.calendar.compulsory_years, 1.0),
                year.calendar.repeat_from,
            )
            for region in ("flanders", "wallonia")
        }

    def _write(self, spec: FileSpec, records: list[ListRecord]) -> int:
        self.injector.apply(records)
        writer = ListWriter(spec, self.out_dir, self.truth)
        try:
            writer.write(records[i] for i in self.rng.permutation(len(records)).tolist())
        finally:
            writer.close()
        return writer.rows

    def home(self, spec: FileSpec) -> int:
        """Home-education declarations: community-wide registers, like the enrolment lists."""
        community = "nl" if spec is HOME_NL else "fr"
        cal, config = self.year.calendar, self.year.config
        records = [
            child_record(child, (since, until))
            for child in self.year.children
            for comm, since, until in child.home
            if comm == community
        ]
        outside = config.list_scale * config.children * OUTSIDE_PER_CHILD[community]
        for p in self.gen[REGIONS[community]].chunk(round(outside * HOME_PER_OUTSIDE_PUPIL[community])):
            since = self.py.choice((cal.start, cal.previous_start, date(cal.start.year - 3, 9, 1)))
            records.append(pupil_record(p, (since, cal.end if self.py.random() < 0.3 else None)))
        return self._write(spec, records)

    def exemptions(self) -> int:
        """The joint cell's list; a few children on it have moved out of Brussels since."""
        cal = self.year.calendar
        records: list[ListRecord] = []
        for child in self.year.children:
            for reason, school, since, until in child.exemptions:
                if child.in_late_list and reason == "prive":
                    school = LATE_SCHOOL  # the late school's pupils already reported earlier
                records.append(child_record(child, (reason, school, since, until)))
        for p in self.gen["wallonia"].chunk(max(1, round(len(records) * 0.03))):
            reason = self.py.choice(("europeen", "international", "prive", "handicap"))
            records.append(pupil_record(p, (reason, "", cal.start, cal.end)))
        return self._write(EXEMPTIONS, records)

    def late_xlsx(self) -> int:
        """One private school's late list: its Brussels pupils, and a few from elsewhere."""
        cal = self.year.calendar
        records = [
            child_record(child, ("prive", LATE_SCHOOL, cal.start, cal.end))
            for child in self.year.children
            if child.in_late_list
        ]
        for p in self.gen["flanders"].chunk(max(1, len(records) // 10)):
            records.append(pupil_record(p, ("prive", LATE_SCHOOL, cal.start, cal.end)))
        self.injector.apply(records)
        records = [records[i] for i in self.rng.permutation(len(records)).tolist()]
        numeric = (self.rng.random(len(records)) < 0.25).tolist()
        if records and not any(numeric):  # a quarter of the numbers were typed as numbers, at least one
            numeric[int(self.rng.integers(len(records)))] = True
        write_xlsx(self.out_dir / LATE_XLSX.filename, records, self.truth, numeric)
        return len(records)
