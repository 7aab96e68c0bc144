// sparse_mem: simulation-only storage of numa_mem under Verilator (DPI-C), and its backdoor.
//
// Contract
//   * One store per process (numa_mem has one instance in a test bench): MEM_BYTES of
//     64-byte lines in blocks of BLOCK bytes, a block allocated (zeroed) on its first write;
//     a line of a block never written reads as zero. A 4 GiB memory costs what is written.
//   * numa_mem (rtl/sim/numa_mem.v, `ifdef VERILATOR) calls, from its clocked blocks:
//       simmem_init(bytes)                        once, at time 0
//       simmem_rd(line, edge, data)               read line `line` (index of a 64-byte line)
//       simmem_wr(line, edge, data)               write it
//     `edge` counts the clock's rising edges since time 0. A write made at edge E is seen by
//     reads at edges > E only (like a nonblocking assignment: a read and a write of one line
//     at the same edge read the old contents, whatever order the blocks run in).
//     Byte 0 of a line is bits [7:0] of `data` (svBitVecVal words, little-endian).
//   * The host (harness/rtl_device.py, ctypes on the simulator process, which exports these
//     symbols: the Verilator build links with -rdynamic) reads and writes bytes between
//     clock edges, with every earlier edge's writes applied:
//       simmem_host_write(addr, src, n)  simmem_host_read(addr, dst, n)   -> 0, -1 outside
//       simmem_blocks()                  blocks allocated (x BLOCK bytes of host memory)
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "svdpi.h"

namespace {

constexpr uint64_t LINE = 64;
constexpr unsigned BLOCK_SHIFT = 16;                 // 64 KiB blocks
constexpr uint64_t BLOCK = uint64_t(1) << BLOCK_SHIFT;

struct Pending {
    uint64_t line;
    uint64_t edge;
    uint8_t data[LINE];
};

struct Store {
    uint64_t bytes = 0;
    std::vector<std::unique_ptr<uint8_t[]>> blocks;  // null: never written (zero)
    std::vector<Pending> pending;                    // writes not yet visible, in edge order
    uint64_t nr_blocks = 0;

    uint8_t* block(uint64_t addr, bool create) {
        uint64_t b = addr >> BLOCK_SHIFT;
        if (b >= blocks.size()) {
            if (!create) return nullptr;
            blocks.resize(b + 1);
        }
        if (!blocks[b] && create) {
            blocks[b].reset(new uint8_t[BLOCK]());
            ++nr_blocks;
        }
        return blocks[b].get();
    }

    void put(uint64_t line, const uint8_t* data) {
        uint64_t addr = line * LINE;
        std::memcpy(block(addr, true) + (addr & (BLOCK - 1)), data, LINE);
    }

    // make the writes of edges before `edge` visible (all of them: UINT64_MAX)
    void apply(uint64_t edge) {
        size_t k = 0;
        while (k < pending.size() && pending[k].edge < edge) {
            put(pending[k].line, pending[k].data);
            ++k;
        }
        if (k) pending.erase(pending.begin(), pending.begin() + k);
    }

    void get(uint64_t addr, uint8_t* dst, uint64_t n) {
        while (n) {
            uint64_t off = addr & (BLOCK - 1);
            uint64_t chunk = BLOCK - off < n ? BLOCK - off : n;
            const uint8_t* b = block(addr, false);
            if (b)
                std::memcpy(dst, b + off, chunk);
            else
                std::memset(dst, 0, chunk);
            addr += chunk;
            dst += chunk;
            n -= chunk;
        }
    }

    void set(uint64_t addr, const uint8_t* src, uint64_t n) {
        while (n) {
            uint64_t off = addr & (BLOCK - 1);
            uint64_t chunk = BLOCK - off < n ? BLOCK - off : n;
            std::memcpy(block(addr, true) + off, src, chunk);
            addr += chunk;
            src += chunk;
            n -= chunk;
        }
    }
};

Store store;

}  // namespace

extern "C" {

void simmem_init(long long bytes) {
    store.bytes = uint64_t(bytes);
    store.blocks.clear();
    store.blocks.resize((store.bytes + BLOCK - 1) >> BLOCK_SHIFT);
    store.pending.clear();
    store.nr_blocks = 0;
}

void simmem_rd(long long line, long long edge, svBitVecVal* data) {
    store.apply(uint64_t(edge));
    store.get(uint64_t(line) * LINE, reinterpret_cast<uint8_t*>(data), LINE);
}

void simmem_wr(long long line, long long edge, const svBitVecVal* data) {
    store.apply(uint64_t(edge));
    Pending p;
    p.line = uint64_t(line);
    p.edge = uint64_t(edge);
    std::memcpy(p.data, data, LINE);
    store.pending.push_back(p);
}

int simmem_host_write(uint64_t addr, const uint8_t* src, uint64_t n) {
    if (addr + n > store.bytes || addr + n < addr) return -1;
    store.apply(UINT64_MAX);
    store.set(addr, src, n);
    return 0;
}

int simmem_host_read(uint64_t addr, uint8_t* dst, uint64_t n) {
    if (addr + n > store.bytes || addr + n < addr) return -1;
    store.apply(UINT64_MAX);
    store.get(addr, dst, n);
    return 0;
}

uint64_t simmem_blocks() { return store.nr_blocks; }

}  // extern "C"
