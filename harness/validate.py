"""Validation of a migration, outside the kernel model: what every folio must be after
``migrate_pages()`` / ``move_pages()`` whatever happened underneath (see ``audit_migration``),
from snapshots taken before it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .backdoor import read_ranges
from .mm import PAGE_SHIFT, PTE, Folio, Kernel, MigrateStats


class MigrationValidationError(AssertionError):
    """Bytes or mappings after a migration are not what they must be."""


@dataclass
class FolioSnapshot:
    folio: Folio
    pfn: int
    nr_pages: int
    data: np.ndarray
    mappings: list


@dataclass
class ValidationReport:
    bytes_validated: int = 0
    nr_migrated: int = 0         #: folios migrated (a split folio's pieces count one each)
    nr_stayed: int = 0           #: folios intact at their source (likewise)
    nr_split: int = 0            #: snapshotted large folios found split (try_split_folio())


@dataclass
class Piece:
    """What must be true of one folio after the migration: a snapshotted folio, or one
    piece of it if it was split. ``offset``: its first page within the snapshot."""
    snap: FolioSnapshot
    offset: int
    nr_pages: int

    @property
    def pfn(self) -> int:
        return self.snap.pfn + self.offset

    @property
    def data(self) -> np.ndarray:
        return self.snap.data[self.offset << PAGE_SHIFT:(self.offset + self.nr_pages)
                              << PAGE_SHIFT]

    @property
    def mappings(self) -> list:
        return [(mm, va + (self.offset << PAGE_SHIFT)) for mm, va in self.snap.mappings]

    @property
    def name(self) -> str:
        if self.nr_pages == self.snap.nr_pages:
            return f"pfn {self.pfn:#x}"
        return (f"pfn {self.pfn:#x} (piece {self.offset // self.nr_pages} of split"
                f" pfn {self.snap.pfn:#x})")


def pieces(snap: FolioSnapshot) -> list[Piece]:
    """The folios a snapshotted folio is now: itself, or, if it was split (its head Folio
    object, which keeps its identity through split_folio_to_list(), is smaller than it
    was), its pieces of the head's new size, each migrated or not on its own."""
    step = snap.folio.nr_pages
    if step >= snap.nr_pages:
        return [Piece(snap, 0, snap.nr_pages)]
    return [Piece(snap, off, step) for off in range(0, snap.nr_pages, step)]


async def snapshot(kernel: Kernel, folios: list[Folio]) -> list[FolioSnapshot]:
    """Record the contents and mappings of ``folios`` before a migration."""
    datas = await read_ranges(kernel.dev, [(f.addr, f.nbytes) for f in folios])
    return [FolioSnapshot(f, f.pfn, f.nr_pages, data, list(f.rmap))
            for f, data in zip(folios, datas)]

async def verify_migration(kernel: Kernel, snaps: list[FolioSnapshot],
                           stats: MigrateStats) -> ValidationReport:
    """After a migration: every folio is in exactly one of two states, nothing else.

    Migrated: its bytes are at its destination, every mapping points there, and its
    source, unless handed out again since, still holds the bytes (nothing wrote a
    source). Not migrated: intact at its source, mapped there, back on the LRU and no
    longer isolated. A large folio that was split during the migration (try_split_folio()
    on -ENOMEM) is checked piece by piece: each piece is in one of the two states on its
    own. Raises MigrationValidationError on the first problem found; see
    ``audit_migration`` for all of them, classified."""
    report, problems = await audit_migration(kernel, snaps, stats)
    if problems:
        raise MigrationValidationError(problems[0][1])
    return report

