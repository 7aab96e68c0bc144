/* layout_check: rtl/foliodma.h exercised from C, for tests/test_layout.py.
 *
 *   layout_check desc SRC DST LENGTH FLAGS COOKIE [...]  descriptors -> raw bytes on stdout
 *   layout_check records                                 raw records on stdin -> one line
 *                                                        "cookie status bytes fault reserved"
 *                                                        (decimal) per record on stdout
 *   layout_check regs                                    "NAME value" lines: register offsets
 *                                                        (queue registers of queue 3), bit
 *                                                        masks, CONFIG accessors
 * Exit status 2 on bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "foliodma.h"

static uint64_t arg64(const char *s)
{
    return strtoull(s, NULL, 0);
}

static int encode(int argc, char **argv)
{
    if (argc % 5 != 0)
        return 2;
    for (int i = 0; i < argc; i += 5) {
        struct foliodma_desc d;
        memset(&d, 0, sizeof d);
        d.src = arg64(argv[i]);
        d.dst = arg64(argv[i + 1]);
        d.length = (uint32_t)arg64(argv[i + 2]);
        d.flags = (uint32_t)arg64(argv[i + 3]);
        d.cookie = arg64(argv[i + 4]);
        if (fwrite(&d, sizeof d, 1, stdout) != 1)
            return 1;
    }
    return 0;
}

static int decode(void)
{
    struct foliodma_completion c;
    while (fread(&c, sizeof c, 1, stdin) == 1)
        printf("%llu %u %u %llu %llu\n", (unsigned long long)c.cookie, (unsigned)c.status,
               (unsigned)c.bytes_completed, (unsigned long long)c.fault_addr,
               (unsigned long long)c.reserved);
    return 0;
}

#define SHOW(name, value) printf("%s %llu\n", name, (unsigned long long)(value))

static int regs(void)
{
    SHOW("ENGINE_ID", FOLIODMA_ENGINE_ID);
    SHOW("REG_CONFIG", FOLIODMA_REG_CONFIG);
    SHOW("REG_IRQ_STATUS", FOLIODMA_REG_IRQ_STATUS);
    SHOW("REG_WR_STALL", FOLIODMA_REG_WR_STALL);
    SHOW("Q3_TAIL", FOLIODMA_QUEUE_REG(3, FOLIODMA_QREG_TAIL));
    SHOW("Q3_REC_FAULTS", FOLIODMA_QUEUE_REG(3, FOLIODMA_QREG_REC_FAULTS));
    SHOW("CTRL_SOFT_RESET", FOLIODMA_CTRL_SOFT_RESET_MASK);
    SHOW("QCTRL_ABORT", FOLIODMA_QCTRL_ABORT_MASK);
    SHOW("QSTATUS_RECORD_ERROR", FOLIODMA_QSTATUS_RECORD_ERROR_MASK);
    SHOW("CONFIG_PACK_4_6_16", foliodma_config_pack(4, 6, 16));
    SHOW("CONFIG_QUEUES", foliodma_config_queues(0x00100604u));
    SHOW("CONFIG_BUS_BYTES", foliodma_config_bus_bytes(0x00100604u));
    SHOW("CONFIG_BURSTS", foliodma_config_bursts(0x00100604u));
    SHOW("STATUS_FETCH_ERROR", FOLIODMA_STATUS_FETCH_ERROR);
    SHOW("BURST_BOUNDARY", FOLIODMA_BURST_BOUNDARY);
    SHOW("MAX_BURST_BEATS", FOLIODMA_MAX_BURST_BEATS);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "desc") == 0)
        return encode(argc - 2, argv + 2);
    if (argc == 2 && strcmp(argv[1], "records") == 0)
        return decode();
    if (argc == 2 && strcmp(argv[1], "regs") == 0)
        return regs();
    fprintf(stderr, "usage: layout_check desc SRC DST LENGTH FLAGS COOKIE ... | records | regs\n");
    return 2;
}
