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
    nr_migrated: int = 0
    nr_stayed: int = 0



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
    longer isolated. Raises MigrationValidationError on the first problem found; see
    ``audit_migration`` for all of them, classified."""
    report, problems = await audit_migration(kernel, snaps, stats)
    if problems:
        raise MigrationValidationError(problems[0][1])
    return report

async def audit_migration(kernel: Kernel, snaps: list[FolioSnapshot], stats: MigrateStats
                          ) -> tuple[ValidationReport, list[tuple[str, str]]]:
    """Check every snapshotted folio (see ``verify_migration``) -> (report, problems).

    A problem is (class, message); classes: 'lost' (a folio's bytes are not where its
    mappings say it lives), 'half_migrated' (migration entries left, mappings, LRU or
    isolation state neither migrated nor restored), 'source_written' (the source of a
    migrated folio changed although nobody owns it now), 'quarantine' (a quarantined
    destination was freed or mapped)."""
    report = ValidationReport()
    problems: list[tuple[str, str]] = []

    # where each folio's bytes must be now, and each migrated folio's old source (if no
    # one owns it again), read in bulk
    wheres = [stats.moved.get(s.pfn, s.pfn) for s in snaps]
    vacated = [s for s in snaps
               if s.pfn in stats.moved and kernel.pfn_folio(s.pfn) is None]
    contents = await read_ranges(kernel.dev,
        [(w << PAGE_SHIFT, s.nr_pages << PAGE_SHIFT) for w, s in zip(wheres, snaps)]
        + [(s.pfn << PAGE_SHIFT, s.nr_pages << PAGE_SHIFT) for s in vacated])
    for s, got in zip(vacated, contents[len(snaps):]):
        got = np.asarray(got, dtype=np.uint8)
        if not np.array_equal(got, s.data):
            bad = int(np.flatnonzero(got != s.data)[0])
            problems.append(("source_written", f"source of migrated pfn {s.pfn:#x} was"
                             f" written at byte {bad:#x} (address"
                             f" {(s.pfn << PAGE_SHIFT) + bad:#x})"))
    for s, got in zip(snaps, contents):
        dst_pfn = stats.moved.get(s.pfn)
        state = []
        if dst_pfn is not None:
            where, report.nr_migrated = dst_pfn, report.nr_migrated + 1
            folio = kernel.pfn_folio(dst_pfn)
            if folio is None or folio.pfn != dst_pfn:
                problems.append(("lost", f"pfn {s.pfn:#x} moved to {dst_pfn:#x}, but no"
                                 " folio lives there"))
                continue
        else:
            where, report.nr_stayed = s.pfn, report.nr_stayed + 1
            folio = s.folio
            if kernel.pfn_folio(s.pfn) is not folio:
                problems.append(("lost", f"{folio} was not migrated but is no longer at"
                                 f" pfn {s.pfn:#x}"))
                continue
            if folio.movable_ops is None and "PG_lru" not in folio.flags:
                state.append("was not put back on the LRU")
            if "PG_isolated" in folio.flags:
                state.append("is still isolated")
        got = np.asarray(got, dtype=np.uint8)
        if not np.array_equal(got, s.data):
            bad = int(np.flatnonzero(got != s.data)[0])
            what = "destination" if dst_pfn is not None else "source (not migrated)"
            problems.append(("lost", f"{what} of pfn {s.pfn:#x} differs at byte {bad:#x}"
                             f" (address {(where << PAGE_SHIFT) + bad:#x})"))
        for mm, va in s.mappings:
            vpn = va >> PAGE_SHIFT
            for i in range(s.nr_pages):
                entry = mm.pgtable.ptes.get(vpn + i)
                if entry != PTE(where + i):
                    state.append(f"{mm} {(vpn + i) << PAGE_SHIFT:#x}: {entry}, expected"
                                 f" PTE(pfn={where + i:#x})")
                    break
        if folio.mapcount != len(s.mappings):
            state.append(f"mapcount {folio.mapcount}, mapped {len(s.mappings)} times")
        if state:
            migrated = "migrated" if dst_pfn is not None else "not migrated"
            problems.append(("half_migrated", f"{folio} ({migrated}): " + "; ".join(state)))
        report.bytes_validated += s.nr_pages << PAGE_SHIFT
    for dst in kernel.quarantined:
        if kernel.pfn_folio(dst.pfn) is not dst or dst.refcount < 1 or dst.mapcount:
            problems.append(("quarantine", f"quarantined {dst} was freed or mapped"))
    return report, problems
