// foliodma_queue: the front end of one queue (descriptor ring in, completions retired).
//
// Contract:
//   * Registers: the per-queue block of harness/layout.py (QREG_*), reached through a
//     simple port (reg_wr with a 7-bit offset; reg_rdata decoded from reg_raddr).
//   * Ring fetch: when TAIL is ahead of the fetch pointer, reads up to FETCH_MAX
//     descriptors in one burst (never across the ring end or a 4 KiB boundary) into its
//     DESC_CACHE entries of the descriptor cache all queues share (foliodma_desc_cache,
//     block RAM), ahead of need: once at most FETCH_MAX / 2 fetched descriptors wait for
//     the mover; a descriptor can issue two cycles after its beat arrives at the earliest
//     (read out when the cache grants this queue, checked, then held for the mover). The fetch plan is
//     computed a cycle ahead (below). An entry is held until its completion is
//     retired, so descriptors in flight are bounded by DESC_CACHE. A descriptor that came with a bus error is
//     fetched again alone (one ring granule: the aligned max(32, bus bytes) bytes holding
//     it) before it issues, so which descriptors fail does not depend on how the ring was
//     cut into fetch bursts: exactly those whose own granule cannot be read.
//   * Issue: each descriptor goes to the mover in ring order, with its cookie and the
//     address of its record (COMP_BASE + slot * 32). Descriptors start in ring order but
//     their data may overlap in flight (a later one's reads can overtake an earlier one's
//     writes), except that one with DESC_FLAG_FENCE goes only when every earlier
//     descriptor of the queue has retired (all its writes acknowledged). A descriptor
//     the cache's check rejects (a flag bit outside DESC_FLAGS_KNOWN, length 0 or too long,
//     misaligned, beyond the bus address space) goes as a no-traffic command with
//     BAD_DESCRIPTOR; one whose lone refetch also failed goes as a
//     no-traffic FETCH_ERROR (cookie 0, fault = its own address); after ABORT every descriptor up
//     to the TAIL of that moment goes with ABORTED, even while the queue (or the engine)
//     is paused or disabled; descriptors already handed to the mover finish normally.
//   * Retire: the mover writes each record and reports, in order, once it is in memory;
//     a record reported stale is rewritten first (once, by the mover on request: fix_*).
//     HEAD then advances past it, so the driver never reads a record before it is final. A record whose write (or
//     rewrite) got an error response is not retried: the queue counts it (REC_FAULTS),
//     latches the first one's address (REC_FAULT_LO/HI), sets STATUS.RECORD_ERROR and
//     raises its interrupt; HEAD still advances (the data traffic is over). These clear
//     on reset and on a RING_ORDER write.
//   * Interrupt (irq_event pulse): when a descriptor with DESC_FLAG_IRQ, an error
//     status or a failed record write retires, after IRQ_COUNT retirements (if set), or IRQ_TIMEOUT cycles after
//     the last unreported one (if set).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_queue #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer DESC_CACHE = 64,    // descriptors held on chip (power of two, >= 32)
    parameter integer FETCH_MAX = 32      // descriptors per fetch burst (<= DESC_CACHE)
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire                     reg_wr,
    input  wire [6:0]               reg_waddr,
    input  wire [31:0]              reg_wdata,
    input  wire [6:0]               reg_raddr,
    output wire [31:0]              reg_rdata,

    input  wire                     engine_enable,
    input  wire                     quiesce,       // stop taking new work (soft reset pending)
    output wire                     busy,
    output wire                     drained,       // nothing in flight anywhere in this queue
    output wire                     irq_event,
    output wire [31:0]              cnt_rd_beats,
    output wire [31:0]              cnt_wr_beats,
    output wire [31:0]              cnt_desc_done,
    output wire                     retired,       // DESC_DONE counts one now
    output wire [31:0]              cnt_rd_stall,
    output wire [31:0]              cnt_wr_stall,

    // to and from the mover
    output wire                     cmd_valid,
    input  wire                     cmd_ready,
    output wire [ADDR_WIDTH-1:0]   cmd_src,
    output wire [ADDR_WIDTH-1:0]   cmd_dst,
    output wire [31:0]              cmd_len,
    output wire [8:0]               cmd_first,     // beats of its first burst
    output wire                     cmd_whole,     // ... which is all of it
    output wire [3:0]               cmd_status,
    output wire [63:0]              cmd_cookie,
    output wire [ADDR_WIDTH-1:0]   cmd_rec_addr,
    input  wire                     st_valid,
    input  wire [3:0]               st_status,
    input  wire [31:0]              st_bytes,
    input  wire [ADDR_WIDTH-1:0]   st_fault,
    input  wire                     st_stale,
    input  wire                     st_rec_err,
    output wire [15:0]              rate,
    input  wire                     mover_rd_beat,
    input  wire                     mover_wr_beat,
    input  wire                     mover_rd_stall,
    input  wire                     mover_wr_stall,

    // the mover rewrites a stale completion record on request
    output wire                     fix_valid,
    output wire [ADDR_WIDTH-1:0]   fix_rec_addr,
    output wire [63:0]              fix_cookie,
    output wire [3:0]               fix_status,
    output wire [31:0]              fix_bytes,
    output wire [ADDR_WIDTH-1:0]   fix_fault,
    input  wire                     fix_done,
    input  wire                     fix_err,

    // ring traffic: descriptor fetch (the beats' data goes straight into the cache)
    output wire [ADDR_WIDTH-1:0]    m_axi_araddr,
    output wire [7:0]               m_axi_arlen,
    output wire                     m_axi_arvalid,
    input  wire                     m_axi_arready,
    input  wire                     m_axi_rlast,
    input  wire                     m_axi_rvalid,
    output wire                     m_axi_rready,

    // this queue's entries in the shared descriptor cache (foliodma_desc_cache)
    output wire [(DATA_WIDTH >= 256 ? DATA_WIDTH / 256 : 256 / DATA_WIDTH)-1:0] c_wr_parts,
    output wire [$clog2(DESC_CACHE)-1:0] c_wr_pos,
    output wire                     c_rd_req,
    output wire [$clog2(DESC_CACHE)-1:0] c_rd_pos,
    input  wire                     c_ld_valid,
    input  wire [ADDR_WIDTH-1:0]    c_ld_src,
    input  wire [ADDR_WIDTH-1:0]    c_ld_dst,
    input  wire [31:0]              c_ld_len,
    input  wire                     c_ld_irq,
    input  wire                     c_ld_fence,
    input  wire [63:0]              c_ld_cookie,
    input  wire                     c_ld_fetch_err,
    input  wire                     c_ld_bad,
    input  wire [8:0]               c_ld_first,
    input  wire                     c_ld_whole
);
`include "rtl/foliodma_layout.vh"   // path from the repository root (the include root)

    localparam integer BB = DATA_WIDTH / 8;
    localparam integer BBL = $clog2(BB);
    localparam integer DCL = $clog2(DESC_CACHE);
    localparam integer SPB = (DATA_WIDTH >= 256) ? DATA_WIDTH / 256 : 1;  // slots per beat
    localparam integer BPS = (DATA_WIDTH >= 256) ? 1 : 256 / DATA_WIDTH;  // beats per slot
    // the bus address of base + slot * 32: the engine uses the bits of RING_BASE and
    // COMP_BASE below ADDR_WIDTH (harness/layout.py)
    function [ADDR_WIDTH-1:0] slot_addr;
        /* verilator lint_off UNUSEDSIGNAL */
        input [63:0] base;
        input [15:0] slot;
        reg [63:0] sum;       // (the bits above ADDR_WIDTH do not reach the ones below)
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            sum = base + {43'd0, slot, 5'd0};
            slot_addr = sum[ADDR_WIDTH-1:0];
        end
    endfunction

    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512
            && DATA_WIDTH != 1024) begin : check_data_width
            foliodma_param_error_DATA_WIDTH_must_be_64_128_256_512_or_1024 param_error();
        end
        if (ADDR_WIDTH < 12 || ADDR_WIDTH > 64) begin : check_addr_width
            foliodma_param_error_ADDR_WIDTH_must_be_12_to_64 param_error();
        end
        if (DESC_CACHE < 1 || (DESC_CACHE & (DESC_CACHE - 1)) != 0 || DESC_CACHE < 32 || DESC_CACHE > 4096) begin : check_desc_cache
            foliodma_param_error_DESC_CACHE_must_be_a_power_of_two_32_to_4096 param_error();
        end
        if (FETCH_MAX < 1 || FETCH_MAX > DESC_CACHE || FETCH_MAX > 256) begin : check_fetch_max
            foliodma_param_error_FETCH_MAX_must_be_1_to_DESC_CACHE_and_at_most_256 param_error();
        end
    endgenerate

    // ------------------------------------------------------------------ registers
    reg [63:0] ring_base;
    reg [63:0] comp_base;
    reg [4:0]  ring_order;
    reg [15:0] tail;
    reg [15:0] head;
    reg        q_enable;
    reg        q_pause;
    reg        q_error;
    reg        rec_error;    // STATUS.RECORD_ERROR
    reg [ADDR_WIDTH-1:0] rec_fault;   // REC_FAULT_HI:LO (a bus address)
    reg [31:0] rec_faults;   // REC_FAULTS
    reg [31:0] irq_count;
    reg [31:0] irq_timeout;
    reg        irq_count_on;    // IRQ_COUNT != 0, IRQ_TIMEOUT != 0 (set as they are written)
    reg        irq_timeout_on;
    reg [15:0] rate_reg;
    reg [31:0] busy_cycles, rd_beats, wr_beats, desc_done, rd_stalls, wr_stalls;

    // 2^ring_order - 1 (all ones from 16 up): bit k is set when ring_order > k
    wire [15:0] mask;
    genvar mk;
    generate
        for (mk = 0; mk < 16; mk = mk + 1) begin : mask_bit
            localparam [4:0] K = mk;
            assign mask[mk] = ring_order > K;
        end
    endgenerate

    function [15:0] ring_dist;      // ring distance from b forward to a
        input [15:0] a;
        input [15:0] b;
        input [15:0] m;
        begin
            ring_dist = (a - b) & m;
        end
    endfunction

    // counts of descriptors in the fetch plan: at most DESC_CACHE
    localparam integer NW = DCL + 1;

    // ring distance from b forward to a when it is known to be at most DESC_CACHE (the
    // fetched or retired-but-fetched spans): the low NW bits decide it. Likewise two of
    // head <= done_ptr <= issue_ptr <= fetch_ptr (fetch_ptr - head <= DESC_CACHE), or
    // f_start or issue_ptr + 1 against one of them, are equal exactly when their low NW
    // bits are: their ring distance is below 2^NW or one short of the ring (whose size is
    // 2^NW or less, or a multiple of it). So these compares, and done_ptr and f_start
    // themselves, keep only the low NW bits of a slot.
    function [NW-1:0] near_dist;
        /* verilator lint_off UNUSEDSIGNAL */
        input [15:0] a;
        input [15:0] b;
        input [15:0] m;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            near_dist = (a[NW-1:0] - b[NW-1:0]) & m[NW-1:0];
        end
    endfunction

    function [NW-1:0] at_most_fetch;     // min(x, FETCH_MAX)
        input [16:0] x;
        begin
            // (FETCH_MAX < 2^NW: the bits from NW up only say "more")
            at_most_fetch = (x[16:NW] != {(17-NW){1'b0}} || x[NW-1:0] > FETCH_MAX[NW-1:0])
                            ? FETCH_MAX[NW-1:0] : x[NW-1:0];
        end
    endfunction

    function [NW-1:0] min_n;
        input [NW-1:0] a;
        input [NW-1:0] b;
        begin
            min_n = (a < b) ? a : b;
        end
    endfunction

    // ---------------------------------------------------------------- ring state
    reg [15:0] fetch_ptr;    // next slot to fetch
    reg [15:0] issue_ptr;    // next slot to hand to the mover
    reg [NW-1:0] done_ptr;   // next slot whose status the mover will report (low bits: near_dist)
    reg        aborting;
    reg [15:0] abort_tail;

    // Per slot, besides its descriptor cache entry (foliodma_desc_cache), two small memories with one
    // write port each (distributed RAM): what the issue stage handed on, written at issue,
    // and the mover's report, written in order as it comes
    reg [64:0]  issued [0:DESC_CACHE-1];   // {DESC_FLAG_IRQ, cookie}
    localparam integer RPW = 38 + ADDR_WIDTH;
    reg [RPW-1:0] report [0:DESC_CACHE-1];   // {rec_err, stale, fault, bytes, status}

    wire ring_reset = reg_wr && reg_waddr == QREG_RING_ORDER;   // only while idle
    // ABORT flushes the ring up to its TAIL whatever ENABLE and PAUSE say (work stopped by
    // PAUSE or a disabled queue still completes, ABORTED); only a soft reset stops it
    wire running = engine_enable && q_enable && !q_pause;
    wire may_fetch = !quiesce && (running || aborting);

    // ------------------------------------------------------------- descriptor fetch
    reg        fetch_busy;
    reg [NW-1:0] f_start;    // (the slot's low bits: near_dist)
    reg [NW-1:0] f_left;     // descriptors of the burst not yet in
    reg [15:0] f_off;        // slots between the aligned burst start and f_start
    reg [8:0]  f_beat;
    reg        f_refetch;    // this burst refetches the issue slot alone
    reg        i_refetched;  // the issue slot's entry comes from a lone refetch

    wire [ADDR_WIDTH-1:0] f_addr = slot_addr(ring_base, fetch_ptr);
    wire [12:0] f_to4k_bytes = BURST_BOUNDARY[12:0] - {1'b0, f_addr[BURST_BOUNDARY_BITS-1:0]};
    wire [16:0] f_to4k = {9'd0, f_to4k_bytes[12:5]};
    wire [NW-1:0] f_room = DESC_CACHE[NW-1:0] - near_dist(fetch_ptr, head, mask);
    // slots from fetch_ptr to the ring end, at most FETCH_MAX: f_past + 1, f_past being the
    // slots after fetch_ptr (a compare with a constant and an NW-bit increment, not a
    // 17-bit subtraction)
    wire [15:0] f_past = ~fetch_ptr & mask;        // ring size - 1 - fetch_ptr
    wire [NW-1:0] f_to_end = (f_past[15:NW] != {(16-NW){1'b0}} || f_past[NW-1:0] >= FETCH_MAX[NW-1:0])
                             ? FETCH_MAX[NW-1:0] : f_past[NW-1:0] + 1'b1;
    // The fetch plan is computed in a register stage from the ring state, and used in the
    // next cycle only if nothing that could make it wrong happened in the cycle it was
    // computed in (s_ok: no register write but TAIL's, no descriptor beat). Anything else
    // that moved (HEAD, the issue slot) only makes it smaller than it could be.
    reg  [NW-1:0] s_tail;        // the stage: fetchable before TAIL, at most FETCH_MAX
    reg  [NW-1:0] s_avail;       //          before a 4 KiB boundary or the ring end (idem)
                                 //          if the cache has room for them, else its room
                                 //          in whole quarters of the cache
    reg         s_low;           //          at most FETCH_MAX / 2 fetched ones wait for it
    reg         s_ok;
    reg  [15:0] s_off;           //          slots between the aligned burst start and fetch_ptr
    reg  [ADDR_WIDTH-1:0] s_araddr;
    wire        f_tail_le = s_tail <= s_avail;
    wire [NW-1:0] f_want = f_tail_le ? s_tail : s_avail;
    // fetch once at most half a burst of fetched descriptors wait for the mover (so a
    // fetch's beats do not hold up data reads long before they are needed): all that
    // TAIL, the 4 KiB boundary and the ring end allow when the cache has room for it,
    // else as many whole quarters of the cache as are free (at least one). A fetch the
    // room cuts thus moves a multiple of a quarter of the cache (16 descriptors, 512
    // bytes): fetches that start aligned stay aligned, and a 4 KiB boundary does not leave
    // a few descriptors for a fetch of their own (fetches go one at a time, each costing
    // a whole read latency).
    wire        f_go = f_want != {NW{1'b0}} && s_low;
    // beats of a fetch burst of f_want descriptors starting s_off slots into a beat
    wire [15:0] f_span = (s_off + {{(16-NW){1'b0}}, f_want}) << 5;   // bytes from the aligned start
    wire [15:0] f_beats = (f_span + BB[15:0] - 16'd1) >> BBL;
    wire [2:0]  f_beat_slots;    // descriptors completed by this beat (0..4)
    assign m_axi_rready = 1'b1;
    wire r_hs = m_axi_rvalid;

    // a descriptor fetched with a bus error is fetched again alone before it issues
    reg         i_held;          // the issue slot's entry is read out and held (i_*, below)
    wire [ADDR_WIDTH-1:0] r_addr = slot_addr(ring_base, issue_ptr);
    wire [15:0] r_span = {{(16-BBL){1'b0}}, r_addr[BBL-1:0]} + 16'd32;
    wire [15:0] r_beats = (r_span + BB[15:0] - 16'd1) >> BBL;
    wire        i_aborted;
    reg         i_fetch_err;     // ... and it came with a bus error
    wire        need_refetch = i_held && i_fetch_err && !i_refetched
                               && !i_aborted && !quiesce && running;

    // the fetch's AR is asked for by wire, from the plan (or for a refetch: decided a cycle
    // ahead, so its VALID comes from flip-flops), and the arbiter takes it into the
    // engine's AR register slice in the same cycle; until taken it may change or go away
    // (it is not an AXI port). The burst is under way from then. (A refetch decided just
    // before an ABORT may still go: it reads the issue slot's granule again, harmlessly;
    // not after a soft reset's quiesce, which waits for every fetch to end.)
    reg         f_rf_want;
    wire        f_ask_refetch = f_rf_want && i_held && !fetch_busy && !quiesce;
    assign m_axi_arvalid = f_ask_refetch || (!fetch_busy && may_fetch && s_ok && f_go);
    assign m_axi_araddr = f_ask_refetch ? {r_addr[ADDR_WIDTH-1:BBL], {BBL{1'b0}}} : s_araddr;
    assign m_axi_arlen = f_ask_refetch ? r_beats[7:0] - 8'd1 : f_beats[7:0] - 8'd1;

    always @(posedge clk) begin
        f_rf_want <= !rst && !fetch_busy && need_refetch && !(m_axi_arvalid && m_axi_arready);
        if (rst) begin
            fetch_busy <= 1'b0;
            f_refetch <= 1'b0;
            fetch_ptr <= 16'd0;
            f_start <= {NW{1'b0}};
            f_left <= {NW{1'b0}};
            f_off <= 16'd0;
            f_beat <= 9'd0;
        end else begin
            if (ring_reset) fetch_ptr <= 16'd0;
            if (m_axi_arvalid && m_axi_arready) begin
                fetch_busy <= 1'b1;
                f_refetch <= f_ask_refetch;
                f_start <= f_ask_refetch ? issue_ptr[NW-1:0] : fetch_ptr[NW-1:0];
                f_left <= f_ask_refetch ? {{(NW-1){1'b0}}, 1'b1} : f_want;
                f_off <= f_ask_refetch ? {{(16-BBL){1'b0}}, r_addr[BBL-1:0]} >> 5 : s_off;
                f_beat <= 9'd0;
            end
            if (r_hs) begin
                f_beat <= f_beat + 9'd1;
                if (!f_refetch) fetch_ptr <= (fetch_ptr + {13'd0, f_beat_slots}) & mask;
                f_left <= f_left - {{(NW-3){1'b0}}, f_beat_slots};
                if (m_axi_rlast) fetch_busy <= 1'b0;
            end
        end
    end

    // a TAIL write reaches the stage in its own cycle (the doorbell's first fetch a cycle
    // sooner); any other register write makes the plan wait
    wire        tail_wr = reg_wr && reg_waddr == QREG_TAIL;
    wire [15:0] tail_next = tail_wr ? reg_wdata[15:0] & mask : tail;
    // (the stage's inputs as wires: in simulation they are worked out only when they change)
    wire [NW-1:0] f_tail = at_most_fetch({1'b0, ring_dist(tail_next, fetch_ptr, mask)});
    wire [NW-1:0] f_edge = min_n(at_most_fetch(f_to4k), f_to_end);
    // (the cache has room for all of it: for the descriptors before TAIL or for those up
    // to the boundary, whichever are fewer)
    wire          f_fits = f_edge <= f_room || f_tail <= f_room;
    wire          f_low = near_dist(fetch_ptr, issue_ptr, mask) <= FETCH_MAX[NW-1:0] / 2;
    always @(posedge clk) begin
        s_tail <= f_tail;
        // with nothing before TAIL to fetch the plan is empty (s_tail 0) whatever the rest
        // says, so the rest is left as it was (in simulation, a queue at rest does no work)
        if (rst) begin
            s_avail <= {NW{1'b0}};
            s_low <= 1'b0;
        end else if (tail_next != fetch_ptr) begin
            s_avail <= f_fits ? f_edge : f_room & ~(DESC_CACHE[NW-1:0] / 4 - 1'b1);
            s_low <= f_low;
            s_off <= {{(16-BBL){1'b0}}, f_addr[BBL-1:0]} >> 5;
            s_araddr <= {f_addr[ADDR_WIDTH-1:BBL], {BBL{1'b0}}};
        end
        s_ok <= !rst && !(reg_wr && !tail_wr) && !r_hs;
    end

    // ------------------------------------------------ descriptor cache (shared, block RAM)
    // This queue's DESC_CACHE entries of foliodma_desc_cache. The descriptor at ring slot s
    // sits at cache position p = s + lane0 (mod DESC_CACHE), where lane0 is the ring base's
    // 32-byte lane in a bus beat (0 on buses up to 256 bits): on a wide bus, position p is
    // in bank p % NB, the beat lane the descriptor arrives in, so a fetched beat writes
    // each bank at most once and all in one row; on a narrow bus a descriptor's beats fill
    // the parts of its row one by one.
    localparam integer NB = SPB;                      // banks: descriptors per bus beat
    wire [DCL-1:0] lane0 = ring_base[5 +: DCL] & (NB[DCL-1:0] - 1'b1);
    wire [DCL-1:0] f_pos0 = f_start[DCL-1:0] + lane0 - f_off[DCL-1:0];   // a bank-0 position

    genvar b;

    // descriptor beats into the cache: several slots per beat, or one slot from several
    generate
        if (DATA_WIDTH >= 256) begin : wide_fetch
            wire [NB-1:0] in_burst;      // lanes of this beat that hold a fetched descriptor
            reg [2:0] slots;
            always @(*) begin : count_slots
                integer k;
                slots = 3'd0;
                for (k = 0; k < NB; k = k + 1) slots = slots + {2'd0, in_burst[k]};
            end
            assign f_beat_slots = slots;
            wire [DCL-1:0] beat_pos = f_beat[DCL-1:0] * NB[DCL-1:0];   // the row's bank-0 position
            assign c_wr_pos = f_pos0 + beat_pos;
            // the first beat's descriptors start at lane f_off (< NB), the others' at lane 0;
            // f_left of them are still to come
            wire f_first = f_beat == 9'd0;
            for (b = 0; b < NB; b = b + 1) begin : lane
                localparam [NW-1:0] LANE = b;
                wire [NW-1:0] nth = f_first ? LANE - f_off[NW-1:0] : LANE;   // in this beat
                assign in_burst[b] = (!f_first || LANE >= f_off[NW-1:0]) && nth < f_left;
                assign c_wr_parts[b] = r_hs && in_burst[b];
            end
        end else begin : narrow_fetch
            /* verilator lint_off UNUSEDSIGNAL */
            wire [8:0] f_rel = f_beat / BPS[8:0];                 // slot of this beat in the burst
            /* verilator lint_on UNUSEDSIGNAL */
            wire [8:0] f_part = f_beat % BPS[8:0];                // its part
            assign f_beat_slots = {2'b0, f_part == BPS[8:0] - 9'd1};
            assign c_wr_pos = f_pos0 + f_rel[DCL-1:0];
            for (b = 0; b < BPS; b = b + 1) begin : part
                assign c_wr_parts[b] = r_hs && f_part == b;
            end
        end
    endgenerate

    // ------------------------------------------------------------------------ issue
    // The issue slot's entry is read out of the cache (c_rd_*: asked for, granted, and
    // loaded checked in the next cycle) into a register (i_*) that holds it until the
    // mover takes it; then the next slot's is asked for at once. A descriptor issues at
    // most every other cycle, two cycles after its beat was written at the earliest. A
    // refetch of the issue slot empties the register and asks again after its last beat.
    wire           cmd_hs = cmd_valid && cmd_ready;
    wire [NW-1:0]  i_succ = (issue_ptr[NW-1:0] + 1'b1) & mask[NW-1:0];
    wire [DCL-1:0] i_pos_cur = issue_ptr[DCL-1:0] + lane0;
    wire [DCL-1:0] i_pos_succ = i_succ[DCL-1:0] + lane0;
    wire           i_cur_fetched = fetch_ptr[NW-1:0] != issue_ptr[NW-1:0];
    wire           i_succ_fetched = fetch_ptr[NW-1:0] != i_succ;
    reg  [ADDR_WIDTH-1:0] i_src, i_dst;
    reg  [31:0]    i_len;
    reg            i_irq, i_fence, i_bad;
    reg  [8:0]     i_first;
    reg            i_whole;
    reg  [63:0]    i_cookie;
    assign c_rd_req = !c_ld_valid && !(fetch_busy && f_refetch) && !ring_reset
                      && (cmd_hs ? i_succ_fetched : !i_held && i_cur_fetched);
    assign c_rd_pos = cmd_hs ? i_pos_succ : i_pos_cur;
    always @(posedge clk) begin
        if (rst || ring_reset) begin
            i_held <= 1'b0;
        end else if (c_ld_valid) begin
            i_held <= 1'b1;
        end else if (cmd_hs || (r_hs && f_refetch)) begin
            i_held <= 1'b0;
        end
        if (c_ld_valid) begin
            i_src <= c_ld_src;
            i_dst <= c_ld_dst;
            i_len <= c_ld_len;
            i_irq <= c_ld_irq;
            i_fence <= c_ld_fence;
            i_cookie <= c_ld_cookie;
            i_fetch_err <= c_ld_fetch_err;
            i_bad <= c_ld_bad;
            i_first <= c_ld_first;
            i_whole <= c_ld_whole;
        end
    end
    assign i_aborted = aborting && abort_tail != issue_ptr;

    // FENCE: a descriptor that will move data starts only once every earlier one of this
    // queue has retired (its record's B is back, and B comes in order on the queue's ID,
    // after every data B of that descriptor): all their writes are acknowledged
    wire i_fence_wait = i_fence && !i_aborted && !i_fetch_err && !i_bad
                        && head[NW-1:0] != issue_ptr[NW-1:0];
    assign cmd_valid = i_held && !quiesce && (running || i_aborted) && !i_fence_wait
                       && !(i_fetch_err && !i_refetched && !i_aborted);
    assign cmd_src = i_src;
    assign cmd_dst = i_dst;
    assign cmd_len = i_len;
    assign cmd_first = i_first;
    assign cmd_whole = i_whole;
    assign cmd_status = i_aborted ? STATUS_ABORTED
                        : i_fetch_err ? STATUS_FETCH_ERROR
                        : (i_bad ? STATUS_BAD_DESCRIPTOR : 4'd0);
    // a FETCH_ERROR command carries its descriptor's address where the cookie goes (the
    // record says cookie 0, fault = that address: mover contract)
    assign cmd_cookie = (!i_aborted && i_fetch_err) ? {{(64-ADDR_WIDTH){1'b0}}, r_addr}
                        : i_fetch_err ? 64'd0 : i_cookie;
    assign cmd_rec_addr = slot_addr(comp_base, issue_ptr);
    assign rate = rate_reg;

    always @(posedge clk) begin
        if (rst) begin
            issue_ptr <= 16'd0;
            i_refetched <= 1'b0;
        end else if (ring_reset) begin
            issue_ptr <= 16'd0;
            i_refetched <= 1'b0;
        end else if (cmd_hs) begin
            issue_ptr <= (issue_ptr + 16'd1) & mask;
            i_refetched <= 1'b0;
        end else if (fetch_busy && f_refetch && r_hs && m_axi_rlast && f_start == issue_ptr[NW-1:0]) begin
            i_refetched <= 1'b1;
        end
    end

    // ------------------------------------------------- retire, rewriting stale records
    wire [DCL-1:0] h_slot = head[DCL-1:0];
    wire [64:0]    h_issued = issued[h_slot];
    wire [RPW-1:0] h_report = report[h_slot];
    // the mover has reported this slot, or reports it now (st_*: it retires in this cycle)
    wire           h_now = st_valid && head[NW-1:0] == done_ptr;
    wire           h_ready = head[NW-1:0] != done_ptr || st_valid;
    wire [3:0]     h_status = h_now ? st_status : h_report[3:0];
    // the head's rewrite: done (the record is right now), or failed (it never will be)
    reg            h_fixed;
    reg            h_fix_failed;
    wire           h_stale = (h_now ? st_stale : h_report[RPW-2]) && !h_fixed;
    wire           h_rec_err = (h_now ? st_rec_err : h_report[RPW-1]) || h_fix_failed;

    // a stale record is rewritten by the mover (fix_*): requested, held, until fix_done
    reg         fx_busy;
    // a record whose write failed is not rewritten: its slot in memory is left as it was
    wire        retire = h_ready && (!h_stale || h_rec_err) && !fx_busy;
    wire [ADDR_WIDTH-1:0] h_rec_addr = slot_addr(comp_base, head);
    assign fix_valid = fx_busy;
    assign fix_rec_addr = h_rec_addr;
    assign fix_cookie = h_issued[63:0];
    assign fix_status = h_status;
    assign fix_bytes = h_report[35:4];
    assign fix_fault = h_report[36 +: ADDR_WIDTH];

    always @(posedge clk) begin
        if (rst) begin
            done_ptr <= {NW{1'b0}};
            fx_busy <= 1'b0;
            h_fixed <= 1'b0;
            h_fix_failed <= 1'b0;
        end else begin
            if (ring_reset) begin
                done_ptr <= {NW{1'b0}};
            end else if (st_valid) begin
                done_ptr <= (done_ptr + 1'b1) & mask[NW-1:0];
            end
            if (!fx_busy && h_ready && h_stale && !h_rec_err) fx_busy <= 1'b1;
            if (fix_done) begin
                fx_busy <= 1'b0;
                h_fixed <= 1'b1;
                if (fix_err) h_fix_failed <= 1'b1;
            end
            if (retire || ring_reset) begin
                h_fixed <= 1'b0;
                h_fix_failed <= 1'b0;
            end
        end
    end

    always @(posedge clk) begin
        if (st_valid) report[done_ptr[DCL-1:0]] <= {st_rec_err, st_stale, st_fault, st_bytes, st_status};
        if (cmd_hs) issued[issue_ptr[DCL-1:0]] <= {i_irq, cmd_cookie};
    end

    // ---------------------------------------------------- head, interrupt, counters
    reg [31:0] unreported;
    reg [31:0] idle_cycles;
    // zero tests kept as flags beside their counters (no 32-bit compare): a counter that
    // steps by one is 0 afterwards only if it was all ones (the carry of its increment)
    reg        unrep_any;                                 // unreported != 0
    reg        rec_none;                                  // rec_faults == 0
    wire [32:0] unrep_inc = {1'b0, unreported} + 33'd1;
    wire [32:0] rec_inc = {1'b0, rec_faults} + 33'd1;
    wire h_irq = h_issued[64] || h_status != STATUS_SUCCESS
                 || h_rec_err;
    // the interrupt: as a retirement asks for it, or as the timeout runs out (a wire: the
    // engine's IRQ_STATUS takes it in this cycle)
    wire irq_on_retire = h_irq || (irq_count_on && unrep_inc[31:0] >= irq_count);
    wire irq_on_timeout = !retire && unrep_any && irq_timeout_on && idle_cycles + 32'd1 >= irq_timeout;
    assign irq_event = !rst && ((retire && irq_on_retire) || irq_on_timeout);

    always @(posedge clk) begin
        if (rst) begin
            head <= 16'd0;
            unreported <= 32'd0;
            unrep_any <= 1'b0;
            idle_cycles <= 32'd0;
            q_error <= 1'b0;
            rec_error <= 1'b0;
            rec_fault <= {ADDR_WIDTH{1'b0}};
            rec_faults <= 32'd0;
            rec_none <= 1'b1;
            desc_done <= 32'd0;
            aborting <= 1'b0;
            abort_tail <= 16'd0;
        end else begin
            if (ring_reset) begin
                head <= 16'd0;
                rec_error <= 1'b0;
                rec_fault <= {ADDR_WIDTH{1'b0}};
                rec_faults <= 32'd0;
                rec_none <= 1'b1;
            end else if (retire) begin
                head <= (head + 16'd1) & mask;
                if (h_rec_err) begin
                    rec_error <= 1'b1;
                    rec_faults <= rec_inc[31:0];
                    rec_none <= rec_inc[32];
                    if (rec_none) rec_fault <= h_rec_addr;
                end
            end
            if (retire) begin
                desc_done <= desc_done + 32'd1;
                idle_cycles <= 32'd0;
                if (h_status != STATUS_SUCCESS) q_error <= 1'b1;
                if (irq_on_retire) begin
                    unreported <= 32'd0;
                    unrep_any <= 1'b0;
                end else begin
                    unreported <= unrep_inc[31:0];
                    unrep_any <= !unrep_inc[32];
                end
            end else if (unrep_any) begin
                idle_cycles <= idle_cycles + 32'd1;
                if (irq_on_timeout) begin
                    unreported <= 32'd0;
                    unrep_any <= 1'b0;
                    idle_cycles <= 32'd0;
                end
            end
            if (reg_wr && reg_waddr == QREG_CONTROL && reg_wdata[QCTRL_ABORT_BIT]) begin
                aborting <= 1'b1;
                abort_tail <= tail;
            end else if (aborting && issue_ptr == abort_tail) begin
                aborting <= 1'b0;   // every descriptor up to that TAIL has been handed on
            end
        end
    end

    // the mover holds work of this queue: commands handed to it and not yet reported
    wire mover_busy = issue_ptr[NW-1:0] != done_ptr;
    assign busy = head != tail || fetch_busy || mover_busy || fx_busy;
    // (a fetch is in flight from its AR's handshake: fetch_busy; under quiesce none is
    // asked for)
    assign drained = !fetch_busy && !mover_busy && !fx_busy && head[NW-1:0] == done_ptr;

    always @(posedge clk) begin
        if (rst) begin
            busy_cycles <= 32'd0;
            rd_beats <= 32'd0;
            wr_beats <= 32'd0;
            rd_stalls <= 32'd0;
            wr_stalls <= 32'd0;
        end else begin
            if (busy) busy_cycles <= busy_cycles + 32'd1;
            if (mover_rd_beat) rd_beats <= rd_beats + 32'd1;
            if (mover_wr_beat) wr_beats <= wr_beats + 32'd1;
            if (mover_rd_stall) rd_stalls <= rd_stalls + 32'd1;
            if (mover_wr_stall) wr_stalls <= wr_stalls + 32'd1;
        end
    end
    assign cnt_rd_beats = rd_beats;
    assign cnt_wr_beats = wr_beats;
    assign cnt_desc_done = desc_done;
    assign retired = retire;
    assign cnt_rd_stall = rd_stalls;
    assign cnt_wr_stall = wr_stalls;

    // ------------------------------------------------------------ register access
    always @(posedge clk) begin
        if (rst) begin
            ring_base <= 64'd0;
            comp_base <= 64'd0;
            ring_order <= RING_ORDER_RESET[4:0];
            tail <= 16'd0;
            q_enable <= 1'b0;
            q_pause <= 1'b0;
            irq_count <= 32'd0;
            irq_timeout <= 32'd0;
            irq_count_on <= 1'b0;
            irq_timeout_on <= 1'b0;
            rate_reg <= 16'd0;
        end else if (reg_wr) begin
            case (reg_waddr)
                QREG_RING_BASE_LO: ring_base[31:0] <= reg_wdata;
                QREG_RING_BASE_HI: ring_base[63:32] <= reg_wdata;
                QREG_COMP_BASE_LO: comp_base[31:0] <= reg_wdata;
                QREG_COMP_BASE_HI: comp_base[63:32] <= reg_wdata;
                QREG_RING_ORDER: begin
                    // (RING_ORDER_MAX < 32: the bits above 4 only say "too large")
                    ring_order <= (reg_wdata[31:5] != 27'd0 || reg_wdata[4:0] > RING_ORDER_MAX[4:0])
                                  ? RING_ORDER_MAX[4:0]
                                  : (reg_wdata[4:0] < RING_ORDER_MIN[4:0]) ? RING_ORDER_MIN[4:0]
                                  : reg_wdata[4:0];
                    tail <= 16'd0;
                end
                QREG_TAIL: tail <= tail_next;
                QREG_CONTROL: begin
                    q_enable <= reg_wdata[QCTRL_ENABLE_BIT];
                    q_pause <= reg_wdata[QCTRL_PAUSE_BIT];
                end
                QREG_IRQ_COUNT: begin
                    irq_count <= reg_wdata;
                    irq_count_on <= reg_wdata != 32'd0;
                end
                QREG_IRQ_TIMEOUT: begin
                    irq_timeout <= reg_wdata;
                    irq_timeout_on <= reg_wdata != 32'd0;
                end
                QREG_RATE: rate_reg <= reg_wdata[15:0];
                default: ;
            endcase
        end
    end

    // register read: the word offset reg_raddr[6:2] indexes a table of the registers (a
    // mux tree on the offset's bits, smaller than a case's decode of every offset); an
    // offset with bits [1:0] set, or past the last register, reads 0. Each entry is its
    // own assignment, so a counter that moves changes only its entry. (The two bit-field
    // words are built apart, as they rarely change.)
    wire [31:0] control_word = ({31'd0, q_enable} << QCTRL_ENABLE_BIT)
                               | ({31'd0, q_pause} << QCTRL_PAUSE_BIT);
    wire [31:0] status_word = ({31'd0, !busy} << QSTATUS_IDLE_BIT)
                              | ({31'd0, q_pause && !mover_busy} << QSTATUS_PAUSED_BIT)
                              | ({31'd0, q_error} << QSTATUS_ERROR_BIT)
                              | ({31'd0, rec_error} << QSTATUS_RECORD_ERROR_BIT);
    wire [63:0] rec_fault_reg = {{(64-ADDR_WIDTH){1'b0}}, rec_fault};
    // the map fills words 0 .. RWORDS - 1 without a hole (harness/layout.py), the rest read 0
    localparam integer RWORDS = {27'd0, QREG_REC_FAULTS[6:2]} + 1;
    wire [31:0] rd_word [0:31];
    assign rd_word[QREG_RING_BASE_LO[6:2]] = ring_base[31:0];
    assign rd_word[QREG_RING_BASE_HI[6:2]] = ring_base[63:32];
    assign rd_word[QREG_COMP_BASE_LO[6:2]] = comp_base[31:0];
    assign rd_word[QREG_COMP_BASE_HI[6:2]] = comp_base[63:32];
    assign rd_word[QREG_RING_ORDER[6:2]]   = {27'd0, ring_order};
    assign rd_word[QREG_TAIL[6:2]]         = {16'd0, tail};
    assign rd_word[QREG_HEAD[6:2]]         = {16'd0, head};
    assign rd_word[QREG_CONTROL[6:2]]      = control_word;
    assign rd_word[QREG_STATUS[6:2]]       = status_word;
    assign rd_word[QREG_IRQ_COUNT[6:2]]    = irq_count;
    assign rd_word[QREG_IRQ_TIMEOUT[6:2]]  = irq_timeout;
    assign rd_word[QREG_RATE[6:2]]         = {16'd0, rate_reg};
    assign rd_word[QREG_BUSY_CYCLES[6:2]]  = busy_cycles;
    assign rd_word[QREG_RD_BEATS[6:2]]     = rd_beats;
    assign rd_word[QREG_WR_BEATS[6:2]]     = wr_beats;
    assign rd_word[QREG_DESC_DONE[6:2]]    = desc_done;
    assign rd_word[QREG_RD_STALL[6:2]]     = rd_stalls;
    assign rd_word[QREG_WR_STALL[6:2]]     = wr_stalls;
    assign rd_word[QREG_REC_FAULT_LO[6:2]] = rec_fault_reg[31:0];
    assign rd_word[QREG_REC_FAULT_HI[6:2]] = rec_fault_reg[63:32];
    assign rd_word[QREG_REC_FAULTS[6:2]]   = rec_faults;
    genvar rw;
    generate
        for (rw = RWORDS; rw < 32; rw = rw + 1) begin : rd_none
            assign rd_word[rw] = 32'd0;
        end
    endgenerate
    assign reg_rdata = (reg_raddr[1:0] == 2'd0) ? rd_word[reg_raddr[6:2]] : 32'd0;

    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{1'b0, r_beats, r_addr, f_addr, f_to4k_bytes, h_issued, f_beats, f_start, f_left, f_pos0,
                    f_off};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule

`resetall
