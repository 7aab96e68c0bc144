"""Assembly: the one place that builds the layers and hands each its collaborators.

    device (RtlDevice on the RTL, or ModelDevice) -> driver -> copy path -> kernel model

The layers below know nothing of the ones above: the kernel model receives a copy path
(``mm.CopyPath``) and the ranges it must not allocate; the copy path receives the device
and, for the DMA paths, a probed driver, which they use through a dmaengine client
(``copy_paths.DmaClient``: the driver's public calls only); the driver receives the device.
"""
from __future__ import annotations

from . import runner
from .copy_paths import DEFAULT_OFFLOAD_REASONS, DmaClient, make_copy_path
from .costs import DEFAULT_COSTS, Costs
from .driver import Driver
from .mm import Kernel


def make_kernel(dev, mode: str, driver: Driver | None = None, costs: Costs = DEFAULT_COSTS,
                seed: int = 0, reasons: int = DEFAULT_OFFLOAD_REASONS,
                client: DmaClient | None = None) -> Kernel:
    """The kernel model migrating with copy path ``mode`` (copy_paths.COPY_PATHS) on
    ``dev``; the DMA paths need a probed ``driver``, whose rings no folio may use, and drive
    it through ``client`` (default: a DmaClient of ``driver``)."""
    path = make_copy_path(mode, dev, costs=costs, driver=driver, reasons=reasons,
                          client=client)
    reserved = [driver.dma_region] if driver is not None else []
    return Kernel(dev, path, reserved=reserved, costs=costs, seed=seed)


async def bring_up(dut, ring_order: int = 9, nr_queues: int | None = None, *,
                   bus_bytes: int | None = None, queues: int | None = None,
                   latency: int | None = None, mem_bytes: int | None = None,
                   driver_cls=None, **driver_args):
    """Start the clock (if needed), build RtlDevice + Driver, reset, probe: -> (dev, drv).

    Every setting not given comes from the job's configuration (``runner.load_config()``):
    ``bus_bytes``, ``queues`` (engine queues, tb_top's NUM_QUEUES), ``latency`` (read and
    write latency of every node, default 8), ``mem_bytes`` (default 64 MiB). ``nr_queues``:
    queues the driver uses (default: all). ``driver_cls``: a Driver subclass (default Driver);
    ``driver_args`` go to its constructor. Faults, stalls and the stray-write check are cleared.
    """
    from . import rtl_device  # cocotb: only inside a simulation

    runner.start_clock_if_needed(dut)
    cfg = runner.load_config()
    bus_bytes = bus_bytes or cfg["bus_bytes"]
    queues = queues or cfg.get("queues", 1)
    latency = cfg.get("latency", 8) if latency is None else latency
    mem_bytes = mem_bytes or cfg.get("mem_bytes", rtl_device.DEFAULT_MEM_BYTES)
    dev = rtl_device.RtlDevice(dut, bus_bytes=bus_bytes, nr_queues=queues, mem_bytes=mem_bytes)
    dev.set_memory(rd_latency=latency, wr_latency=latency)
    dev.clear_faults()
    dev.allow_all_writes()
    dev.set_stalls(0)
    await dev.reset()
    drv = (driver_cls or Driver)(dev, nr_queues=nr_queues or queues, ring_order=ring_order,
                                 **driver_args)
    await drv.probe()
    return dev, drv
