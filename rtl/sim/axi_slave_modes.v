// axi_slave_modes: simulation-only shim between an AXI4 master and an in-order slave
// (numa_mem), that exercises the permissions AXI gives a slave, chosen at run time.
//
// Contract:
//   * s_axi_*: the slave port the master sees; m_axi_*: the master port toward the memory.
//     Payloads pass by wire; the shim gates VALID/READY and, in the reordering modes,
//     buffers read data and write responses.
//   * mode (change it only while the bus is idle, e.g. during rst):
//       0       transparent: every signal passes by wire, zero added latency.
//       bit 0   AWREADY waits for WVALID: an AW is accepted only from the cycle after the
//               first W beat of its own burst was presented (W bursts follow AW order).
//               A master that waits for AWREADY before WVALID deadlocks here (A3.3.1).
//       bit 1   WREADY waits for AWVALID: a W beat is accepted only once its burst's AW
//               has been accepted here, and AWREADY rises only the cycle after AWVALID
//               (ready-after-valid).
//       bit 2   R and B out of order across IDs: completed read bursts (R_SLOTS buffers)
//               and write responses (B_SLOTS) are returned newest first among those whose
//               ID has nothing older waiting; a lone burst waits up to HOLD cycles (a lone
//               write response B_HOLD) for a second one to overtake it.
//       bit 3   R interleaving: beats of buffered read bursts of different IDs alternate
//               beat by beat (round robin over the slots that may go).
//     Per-ID order is always kept (a burst or response is eligible only when no older one
//     of its ID is waiting), every response keeps its own ID, and R beats of one burst
//     stay in order with RLAST on the last. Bursts are buffered whole before they go.
//   * stat_*: what the modes did since rst (a test asserts its mode took effect):
//     cycles an AW was held for its W (bit 0) and a W beat held for its AW (bit 1), read
//     bursts and write responses returned while an older one waited (bit 2), R beats
//     returned while another ID's burst was half returned (bit 3).
//   * rst: synchronous, active high; drops everything buffered, clears stat_*.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axi_slave_modes #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer ID_WIDTH = 8,
    parameter integer R_SLOTS = 4,      // read bursts buffered in modes bit 2 / bit 3
    parameter integer B_SLOTS = 8,      // write responses buffered in mode bit 2
    parameter integer HOLD = 16,        // cycles a lone read burst waits to be overtaken
    parameter integer B_HOLD = 128      // cycles a lone write response waits (write
                                        // bursts of different IDs end far apart)
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire [3:0]                mode,
    output reg  [31:0]               stat_aw_held,
    output reg  [31:0]               stat_w_held,
    output reg  [31:0]               stat_r_reordered,
    output reg  [31:0]               stat_b_reordered,
    output reg  [31:0]               stat_r_interleaved,

    input  wire [ID_WIDTH-1:0]       s_axi_awid,
    input  wire [ADDR_WIDTH-1:0]     s_axi_awaddr,
    input  wire [7:0]                s_axi_awlen,
    input  wire [2:0]                s_axi_awsize,
    input  wire [1:0]                s_axi_awburst,
    input  wire                      s_axi_awvalid,
    output wire                      s_axi_awready,
    input  wire [DATA_WIDTH-1:0]     s_axi_wdata,
    input  wire [DATA_WIDTH/8-1:0]   s_axi_wstrb,
    input  wire                      s_axi_wlast,
    input  wire                      s_axi_wvalid,
    output wire                      s_axi_wready,
    output wire [ID_WIDTH-1:0]       s_axi_bid,
    output wire [1:0]                s_axi_bresp,
    output wire                      s_axi_bvalid,
    input  wire                      s_axi_bready,
    input  wire [ID_WIDTH-1:0]       s_axi_arid,
    input  wire [ADDR_WIDTH-1:0]     s_axi_araddr,
    input  wire [7:0]                s_axi_arlen,
    input  wire [2:0]                s_axi_arsize,
    input  wire [1:0]                s_axi_arburst,
    input  wire                      s_axi_arvalid,
    output wire                      s_axi_arready,
    output wire [ID_WIDTH-1:0]       s_axi_rid,
    output wire [DATA_WIDTH-1:0]     s_axi_rdata,
    output wire [1:0]                s_axi_rresp,
    output wire                      s_axi_rlast,
    output wire                      s_axi_rvalid,
    input  wire                      s_axi_rready,

    output wire [ID_WIDTH-1:0]       m_axi_awid,
    output wire [ADDR_WIDTH-1:0]     m_axi_awaddr,
    output wire [7:0]                m_axi_awlen,
    output wire [2:0]                m_axi_awsize,
    output wire [1:0]                m_axi_awburst,
    output wire                      m_axi_awvalid,
    input  wire                      m_axi_awready,
    output wire [DATA_WIDTH-1:0]     m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]   m_axi_wstrb,
    output wire                      m_axi_wlast,
    output wire                      m_axi_wvalid,
    input  wire                      m_axi_wready,
    input  wire [ID_WIDTH-1:0]       m_axi_bid,
    input  wire [1:0]                m_axi_bresp,
    input  wire                      m_axi_bvalid,
    output wire                      m_axi_bready,
    output wire [ID_WIDTH-1:0]       m_axi_arid,
    output wire [ADDR_WIDTH-1:0]     m_axi_araddr,
    output wire [7:0]                m_axi_arlen,
    output wire [2:0]                m_axi_arsize,
    output wire [1:0]                m_axi_arburst,
    output wire                      m_axi_arvalid,
    input  wire                      m_axi_arready,
    input  wire [ID_WIDTH-1:0]       m_axi_rid,
    input  wire [DATA_WIDTH-1:0]     m_axi_rdata,
    input  wire [1:0]                m_axi_rresp,
    input  wire                      m_axi_rlast,
    input  wire                      m_axi_rvalid,
    output wire                      m_axi_rready
);
    wire aw_waits_w = mode[0];
    wire w_waits_aw = mode[1];
    wire reorder = mode[2];
    wire interleave = mode[3];
    wire r_buffered = reorder || interleave;
    wire b_buffered = reorder;

    // ------------------------------------------------------------- AR: by wire
    assign m_axi_arid = s_axi_arid;
    assign m_axi_araddr = s_axi_araddr;
    assign m_axi_arlen = s_axi_arlen;
    assign m_axi_arsize = s_axi_arsize;
    assign m_axi_arburst = s_axi_arburst;
    assign m_axi_arvalid = s_axi_arvalid;
    assign s_axi_arready = m_axi_arready;

    // ------------------------------------------------- AW and W: channel dependencies
    reg [15:0] aw_cnt;       // AW bursts accepted
    reg [15:0] wb_cnt;       // W bursts finished (WLAST accepted)
    reg        w_started;    // the current W burst has presented a beat
    reg        aw_seen;      // AWVALID was up, not accepted, last cycle
    wire [15:0] wp_cnt = wb_cnt + {15'd0, w_started};   // W bursts presented
    wire [15:0] w_ahead = wp_cnt - aw_cnt;
    wire [15:0] aw_ahead = aw_cnt - wb_cnt;
    wire aw_has_w = !aw_waits_w || (w_ahead != 16'd0 && !w_ahead[15]);
    wire aw_allow = aw_has_w && (!w_waits_aw || aw_seen);
    wire w_allow = !w_waits_aw || (aw_ahead != 16'd0 && !aw_ahead[15]);

    assign m_axi_awid = s_axi_awid;
    assign m_axi_awaddr = s_axi_awaddr;
    assign m_axi_awlen = s_axi_awlen;
    assign m_axi_awsize = s_axi_awsize;
    assign m_axi_awburst = s_axi_awburst;
    assign m_axi_awvalid = s_axi_awvalid && aw_allow;
    assign s_axi_awready = m_axi_awready && aw_allow;
    assign m_axi_wdata = s_axi_wdata;
    assign m_axi_wstrb = s_axi_wstrb;
    assign m_axi_wlast = s_axi_wlast;
    assign m_axi_wvalid = s_axi_wvalid && w_allow;
    assign s_axi_wready = m_axi_wready && w_allow;

    wire aw_hs = s_axi_awvalid && s_axi_awready;
    wire w_hs = s_axi_wvalid && s_axi_wready;
    always @(posedge clk) begin
        if (rst) begin
            aw_cnt <= 16'd0;
            wb_cnt <= 16'd0;
            w_started <= 1'b0;
            aw_seen <= 1'b0;
            stat_aw_held <= 32'd0;
            stat_w_held <= 32'd0;
        end else if (aw_waits_w || w_waits_aw) begin   // else nothing here changes
            if (s_axi_awvalid && !aw_has_w) stat_aw_held <= stat_aw_held + 32'd1;
            if (s_axi_wvalid && !w_allow) stat_w_held <= stat_w_held + 32'd1;
            if (aw_hs) aw_cnt <= aw_cnt + 16'd1;
            if (w_hs && s_axi_wlast) begin
                wb_cnt <= wb_cnt + 16'd1;
                w_started <= 1'b0;
            end else if (s_axi_wvalid) begin
                w_started <= 1'b1;
            end
            aw_seen <= s_axi_awvalid && !aw_hs;
        end
    end

    // ------------------------------------------------------------- R: buffered modes
    localparam integer RSL = (R_SLOTS > 1) ? $clog2(R_SLOTS) : 1;
    reg [DATA_WIDTH+1:0] rbuf [0:R_SLOTS*256-1];    // {resp, data} per beat
    reg [R_SLOTS-1:0]    r_used;                    // slot holds a burst (filling or full)
    reg [R_SLOTS-1:0]    r_full;                    // slot holds a whole burst
    reg [ID_WIDTH-1:0]   r_id   [0:R_SLOTS-1];
    reg [7:0]            r_len  [0:R_SLOTS-1];      // beats - 1
    reg [8:0]            r_sent [0:R_SLOTS-1];      // beats returned
    reg [15:0]           r_seq  [0:R_SLOTS-1];      // arrival order
    reg [7:0]            r_age  [0:R_SLOTS-1];      // cycles since it became whole, up to HOLD
    reg [15:0]           r_seq_next;
    reg                  r_filling;
    reg [RSL-1:0]        r_fill;
    reg [7:0]            r_fill_beat;
    reg [RSL-1:0]        r_last_slot;               // slot of the last beat returned

    reg                  ro_valid;                  // registered output beat
    reg [ID_WIDTH-1:0]   ro_id;
    reg [DATA_WIDTH-1:0] ro_data;
    reg [1:0]            ro_resp;
    reg                  ro_last;

    // a free slot for a new burst
    reg                  r_free_found;
    reg [RSL-1:0]        r_free;
    integer fi;
    always @(*) begin
        r_free_found = 1'b0;
        r_free = {RSL{1'b0}};
        for (fi = R_SLOTS - 1; fi >= 0; fi = fi - 1)
            if (!r_used[fi]) begin
                r_free_found = 1'b1;
                r_free = fi[RSL-1:0];
            end
    end

    // sequence number a was taken before b (16-bit numbers that wrap)
    function seq_before;
        input [15:0] a;
        input [15:0] b;
        begin
            seq_before = ((a - b) & 16'h8000) != 16'd0;
        end
    endfunction

    // slot k's burst has an older one of its ID buffered (changes only when a burst comes
    // or goes: kept apart from the pick below, which changes with every beat)
    reg [R_SLOTS-1:0]    r_blocked;
    integer bli, blj;
    always @(*) begin : r_order
        for (bli = 0; bli < R_SLOTS; bli = bli + 1) begin
            r_blocked[bli] = 1'b0;
            for (blj = 0; blj < R_SLOTS; blj = blj + 1) begin
                if (blj != bli && r_used[blj] && r_id[blj] == r_id[bli]
                    && seq_before(r_seq[blj], r_seq[bli]))
                    r_blocked[bli] = 1'b1;
            end
        end
    end

    // which slot returns the next beat
    reg                  r_pick_found;
    reg [RSL-1:0]        r_pick;
    reg [R_SLOTS-1:0]    r_elig;
    integer ei, full_n;
    always @(*) begin : r_choose
        reg        best_set;
        reg [15:0] best_seq;
        reg [RSL-1:0] idx;
        full_n = 0;
        for (ei = 0; ei < R_SLOTS; ei = ei + 1)
            if (r_full[ei]) full_n = full_n + 1;
        for (ei = 0; ei < R_SLOTS; ei = ei + 1) begin
            r_elig[ei] = r_full[ei] && !r_blocked[ei];
            // a burst not yet started waits for company (or HOLD cycles, or a full buffer)
            if (r_sent[ei] == 9'd0 && !(full_n >= 2 || r_age[ei] >= HOLD[7:0] || !r_free_found))
                r_elig[ei] = 1'b0;
        end
        r_pick_found = 1'b0;
        r_pick = {RSL{1'b0}};
        idx = {RSL{1'b0}};
        best_set = 1'b0;
        best_seq = 16'd0;
        if (interleave) begin
            // round robin starting after the slot of the last beat (R_SLOTS: a power of 2)
            for (ei = R_SLOTS; ei >= 1; ei = ei - 1) begin
                idx = r_last_slot + ei[RSL-1:0];
                if (r_elig[idx]) begin
                    r_pick_found = 1'b1;
                    r_pick = idx;
                end
            end
        end else begin
            // whole bursts: the newest that may go, unless one has started (finish it)
            for (ei = 0; ei < R_SLOTS; ei = ei + 1) begin
                if (r_elig[ei] && (!best_set || !seq_before(r_seq[ei], best_seq))) begin
                    best_set = 1'b1;
                    best_seq = r_seq[ei];
                    r_pick_found = 1'b1;
                    r_pick = ei[RSL-1:0];
                end
            end
            for (ei = 0; ei < R_SLOTS; ei = ei + 1)
                if (r_elig[ei] && r_sent[ei] != 9'd0) r_pick = ei[RSL-1:0];
        end
    end

    // some burst that came from the memory before slot k's is still buffered
    function r_older;
        input [RSL-1:0] k;
        integer oi;
        begin
            r_older = 1'b0;
            for (oi = 0; oi < R_SLOTS; oi = oi + 1) begin
                if (r_used[oi] && seq_before(r_seq[oi], r_seq[k])) r_older = 1'b1;
            end
        end
    endfunction

    wire r_in_hs = m_axi_rvalid && m_axi_rready;
    wire r_load = r_buffered && r_pick_found && (!ro_valid || s_axi_rready);
    assign m_axi_rready = r_buffered ? (r_filling || r_free_found) : s_axi_rready;
    assign s_axi_rvalid = r_buffered ? ro_valid : m_axi_rvalid;
    assign s_axi_rid = r_buffered ? ro_id : m_axi_rid;
    assign s_axi_rdata = r_buffered ? ro_data : m_axi_rdata;
    assign s_axi_rresp = r_buffered ? ro_resp : m_axi_rresp;
    assign s_axi_rlast = r_buffered ? ro_last : m_axi_rlast;

    integer ai;
    always @(posedge clk) begin : r_seq_blk
        reg [RSL-1:0] slot;
        if (rst) begin
            r_used <= {R_SLOTS{1'b0}};
            r_full <= {R_SLOTS{1'b0}};
            r_seq_next <= 16'd0;
            r_filling <= 1'b0;
            r_fill <= {RSL{1'b0}};
            r_fill_beat <= 8'd0;
            r_last_slot <= {RSL{1'b0}};
            ro_valid <= 1'b0;
            ro_last <= 1'b0;
            stat_r_reordered <= 32'd0;
            stat_r_interleaved <= 32'd0;
            for (ai = 0; ai < R_SLOTS; ai = ai + 1) begin
                r_sent[ai] <= 9'd0;
                r_age[ai] <= 8'd0;
                r_seq[ai] <= 16'd0;
            end
        end else if (r_buffered) begin                 // else nothing here changes
            if (r_full != {R_SLOTS{1'b0}})
                for (ai = 0; ai < R_SLOTS; ai = ai + 1)
                    if (r_full[ai] && r_age[ai] < HOLD[7:0]) r_age[ai] <= r_age[ai] + 8'd1;
            // take a beat from the memory
            if (r_buffered && r_in_hs) begin
                slot = r_filling ? r_fill : r_free;
                rbuf[{slot, (r_filling ? r_fill_beat : 8'd0)}] <= {m_axi_rresp, m_axi_rdata};
                if (!r_filling) begin
                    r_used[slot] <= 1'b1;
                    r_id[slot] <= m_axi_rid;
                    r_seq[slot] <= r_seq_next;
                    r_seq_next <= r_seq_next + 16'd1;
                    r_sent[slot] <= 9'd0;
                    r_age[slot] <= 8'd0;
                end
                if (m_axi_rlast) begin
                    r_full[slot] <= 1'b1;
                    r_len[slot] <= r_filling ? r_fill_beat : 8'd0;
                    r_filling <= 1'b0;
                end else begin
                    r_filling <= 1'b1;
                    r_fill <= slot;
                    r_fill_beat <= r_filling ? r_fill_beat + 8'd1 : 8'd1;
                end
            end
            // return a beat
            if (ro_valid && s_axi_rready) ro_valid <= 1'b0;
            if (r_load) begin : ret
                reg [DATA_WIDTH+1:0] beat;
                beat = rbuf[{r_pick, r_sent[r_pick][7:0]}];
                ro_valid <= 1'b1;
                ro_id <= r_id[r_pick];
                ro_data <= beat[DATA_WIDTH-1:0];
                ro_resp <= beat[DATA_WIDTH+1:DATA_WIDTH];
                ro_last <= r_sent[r_pick][7:0] == r_len[r_pick];
                r_last_slot <= r_pick;
                if (r_sent[r_pick] == 9'd0 && r_older(r_pick))
                    stat_r_reordered <= stat_r_reordered + 32'd1;
                if (r_pick != r_last_slot && r_used[r_last_slot] && r_sent[r_last_slot] != 9'd0)
                    stat_r_interleaved <= stat_r_interleaved + 32'd1;
                if (r_sent[r_pick][7:0] == r_len[r_pick]) begin
                    r_used[r_pick] <= 1'b0;
                    r_full[r_pick] <= 1'b0;
                    r_sent[r_pick] <= 9'd0;
                end else begin
                    r_sent[r_pick] <= r_sent[r_pick] + 9'd1;
                end
            end
        end
    end

    // ------------------------------------------------------------- B: buffered mode
    localparam integer BSL = (B_SLOTS > 1) ? $clog2(B_SLOTS) : 1;
    reg [B_SLOTS-1:0]    b_used;
    reg [ID_WIDTH-1:0]   b_id   [0:B_SLOTS-1];
    reg [1:0]            b_resp [0:B_SLOTS-1];
    reg [15:0]           b_seq  [0:B_SLOTS-1];
    reg [7:0]            b_age  [0:B_SLOTS-1];      // cycles since it came, up to B_HOLD
    reg [15:0]           b_seq_next;
    reg                  bo_valid;
    reg [ID_WIDTH-1:0]   bo_id;
    reg [1:0]            bo_resp;

    // slot k's response has an older one of its ID buffered (as r_blocked)
    reg [B_SLOTS-1:0]    b_blocked;
    integer bbi, bbj;
    always @(*) begin : b_order
        for (bbi = 0; bbi < B_SLOTS; bbi = bbi + 1) begin
            b_blocked[bbi] = 1'b0;
            for (bbj = 0; bbj < B_SLOTS; bbj = bbj + 1) begin
                if (bbj != bbi && b_used[bbj] && b_id[bbj] == b_id[bbi]
                    && seq_before(b_seq[bbj], b_seq[bbi]))
                    b_blocked[bbi] = 1'b1;
            end
        end
    end

    reg                  b_free_found;
    reg [BSL-1:0]        b_free;
    reg                  b_pick_found;
    reg [BSL-1:0]        b_pick;
    integer bi, b_n;
    always @(*) begin : b_choose
        reg [15:0] best;
        reg        ok;
        b_free_found = 1'b0;
        b_free = {BSL{1'b0}};
        b_n = 0;
        for (bi = B_SLOTS - 1; bi >= 0; bi = bi - 1) begin
            if (!b_used[bi]) begin
                b_free_found = 1'b1;
                b_free = bi[BSL-1:0];
            end else begin
                b_n = b_n + 1;
            end
        end
        b_pick_found = 1'b0;
        b_pick = {BSL{1'b0}};
        best = 16'd0;
        for (bi = 0; bi < B_SLOTS; bi = bi + 1) begin
            ok = b_used[bi] && !b_blocked[bi]
                 && (b_n >= 2 || b_age[bi] >= B_HOLD[7:0] || !b_free_found);
            if (ok && (!b_pick_found || !seq_before(b_seq[bi], best))) begin   // newest first
                b_pick_found = 1'b1;
                b_pick = bi[BSL-1:0];
                best = b_seq[bi];
            end
        end
    end

    wire b_in_hs = m_axi_bvalid && m_axi_bready;
    wire b_load = b_buffered && b_pick_found && (!bo_valid || s_axi_bready);
    assign m_axi_bready = b_buffered ? b_free_found : s_axi_bready;
    assign s_axi_bvalid = b_buffered ? bo_valid : m_axi_bvalid;
    assign s_axi_bid = b_buffered ? bo_id : m_axi_bid;
    assign s_axi_bresp = b_buffered ? bo_resp : m_axi_bresp;

    // some response that came from the memory before slot k's is still buffered
    function b_older;
        input [BSL-1:0] k;
        integer oi;
        begin
            b_older = 1'b0;
            for (oi = 0; oi < B_SLOTS; oi = oi + 1)
                if (b_used[oi] && seq_before(b_seq[oi], b_seq[k])) b_older = 1'b1;
        end
    endfunction

    integer bk;
    always @(posedge clk) begin
        if (rst) begin
            b_used <= {B_SLOTS{1'b0}};
            b_seq_next <= 16'd0;
            bo_valid <= 1'b0;
            stat_b_reordered <= 32'd0;
            for (bk = 0; bk < B_SLOTS; bk = bk + 1) begin
                b_age[bk] <= 8'd0;
                b_seq[bk] <= 16'd0;
            end
        end else if (b_buffered) begin                 // else nothing here changes
            if (b_used != {B_SLOTS{1'b0}})
                for (bk = 0; bk < B_SLOTS; bk = bk + 1)
                    if (b_used[bk] && b_age[bk] < B_HOLD[7:0]) b_age[bk] <= b_age[bk] + 8'd1;
            if (bo_valid && s_axi_bready) bo_valid <= 1'b0;
            if (b_load) begin
                bo_valid <= 1'b1;
                bo_id <= b_id[b_pick];
                bo_resp <= b_resp[b_pick];
                b_used[b_pick] <= 1'b0;
                if (b_older(b_pick)) stat_b_reordered <= stat_b_reordered + 32'd1;
            end
            if (b_buffered && b_in_hs) begin
                b_used[b_free] <= 1'b1;
                b_id[b_free] <= m_axi_bid;
                b_resp[b_free] <= m_axi_bresp;
                b_seq[b_free] <= b_seq_next;
                b_age[b_free] <= 8'd0;
                b_seq_next <= b_seq_next + 16'd1;
            end
        end
    end
endmodule

`resetall