async def audit_migration(kernel: Kernel, snaps: list[FolioSnapshot], stats: MigrateStats
                          ) -> tuple[ValidationReport, list[tuple[str, str]]]:
    """Check every snapshotted folio, or each piece of one that was split (see
    ``verify_migration``) -> (report, problems).

    A problem is (class, message); classes: 'lost' (a folio's bytes are not where its
    mappings say it lives), 'half_migrated' (migration entries left, mappings, LRU or
    isolation state neither migrated nor restored), 'source_written' (the source of a
    migrated folio changed although nobody owns it now), 'quarantine' (a quarantined
    destination was freed or mapped)."""
    report = ValidationReport()
    problems: list[tuple[str, str]] = []
    parts = []
    for s in snaps:
        ps = pieces(s)
        report.nr_split += len(ps) > 1
        parts += ps

    # where each piece's bytes must be now, and each migrated piece's old source (if no
    # one owns it again), read in bulk
    wheres = [stats.moved.get(p.pfn, p.pfn) for p in parts]
    vacated = [p for p in parts
               if p.pfn in stats.moved and kernel.pfn_folio(p.pfn) is None]
    contents = await read_ranges(kernel.dev,
        [(w << PAGE_SHIFT, p.nr_pages << PAGE_SHIFT) for w, p in zip(wheres, parts)]
        + [(p.pfn << PAGE_SHIFT, p.nr_pages << PAGE_SHIFT) for p in vacated])
    for p, got in zip(vacated, contents[len(parts):]):
        got = np.asarray(got, dtype=np.uint8)
        if not np.array_equal(got, p.data):
            bad = int(np.flatnonzero(got != p.data)[0])
            problems.append(("source_written", f"source of migrated {p.name} was"
                             f" written at byte {bad:#x} (address"
                             f" {(p.pfn << PAGE_SHIFT) + bad:#x})"))
    for p, got in zip(parts, contents):
        dst_pfn = stats.moved.get(p.pfn)
        state = []
        if dst_pfn is not None:
            where, report.nr_migrated = dst_pfn, report.nr_migrated + 1
            folio = kernel.pfn_folio(dst_pfn)
            if folio is None or folio.pfn != dst_pfn or folio.nr_pages != p.nr_pages:
                problems.append(("lost", f"{p.name} moved to {dst_pfn:#x}, but no folio of"
                                 f" {p.nr_pages} page(s) lives there"))
                continue
        else:
            where, report.nr_stayed = p.pfn, report.nr_stayed + 1
            folio = kernel.pfn_folio(p.pfn)
            head = p.offset == 0
            if (folio is None or (head and folio is not p.snap.folio) or folio.pfn != p.pfn
                    or folio.nr_pages != p.nr_pages):
                what = p.snap.folio if head else p.name
                problems.append(("lost", f"{what} was not migrated but is no longer at"
                                 f" pfn {p.pfn:#x}"))
                continue
            if folio.movable_ops is None and "PG_lru" not in folio.flags:
                state.append("was not put back on the LRU")
            if "PG_isolated" in folio.flags:
                state.append("is still isolated")
        got = np.asarray(got, dtype=np.uint8)
        if not np.array_equal(got, p.data):
            bad = int(np.flatnonzero(got != p.data)[0])
            what = "destination" if dst_pfn is not None else "source (not migrated)"
            problems.append(("lost", f"{what} of {p.name} differs at byte {bad:#x}"
                             f" (address {(where << PAGE_SHIFT) + bad:#x})"))
        mappings = p.mappings
        for mm, va in mappings:
            vpn = va >> PAGE_SHIFT
            for i in range(p.nr_pages):
                entry = mm.pgtable.ptes.get(vpn + i)
                if entry != PTE(where + i):
                    state.append(f"{mm} {(vpn + i) << PAGE_SHIFT:#x}: {entry}, expected"
                                 f" PTE(pfn={where + i:#x})")
                    break
        if folio.mapcount != len(mappings):
            state.append(f"mapcount {folio.mapcount}, mapped {len(mappings)} times")
        if state:
            migrated = "migrated" if dst_pfn is not None else "not migrated"
            problems.append(("half_migrated", f"{folio} ({migrated}): " + "; ".join(state)))
        report.bytes_validated += p.nr_pages << PAGE_SHIFT
    for dst in kernel.quarantined:
        if kernel.pfn_folio(dst.pfn) is not dst or dst.refcount < 1 or dst.mapcount:
            problems.append(("quarantine", f"quarantined {dst} was freed or mapped"))
    return report, problems
