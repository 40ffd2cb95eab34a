"""Touches N MiB of fresh anonymous memory, then exits: `python3 bench/prefault.py N`.

Why (bench/bench.py runs this before every measured run of every solver): this project's machine
is a virtual machine whose kernel hands free memory back to the host (virtio-balloon free page
reporting, `page_reporting.page_reporting_order=11` on the kernel command line). Memory that has
been free for a few seconds is no longer backed by the host, so the next process to touch it
waits for the host to back it again: ~2 s of system time per GiB, against ~0.15 s per GiB for
memory freed a moment before. Which of the two a run meets depended on what ran just before it,
and that, not the solvers, was most of the run-to-run spread of the large sizes. A process that
touches enough memory right before the run leaves it backed, freed a moment before, for the run
to find. Every solver gets the same treatment. Prints the time it took (a cold host shows here).
"""
import mmap
import resource
import sys
import time

PAGE = 4096


def main():
    mib = int(sys.argv[1])
    if mib <= 0:
        return
    t0 = time.perf_counter()
    size = mib << 20
    m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_HUGEPAGE"):
        try:  # as the solvers' allocators do; not every kernel allows it
            m.madvise(mmap.MADV_HUGEPAGE)
        except OSError:
            pass
    one = b"\x01"
    for off in range(0, size, PAGE):
        m[off:off + 1] = one
    m.close()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    print(f"prefault {mib} MiB: {time.perf_counter() - t0:.2f} s wall, {ru.ru_stime:.2f} s system")


if __name__ == "__main__":
    main()
