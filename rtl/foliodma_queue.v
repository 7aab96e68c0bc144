// foliodma_queue: the front end of one queue (descriptor ring in, completion records out).
//
// Contract:
//   * Registers: the per-queue block of harness/layout.py (QREG_*), reached through a
//     simple port (reg_wr with a 7-bit offset; reg_rdata decoded from reg_raddr).
//   * Ring fetch: when TAIL is ahead of the fetch pointer, reads up to FETCH_MAX
//     descriptors in one burst (never across the ring end or a 4 KiB boundary) into a
//     DESC_CACHE-entry cache, ahead of need. An entry is held until its completion
//     record is in memory, so in-flight descriptors are bounded by DESC_CACHE.
//   * Issue: each descriptor goes to the mover in ring order. One that cannot be
//     executed (length 0 or too long, misaligned, beyond the bus address space, fetched
//     with a bus error) goes as a no-traffic command with BAD_DESCRIPTOR; after ABORT
//     every descriptor up to the TAIL of that moment goes with ABORTED.
//   * Completion: statuses come back from the mover in order; records are written to
//     COMP_BASE + slot * 32, several adjacent records per burst when they are ready
//     together. HEAD advances only when a record's write response has arrived.
//   * Interrupt (irq_event pulse): when a record with DESC_FLAG_IRQ or an error status
//     is in memory, after IRQ_COUNT records (if set), or IRQ_TIMEOUT cycles after the
//     last unreported record (if set).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_queue #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer DESC_CACHE = 32,    // descriptors held on chip (power of two, >= 16)
    parameter integer FETCH_MAX = 16,     // descriptors per fetch burst
    parameter integer COMP_MAX = 16,      // completion records per write burst
    parameter integer COMP_WAIT = 64      // cycles a lone ready record waits for company
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire                     reg_wr,
    input  wire [6:0]               reg_waddr,
    input  wire [31:0]              reg_wdata,
    input  wire [6:0]               reg_raddr,
    output reg  [31:0]              reg_rdata,

    input  wire                     engine_enable,
    input  wire                     quiesce,       // stop taking new work (soft reset pending)
    output wire                     busy,
    output wire                     drained,       // nothing in flight anywhere in this queue
    output reg                      irq_event,
    output wire [31:0]              cnt_rd_beats,
    output wire [31:0]              cnt_wr_beats,
    output wire [31:0]              cnt_desc_done,
    output wire [31:0]              cnt_rd_stall,
    output wire [31:0]              cnt_wr_stall,

    // to and from the mover
    output wire                     cmd_valid,
    input  wire                     cmd_ready,
    output wire [63:0]              cmd_src,
    output wire [63:0]              cmd_dst,
    output wire [31:0]              cmd_len,
    output wire [3:0]               cmd_status,
    input  wire                     st_valid,
    input  wire [3:0]               st_status,
    input  wire [31:0]              st_bytes,
    input  wire [63:0]              st_fault,
    output wire [15:0]              rate,
    input  wire                     mover_busy,
    input  wire                     mover_rd_beat,
    input  wire                     mover_wr_beat,
    input  wire                     mover_rd_stall,
    input  wire                     mover_wr_stall,

    // ring traffic: descriptor fetch and completion write-back
    output reg  [ADDR_WIDTH-1:0]    m_axi_araddr,
    output reg  [7:0]               m_axi_arlen,
    output reg                      m_axi_arvalid,
    input  wire                     m_axi_arready,
    input  wire [DATA_WIDTH-1:0]    m_axi_rdata,
    input  wire [1:0]               m_axi_rresp,
    input  wire                     m_axi_rlast,
    input  wire                     m_axi_rvalid,
    output wire                     m_axi_rready,
    output reg  [ADDR_WIDTH-1:0]    m_axi_awaddr,
    output reg  [7:0]               m_axi_awlen,
    output reg                      m_axi_awvalid,
    input  wire                     m_axi_awready,
    output wire [DATA_WIDTH-1:0]    m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]  m_axi_wstrb,
    output wire                     m_axi_wlast,
    output wire                     m_axi_wvalid,
    input  wire                     m_axi_wready,
    input  wire [1:0]               m_axi_bresp,
    input  wire                     m_axi_bvalid,
    output wire                     m_axi_bready
);
`include "foliodma_layout.vh"

    localparam integer BB = DATA_WIDTH / 8;
    localparam integer BBL = $clog2(BB);
    localparam integer DCL = $clog2(DESC_CACHE);
    localparam integer SPB = (DATA_WIDTH >= 256) ? DATA_WIDTH / 256 : 1;  // slots per beat
    localparam integer BPS = (DATA_WIDTH >= 256) ? 1 : 256 / DATA_WIDTH;  // beats per slot
    localparam integer COMP_MIN = 2 * SPB;   // records worth a burst of their own

    // ------------------------------------------------------------------ registers
    reg [63:0] ring_base;
    reg [63:0] comp_base;
    reg [4:0]  ring_order;
    reg [15:0] tail;
    reg [15:0] head;
    reg        q_enable;
    reg        q_pause;
    reg        q_error;
    reg [31:0] irq_count;
    reg [31:0] irq_timeout;
    reg [15:0] rate_reg;
    reg [31:0] busy_cycles, rd_beats, wr_beats, desc_done, rd_stalls, wr_stalls;

    wire [15:0] mask = (ring_order >= 5'd16) ? 16'hFFFF : ((16'd1 << ring_order) - 16'd1);
    wire [16:0] ring_size = {1'b0, mask} + 17'd1;

    function [15:0] ring_dist;      // ring distance from b forward to a
        input [15:0] a;
        input [15:0] b;
        input [15:0] m;
        begin
            ring_dist = (a - b) & m;
        end
    endfunction

    function [15:0] min16;
        input [15:0] a;
        input [15:0] b;
        begin
            min16 = (a < b) ? a : b;
        end
    endfunction

    // ---------------------------------------------------------------- ring state
    reg [15:0] fetch_ptr;    // next slot to fetch
    reg [15:0] issue_ptr;    // next slot to hand to the mover
    reg [15:0] done_ptr;     // next slot whose status the mover will report
    reg [15:0] cw_ptr;       // next slot whose record is to be written
    reg        aborting;
    reg [15:0] abort_tail;

    reg [255:0] dcache [0:DESC_CACHE-1];
    reg         dbad   [0:DESC_CACHE-1];   // fetched with a bus error
    reg [3:0]   cs_status [0:DESC_CACHE-1];
    reg [31:0]  cs_bytes  [0:DESC_CACHE-1];
    reg [63:0]  cs_fault  [0:DESC_CACHE-1];

    wire ring_reset = reg_wr && reg_waddr == QREG_RING_ORDER;   // only while idle
    wire may_fetch = engine_enable && q_enable && !quiesce && (!q_pause || aborting);

    // ------------------------------------------------------------- descriptor fetch
    reg        fetch_busy;
    reg [15:0] f_start;
    reg [15:0] f_n;
    reg [15:0] f_off;        // slots between the aligned burst start and f_start
    reg [8:0]  f_beat;

    wire [63:0] f_addr = ring_base + {43'd0, fetch_ptr, 5'd0};
    wire [12:0] f_to4k_bytes = 13'd4096 - {1'b0, f_addr[11:0]};
    wire [15:0] f_to4k = {8'd0, f_to4k_bytes[12:5]};
    wire [15:0] f_room = DESC_CACHE[15:0] - ring_dist(fetch_ptr, head, mask);
    wire [16:0] f_to_end = ring_size - {1'b0, fetch_ptr};
    wire [15:0] f_want = min16(min16(ring_dist(tail, fetch_ptr, mask), f_room),
                               min16(min16(FETCH_MAX[15:0], f_to4k), f_to_end[15:0]));
    wire [15:0] f_span = {{(16-BBL){1'b0}}, f_addr[BBL-1:0]} + {f_want[10:0], 5'd0};   // bytes from the aligned start
    wire [15:0] f_beats = (f_span + BB[15:0] - 16'd1) >> BBL;
    assign m_axi_rready = 1'b1;
    wire r_hs = m_axi_rvalid;

    always @(posedge clk) begin
        if (rst) begin
            fetch_busy <= 1'b0;
            fetch_ptr <= 16'd0;
            f_start <= 16'd0;
            f_n <= 16'd0;
            f_off <= 16'd0;
            f_beat <= 9'd0;
            m_axi_arvalid <= 1'b0;
            m_axi_araddr <= {ADDR_WIDTH{1'b0}};
            m_axi_arlen <= 8'd0;
        end else begin
            if (m_axi_arvalid && m_axi_arready) m_axi_arvalid <= 1'b0;
            if (ring_reset) fetch_ptr <= 16'd0;
            if (!fetch_busy && may_fetch && f_want != 16'd0) begin
                fetch_busy <= 1'b1;
                f_start <= fetch_ptr;
                f_n <= f_want;
                f_off <= {{(16-BBL){1'b0}}, f_addr[BBL-1:0]} >> 5;
                f_beat <= 9'd0;
                m_axi_arvalid <= 1'b1;
                m_axi_araddr <= {f_addr[ADDR_WIDTH-1:BBL], {BBL{1'b0}}};
                m_axi_arlen <= f_beats[7:0] - 8'd1;
            end
            if (r_hs) begin
                f_beat <= f_beat + 9'd1;
                if (m_axi_rlast) begin
                    fetch_busy <= 1'b0;
                    fetch_ptr <= (f_start + f_n) & mask;
                end
            end
        end
    end

    // descriptor beats into the cache: several slots per beat, or one slot from several
    generate
        if (DATA_WIDTH >= 256) begin : wide_fetch
            always @(posedge clk) begin : take_beat
                integer k;
                reg [15:0] rel;
                reg [DCL-1:0] slot;
                if (r_hs) begin
                    for (k = 0; k < SPB; k = k + 1) begin
                        rel = {7'd0, f_beat} * SPB[15:0] + k[15:0] - f_off;
                        slot = f_start[DCL-1:0] + rel[DCL-1:0];   // wraps in the cache
                        if ({7'd0, f_beat} * SPB[15:0] + k[15:0] >= f_off && rel < f_n) begin
                            dcache[slot] <= m_axi_rdata[k*256 +: 256];
                            dbad[slot] <= m_axi_rresp != 2'b00;
                        end
                    end
                end
            end
        end else begin : narrow_fetch
            /* verilator lint_off UNUSEDSIGNAL */
            reg [255:0] f_asm;       // assembles a slot from narrow beats (oldest beat shifts out)
            /* verilator lint_on UNUSEDSIGNAL */
            reg         f_err;       // a part of that slot came with a bus error
            /* verilator lint_off UNUSEDSIGNAL */
            wire [8:0]     f_rel = f_beat / BPS[8:0];                 // slot of this beat in the burst
            /* verilator lint_on UNUSEDSIGNAL */
            wire [DCL-1:0] f_slot = f_start[DCL-1:0] + f_rel[DCL-1:0];
            wire        f_slot_done = (f_beat % BPS[8:0]) == BPS[8:0] - 9'd1;
            always @(posedge clk) begin
                if (rst) begin
                    f_asm <= 256'd0;
                    f_err <= 1'b0;
                end else if (r_hs) begin
                    f_asm <= {m_axi_rdata, f_asm[255:DATA_WIDTH]};
                    f_err <= f_slot_done ? 1'b0 : (f_err || m_axi_rresp != 2'b00);
                    if (f_slot_done) begin
                        dcache[f_slot] <= {m_axi_rdata, f_asm[255:DATA_WIDTH]};
                        dbad[f_slot] <= f_err || m_axi_rresp != 2'b00;
                    end
                end
            end
        end
    endgenerate

    // ------------------------------------------------------------------------ issue
    wire [DCL-1:0] i_slot = issue_ptr[DCL-1:0];
    wire [255:0] i_desc = dcache[i_slot];
    wire [63:0] i_src = i_desc[DESC_SRC_LSB +: 64];
    wire [63:0] i_dst = i_desc[DESC_DST_LSB +: 64];
    wire [31:0] i_len = i_desc[DESC_LENGTH_LSB +: 32];
    wire [64:0] i_src_end = {1'b0, i_src} + {33'd0, i_len};
    wire [64:0] i_dst_end = {1'b0, i_dst} + {33'd0, i_len};
    wire [64:0] bus_top = (ADDR_WIDTH >= 64) ? {1'b1, 64'd0} : (65'd1 << ADDR_WIDTH);
    wire i_bad = dbad[i_slot] || i_len == 32'd0 || i_len > DESC_MAX_LENGTH
                 || (i_src[5:0] | i_dst[5:0] | i_len[5:0]) != 6'd0
                 || i_src_end > bus_top || i_dst_end > bus_top;
    wire i_aborted = aborting && ring_dist(abort_tail, issue_ptr, mask) != 16'd0;

    assign cmd_valid = ring_dist(fetch_ptr, issue_ptr, mask) != 16'd0 && engine_enable && q_enable
                       && !quiesce && (!q_pause || i_aborted);
    assign cmd_src = i_src;
    assign cmd_dst = i_dst;
    assign cmd_len = i_len;
    assign cmd_status = i_aborted ? STATUS_ABORTED : (i_bad ? STATUS_BAD_DESCRIPTOR : 4'd0);
    assign rate = rate_reg;

    always @(posedge clk) begin
        if (rst) begin
            issue_ptr <= 16'd0;
            done_ptr <= 16'd0;
        end else begin
            if (ring_reset) issue_ptr <= 16'd0;
            else if (cmd_valid && cmd_ready) issue_ptr <= (issue_ptr + 16'd1) & mask;
            if (st_valid) begin
                cs_status[done_ptr[DCL-1:0]] <= st_status;
                cs_bytes[done_ptr[DCL-1:0]] <= st_bytes;
                cs_fault[done_ptr[DCL-1:0]] <= st_fault;
                done_ptr <= (done_ptr + 16'd1) & mask;
            end
            if (ring_reset) done_ptr <= 16'd0;
        end
    end

    // ------------------------------------------------------------ completion write
    localparam [1:0] CW_IDLE = 2'd0, CW_ADDR = 2'd1, CW_DATA = 2'd2;
    reg [1:0]  cw_state;
    reg [15:0] cw_start;
    reg [15:0] cw_n;
    reg [15:0] cw_off;
    reg [8:0]  cw_beat;
    reg [8:0]  cw_beats;
    reg        cw_irq;        // the burst holds a record that asks for an interrupt
    reg        cw_err;        // ... or an error record
    reg [7:0]  cw_wait;

    wire [15:0] cw_ready = ring_dist(done_ptr, cw_ptr, mask);
    wire [63:0] cw_addr = comp_base + {43'd0, cw_ptr, 5'd0};
    wire [12:0] cw_to4k_bytes = 13'd4096 - {1'b0, cw_addr[11:0]};
    wire [15:0] cw_to4k = {8'd0, cw_to4k_bytes[12:5]};
    wire [16:0] cw_to_end = ring_size - {1'b0, cw_ptr};
    wire [15:0] cw_want = min16(min16(cw_ready, COMP_MAX[15:0]), min16(cw_to4k, cw_to_end[15:0]));
    wire [15:0] cw_span = {{(16-BBL){1'b0}}, cw_addr[BBL-1:0]} + {cw_want[10:0], 5'd0};
    wire [15:0] cw_nbeats = (cw_span + BB[15:0] - 16'd1) >> BBL;

    // outstanding completion bursts: {n, irq, err}
    wire [17:0] cq_head;
    wire        cq_valid;
    wire        cq_room;
    wire        b_hs = m_axi_bvalid;
    wire [2:0]  cq_count;
    foliodma_fifo #(.WIDTH(18), .DEPTH(4)) comp_queue (
        .clk(clk), .rst(rst),
        .in_data({cw_n, cw_irq, cw_err}), .in_valid(m_axi_awvalid && m_axi_awready), .in_ready(cq_room),
        .out_data(cq_head), .out_valid(cq_valid), .out_ready(b_hs),
        .count(cq_count)
    );
    assign m_axi_bready = 1'b1;

    reg want_irq;
    reg want_err;
    always @(*) begin : scan_ready
        integer i;
        reg [DCL-1:0] s;
        want_irq = 1'b0;
        want_err = 1'b0;
        for (i = 0; i < COMP_MAX; i = i + 1) begin
            s = cw_ptr[DCL-1:0] + i[DCL-1:0];
            if (i < cw_want) begin
                if (dcache[s][DESC_FLAGS_LSB + DESC_FLAG_IRQ_BIT]) want_irq = 1'b1;
                if (cs_status[s] != STATUS_SUCCESS) want_err = 1'b1;
            end
        end
    end

    wire cw_go = cw_state == CW_IDLE && cw_want != 16'd0 && cq_room
                 && (cw_ready >= COMP_MIN[15:0] || done_ptr == tail || quiesce
                     || cw_wait >= COMP_WAIT[7:0]);

    always @(posedge clk) begin
        if (rst) begin
            cw_state <= CW_IDLE;
            cw_ptr <= 16'd0;
            cw_start <= 16'd0;
            cw_n <= 16'd0;
            cw_off <= 16'd0;
            cw_beat <= 9'd0;
            cw_beats <= 9'd0;
            cw_irq <= 1'b0;
            cw_err <= 1'b0;
            cw_wait <= 8'd0;
            m_axi_awvalid <= 1'b0;
            m_axi_awaddr <= {ADDR_WIDTH{1'b0}};
            m_axi_awlen <= 8'd0;
        end else begin
            if (ring_reset) cw_ptr <= 16'd0;
            if (cw_ready == 16'd0 || cw_go) cw_wait <= 8'd0;
            else if (cw_wait != 8'hFF) cw_wait <= cw_wait + 8'd1;
            case (cw_state)
                CW_IDLE: if (cw_go) begin
                    cw_state <= CW_ADDR;
                    cw_start <= cw_ptr;
                    cw_n <= cw_want;
                    cw_off <= {{(16-BBL){1'b0}}, cw_addr[BBL-1:0]} >> 5;
                    cw_beat <= 9'd0;
                    cw_beats <= cw_nbeats[8:0];
                    cw_irq <= want_irq;
                    cw_err <= want_err;
                    cw_ptr <= (cw_ptr + cw_want) & mask;
                    m_axi_awvalid <= 1'b1;
                    m_axi_awaddr <= {cw_addr[ADDR_WIDTH-1:BBL], {BBL{1'b0}}};
                    m_axi_awlen <= cw_nbeats[7:0] - 8'd1;
                end
                CW_ADDR: if (m_axi_awready) begin
                    m_axi_awvalid <= 1'b0;
                    cw_state <= CW_DATA;
                end
                default: if (m_axi_wready) begin
                    cw_beat <= cw_beat + 9'd1;
                    if (m_axi_wlast) cw_state <= CW_IDLE;
                end
            endcase
        end
    end

    assign m_axi_wvalid = cw_state == CW_DATA;
    assign m_axi_wlast = cw_beat == cw_beats - 9'd1;

    function [255:0] pack_record;    // a completion record from its fields
        input [63:0] cookie;
        input [3:0]  status;
        input [31:0] bytes;
        input [63:0] fault;
        begin
            pack_record = 256'd0;
            pack_record[COMP_COOKIE_LSB +: 64] = cookie;
            pack_record[COMP_STATUS_LSB +: 32] = {28'd0, status};
            pack_record[COMP_BYTES_COMPLETED_LSB +: 32] = bytes;
            pack_record[COMP_FAULT_ADDR_LSB +: 64] = fault;
        end
    endfunction

    // The records of the current beat. Arrays are read in continuous assignments (not
    // inside functions) so that simulators see every change.
    // (only the cookie of each descriptor, and the low bits of the positions, are used)
    /* verilator lint_off UNUSEDSIGNAL */
    genvar k;
    generate
        if (DATA_WIDTH >= 256) begin : wide_records
            for (k = 0; k < SPB; k = k + 1) begin : position
                wire [15:0]    at = {7'd0, cw_beat} * SPB[15:0] + k;   // position in the burst
                wire           valid = at >= cw_off && at - cw_off < cw_n;
                wire [15:0]    rel = at - cw_off;
                wire [DCL-1:0] slot = cw_start[DCL-1:0] + rel[DCL-1:0];
                wire [255:0]   desc = dcache[slot];
                assign m_axi_wdata[k*256 +: 256] = valid ? pack_record(desc[DESC_COOKIE_LSB +: 64],
                    cs_status[slot], cs_bytes[slot], cs_fault[slot]) : 256'd0;
                assign m_axi_wstrb[k*32 +: 32] = {32{valid}};
            end
        end else begin : narrow_records
            wire [8:0]     rel = cw_beat / BPS[8:0];     // record of this beat in the burst
            wire [8:0]     part = cw_beat % BPS[8:0];    // which part of it
            wire [DCL-1:0] slot = cw_start[DCL-1:0] + rel[DCL-1:0];
            wire [255:0]   desc = dcache[slot];
            wire [255:0]   rec = pack_record(desc[DESC_COOKIE_LSB +: 64], cs_status[slot],
                                             cs_bytes[slot], cs_fault[slot]);
            assign m_axi_wdata = rec[part * DATA_WIDTH +: DATA_WIDTH];
            assign m_axi_wstrb = {BB{1'b1}};
        end
    endgenerate
    /* verilator lint_on UNUSEDSIGNAL */

    // ---------------------------------------------------- head, interrupt, counters
    reg [31:0] unreported;
    reg [31:0] idle_cycles;
    wire [15:0] cq_n = cq_head[17:2];
    wire        b_err = m_axi_bresp != 2'b00;

    always @(posedge clk) begin
        irq_event <= 1'b0;
        if (rst) begin
            head <= 16'd0;
            unreported <= 32'd0;
            idle_cycles <= 32'd0;
            q_error <= 1'b0;
            desc_done <= 32'd0;
            aborting <= 1'b0;
            abort_tail <= 16'd0;
        end else begin
            if (ring_reset) begin
                head <= 16'd0;
            end else if (b_hs && cq_valid) begin
                head <= (head + cq_n) & mask;
                idle_cycles <= 32'd0;
            end
            if (b_hs && cq_valid) begin
                desc_done <= desc_done + {16'd0, cq_n};
                idle_cycles <= 32'd0;
                if (cq_head[0] || b_err) q_error <= 1'b1;
                if (cq_head[1] || cq_head[0] || b_err
                    || (irq_count != 32'd0 && unreported + {16'd0, cq_n} >= irq_count)) begin
                    irq_event <= 1'b1;
                    unreported <= 32'd0;
                end else begin
                    unreported <= unreported + {16'd0, cq_n};
                end
            end else if (unreported != 32'd0) begin
                idle_cycles <= idle_cycles + 32'd1;
                if (irq_timeout != 32'd0 && idle_cycles + 32'd1 >= irq_timeout) begin
                    irq_event <= 1'b1;
                    unreported <= 32'd0;
                    idle_cycles <= 32'd0;
                end
            end
            if (reg_wr && reg_waddr == QREG_CONTROL && reg_wdata[2]) begin
                aborting <= 1'b1;
                abort_tail <= tail;
            end else if (aborting && head == abort_tail) begin
                aborting <= 1'b0;
            end
        end
    end

    assign busy = head != tail || fetch_busy || mover_busy || cw_state != CW_IDLE || cq_valid;
    assign drained = !fetch_busy && !mover_busy && cw_state == CW_IDLE && !cq_valid
                     && cw_ptr == done_ptr && done_ptr == issue_ptr && !m_axi_arvalid;

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
    assign cnt_rd_stall = rd_stalls;
    assign cnt_wr_stall = wr_stalls;

    // ------------------------------------------------------------ register access
    always @(posedge clk) begin
        if (rst) begin
            ring_base <= 64'd0;
            comp_base <= 64'd0;
            ring_order <= 5'd1;
            tail <= 16'd0;
            q_enable <= 1'b0;
            q_pause <= 1'b0;
            irq_count <= 32'd0;
            irq_timeout <= 32'd0;
            rate_reg <= 16'd0;
        end else if (reg_wr) begin
            case (reg_waddr)
                QREG_RING_BASE_LO: ring_base[31:0] <= reg_wdata;
                QREG_RING_BASE_HI: ring_base[63:32] <= reg_wdata;
                QREG_COMP_BASE_LO: comp_base[31:0] <= reg_wdata;
                QREG_COMP_BASE_HI: comp_base[63:32] <= reg_wdata;
                QREG_RING_ORDER: begin
                    ring_order <= (reg_wdata > 32'd16) ? 5'd16
                                  : (reg_wdata == 32'd0) ? 5'd1 : reg_wdata[4:0];
                    tail <= 16'd0;
                end
                QREG_TAIL: tail <= reg_wdata[15:0] & mask;
                QREG_CONTROL: begin
                    q_enable <= reg_wdata[0];
                    q_pause <= reg_wdata[1];
                end
                QREG_IRQ_COUNT: irq_count <= reg_wdata;
                QREG_IRQ_TIMEOUT: irq_timeout <= reg_wdata;
                QREG_RATE: rate_reg <= reg_wdata[15:0];
                default: ;
            endcase
        end
    end

    always @(*) begin
        case (reg_raddr)
            QREG_RING_BASE_LO: reg_rdata = ring_base[31:0];
            QREG_RING_BASE_HI: reg_rdata = ring_base[63:32];
            QREG_COMP_BASE_LO: reg_rdata = comp_base[31:0];
            QREG_COMP_BASE_HI: reg_rdata = comp_base[63:32];
            QREG_RING_ORDER: reg_rdata = {27'd0, ring_order};
            QREG_TAIL: reg_rdata = {16'd0, tail};
            QREG_HEAD: reg_rdata = {16'd0, head};
            QREG_CONTROL: reg_rdata = {30'd0, q_pause, q_enable};
            QREG_STATUS: reg_rdata = {29'd0, q_error, q_pause && !mover_busy, !busy};
            QREG_IRQ_COUNT: reg_rdata = irq_count;
            QREG_IRQ_TIMEOUT: reg_rdata = irq_timeout;
            QREG_RATE: reg_rdata = {16'd0, rate_reg};
            QREG_BUSY_CYCLES: reg_rdata = busy_cycles;
            QREG_RD_BEATS: reg_rdata = rd_beats;
            QREG_WR_BEATS: reg_rdata = wr_beats;
            QREG_DESC_DONE: reg_rdata = desc_done;
            QREG_RD_STALL: reg_rdata = rd_stalls;
            QREG_WR_STALL: reg_rdata = wr_stalls;
            default: reg_rdata = 32'd0;
        endcase
    end
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{1'b0, f_addr, f_to4k_bytes, f_to_end, f_beats, i_desc, cw_start, cw_addr,
                    cw_to4k_bytes, cw_to_end, cw_nbeats, f_off, cw_off, cq_count};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule

`resetall
