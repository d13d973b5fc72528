"""Synthetic school year for the Brussels-Capital Region: every source file of a yearly run, plus truth.

Why synthetic: the real register and enrolment lists hold national numbers of children and cannot
leave the administrations, yet the linkage, the procedure and the load must be tested at full scale
(220,000 children, two community-wide lists of about a million rows each). The ground truth lets
tests measure what the run finds against what is known to be true.

Same seed, same bytes: every stage draws from its own named stream, and the two community lists
(the bulk of the work) are written by two processes that cannot interfere with each other.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
import queue
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from service.core.school_age import school_year_start
from sim.generate.config import GeneratedYear, GeneratorConfig, Streams
from sim.generate.errors import ErrorRates
from sim.generate.lists import SmallLists, Year, write_enrolments
from sim.generate.manifest import write_manifest
from sim.generate.nn import Allocator
from sim.generate.places import brussels_places
from sim.generate.population import Calendar, Child, PopulationBuilder
from sim.generate.schools import build_catalogue
from sim.generate.writers import (
    ENROLMENT_FR,
    ENROLMENT_NL,
    EXEMPTIONS,
    HOME_FR,
    HOME_NL,
    LATE_XLSX,
    REGISTER,
    FileSpec,
    TruthWriter,
    write_register,
)

__all__ = ["ErrorRates", "GeneratedYear", "GeneratorConfig", "Progress", "generate_year"]

Progress = Callable[[str, int, int], None]
TRUTH_CHILDREN = "truth_children.csv"
TRUTH_RECORDS = "truth_records.csv"
# National-number lanes: the small lists (this process), the Dutch list, the French list.
_LANES = {"small": 0, "nl": 1, "fr": 2}


def _noop(stage: str, done: int, total: int) -> None:
    return None


def generate_year(out_dir: Path, config: GeneratorConfig, progress: Progress | None = None) -> GeneratedYear:
    """Write register, community lists, home education, exemptions, the late list, truth and manifest."""
    progress = progress or _noop
    out_dir.mkdir(parents=True, exist_ok=True)
    streams = Streams(config.seed)
    calendar = Calendar(config.school_year, school_year_start(config.school_year), config.reference)
    allocator = Allocator(streams.np("allocator"))
    places = brussels_places(streams.py("places"))
    catalogue = build_catalogue(streams.py("schools"))

    progress("population", 0, config.children)
    builder = PopulationBuilder(streams.py("population"), allocator, places, catalogue, calendar)
    children = builder.build(config.children)
    progress("population", config.children, config.children)
    year = Year(config, streams, children, places, catalogue, calendar)

    files: dict[str, Path] = {}
    rows: dict[str, int] = {}

    def written(spec: FileSpec, count: int) -> None:
        stem = spec.filename.rsplit(".", 1)[0]
        files[stem], rows[stem] = out_dir / spec.filename, count

    # The community lists (most of the work) go to two processes; meanwhile this one writes the rest.
    jobs = _ListJobs(year, allocator, out_dir, progress)
    try:
        jobs.start()
        report = jobs.relay  # also passes on the workers' progress
        written(REGISTER, _write_register(out_dir / REGISTER.filename, children, report))
        files["truth_children"], rows["truth_children"] = out_dir / TRUTH_CHILDREN, len(children)
        _write_truth_children(files["truth_children"], children)
        small_truth = TruthWriter(_part(out_dir, "small"), header=False)
        try:
            small = SmallLists(year, allocator.freeze(_LANES["small"], len(_LANES)), out_dir, small_truth)
            for spec in (HOME_NL, HOME_FR):
                written(spec, small.home(spec))
            report("home_education", 1, 1)
            written(EXEMPTIONS, small.exemptions())
            report("exemptions", 1, 1)
            if config.xlsx:
                written(LATE_XLSX, small.late_xlsx())
        finally:
            small_truth.close()
        results = jobs.wait()
    finally:
        jobs.stop()

    truth = TruthWriter(out_dir / TRUTH_RECORDS)
    try:  # list order in the truth: Dutch list, French list, then the small lists
        for community in ("nl", "fr"):
            list_rows, truth_rows = results[community]
            written((ENROLMENT_NL, ENROLMENT_FR)[community == "fr"], list_rows)
            truth.append_part(_part(out_dir, community), truth_rows)
        truth.append_part(_part(out_dir, "small"), small_truth.count)
    finally:
        truth.close()
    files["truth_records"], rows["truth_records"] = out_dir / TRUTH_RECORDS, truth.count
    order = ("register", "enrolment_nl", "enrolment_fr", "home_education_nl", "home_education_fr", "exemptions",
             "late_private_school", "truth_children", "truth_records")  # fmt: skip
    files = {key: files[key] for key in order if key in files}

    statuses: dict[str, int] = {}
    for child in children:
        statuses[child.status] = statuses.get(child.status, 0) + 1
    manifest = write_manifest(out_dir, config, calendar, files, rows, statuses, children)
    return GeneratedYear(out_dir, files, rows, statuses, manifest, config.reference, config.school_year)


# -- the register and the truth about its children ------------------------------------------------------


def _write_register(path: Path, children: list[Child], progress: Progress) -> int:
    """Sorted like an extract (gemeente, postcode, street, number), so households sit together."""
    ordered = sorted(
        children,
        key=lambda c: (c.household.nis, c.household.postcode, c.household.street, c.household.house,
                       c.household.fid, c.birth, c.uid),
    )  # fmt: skip
    for row, child in enumerate(ordered, start=1):
        child.register_row = row

    def rows() -> Iterator[list[str]]:
        total = len(ordered)
        for i, child in enumerate(ordered, start=1):
            hh = child.household
            row = [
                child.nn, child.register_last, child.register_given, child.birth.isoformat(),
                "M" if child.male else "V", hh.nis, hh.postcode, hh.street, hh.house, hh.box, hh.sector,
                hh.language.upper(),
            ]  # fmt: skip
            for g in hh.guardians:
                row += [g.nn, g.relation, g.last, g.first, g.street, g.house, g.box, g.postcode, g.municipality,
                        g.country]  # fmt: skip
            row += [""] * (len(REGISTER.headers) - len(row))
            if i % 20000 == 0 or i == total:
                progress("register", i, total)
            yield row

    return write_register(path, rows())


def _write_truth_children(path: Path, children: list[Child]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            ("register_row", "child_uid", "national_number", "true_status", "detail", "cleared_late")
        )
        for c in sorted(children, key=lambda c: c.register_row):
            writer.writerow((c.register_row, c.uid, c.nn, c.status, c.detail, int(c.cleared_late)))


# -- the two community lists, in parallel --------------------------------------------------------------


def _part(out_dir: Path, community: str) -> Path:
    return out_dir / f".{TRUTH_RECORDS}.{community}.part"


def _one_list(
    year: Year, community: str, allocator: Allocator, out_dir: Path, progress: Progress
) -> tuple[int, int]:
    """Write one community list and its truth part; returns (list rows, truth rows)."""
    truth = TruthWriter(_part(out_dir, community), header=False)
    try:
        count = write_enrolments(year, community, allocator, out_dir, truth, progress)
    finally:
        truth.close()
    return count, truth.count


def _worker(year: Year, community: str, allocator: Allocator, out_dir: Path, messages: Any) -> None:
    """Runs in a forked process: reports progress, the result or the error through the queue."""
    try:
        result = _one_list(
            year, community, allocator, out_dir, lambda s, d, t: messages.put(("progress", s, d, t))
        )
        messages.put(("done", community, result))
    except BaseException:
        messages.put(("error", community, traceback.format_exc()))
        raise


class _ListJobs:
    """The two community lists: in two forked processes when possible, else here (same bytes)."""

    def __init__(self, year: Year, root: Allocator, out_dir: Path, progress: Progress) -> None:
        self.year, self.out_dir, self.progress = year, out_dir, progress
        # lanes are fixed before anything else allocates, so the order of work does not matter
        self.lanes = {c: root.freeze(_LANES[c], len(_LANES)) for c in ("nl", "fr")}
        self.parallel = year.config.workers >= 2 and "fork" in mp.get_all_start_methods()
        self.results: dict[str, tuple[int, int]] = {}
        self.workers: dict[str, Any] = {}
        self.messages: Any = None

    def start(self) -> None:
        if not self.parallel:
            return
        ctx = mp.get_context("fork")
        self.messages = ctx.Queue()
        for c in ("nl", "fr"):
            args = (self.year, c, self.lanes[c], self.out_dir, self.messages)
            self.workers[c] = ctx.Process(target=_worker, args=args, name=f"generate-{c}", daemon=True)
            self.workers[c].start()

    def relay(self, stage: str, done: int, total: int) -> None:
        """Progress of this process, plus whatever the workers reported meanwhile."""
        self.progress(stage, done, total)
        self._drain(block=False)

    def _drain(self, *, block: bool) -> None:
        while self.messages is not None and len(self.results) < len(self.workers):
            try:
                message = self.messages.get(timeout=1.0) if block else self.messages.get_nowait()
            except queue.Empty:
                if not block:
                    return
                dead = [c for c, w in self.workers.items() if c not in self.results and not w.is_alive()]
                if dead:
                    raise RuntimeError(
                        f"the process writing the {dead[0]} list stopped without a result"
                    ) from None
                continue
            if message[0] == "progress":
                self.progress(*message[1:])
            elif message[0] == "done":
                self.results[message[1]] = message[2]
            else:
                raise RuntimeError(f"writing the {message[1]} list failed:\n{message[2]}")

    def wait(self) -> dict[str, tuple[int, int]]:
        if not self.parallel:
            return {
                c: _one_list(self.year, c, self.lanes[c], self.out_dir, self.progress) for c in ("nl", "fr")
            }
        self._drain(block=True)
        return self.results

    def stop(self) -> None:
        """Join the workers; a worker still running here means something failed: end it."""
        for c, w in self.workers.items():
            if w.is_alive() and c not in self.results:
                w.terminate()
            w.join()
