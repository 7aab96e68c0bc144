// axi_checker: simulation-only AXI4 protocol monitor for one master port.
//
// Contract: watches the bus passively. On a violation it prints what and when, raises
// `error` (sticky until rst) and counts it in `errors`; with STOP_ON_ERROR it then ends
// the simulation ($finish), so a test fails at the violation, not at a later symptom.
// Checked, master side:
//   * a burst crosses a 4 KiB boundary, is not INCR, or has AxSIZE != the bus width
//     (bursts over 256 beats cannot be expressed in AxLEN[7:0]: the 4 KiB check covers
//     the rest, since 256 beats of 64 bytes would cross);
//   * VALID dropped, or payload changed, before READY, on AR, AW and W;
//   * WLAST exactly on the AWLEN-th beat (W bursts are matched to AWs in order; a slave
//     may take W before its AW: the check then waits for the AW);
//   * channel dependency (A3.3.1): the master must not wait for AWREADY before WVALID.
//     Flagged when an AW waits for READY for WAIT_LIMIT cycles while its own W burst is
//     next on W and WVALID stays low (a slave may hold AWREADY until it sees WVALID).
// Slave side:
//   * VALID dropped, or payload changed, before READY, on R and B;
//   * outstanding bounds and per-ID order: AR and AW are tracked per ID (NUM_IDS IDs,
//     ID_DEPTH reads outstanding per ID); an R beat or a B for an ID with nothing
//     outstanding is flagged (a B also needs its burst's AW and WLAST accepted);
//   * RLAST exactly on the ARLEN-th beat of the oldest outstanding read of its ID (R
//     bursts of different IDs may interleave; one ID's beats come burst after burst).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axi_checker #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer ID_WIDTH = 8,
    parameter integer NUM_IDS = 32,       // IDs tracked per ID (0 .. NUM_IDS-1), power of 2
    parameter integer ID_DEPTH = 64,      // reads outstanding per ID (power of 2)
    parameter integer WAIT_LIMIT = 256,   // cycles an AW may wait with its W withheld
    parameter integer STOP_ON_ERROR = 1   // $finish at the first violation
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire [ID_WIDTH-1:0]     awid,
    input  wire [ADDR_WIDTH-1:0]   awaddr,
    input  wire [7:0]              awlen,
    input  wire [2:0]              awsize,
    input  wire [1:0]              awburst,
    input  wire                    awvalid,
    input  wire                    awready,
    input  wire [DATA_WIDTH-1:0]   wdata,
    input  wire [DATA_WIDTH/8-1:0] wstrb,
    input  wire                    wlast,
    input  wire                    wvalid,
    input  wire                    wready,
    input  wire [ID_WIDTH-1:0]     bid,
    input  wire [1:0]              bresp,
    input  wire                    bvalid,
    input  wire                    bready,
    input  wire [ID_WIDTH-1:0]     arid,
    input  wire [ADDR_WIDTH-1:0]   araddr,
    input  wire [7:0]              arlen,
    input  wire [2:0]              arsize,
    input  wire [1:0]              arburst,
    input  wire                    arvalid,
    input  wire                    arready,
    input  wire [ID_WIDTH-1:0]     rid,
    input  wire [DATA_WIDTH-1:0]   rdata,
    input  wire [1:0]              rresp,
    input  wire                    rlast,
    input  wire                    rvalid,
    input  wire                    rready,
    output reg                     error,
    output reg  [31:0]             errors
);
    localparam integer BBL = $clog2(DATA_WIDTH / 8);

    reg [ADDR_WIDTH+8+3+2+ID_WIDTH-1:0] ar_prev, aw_prev;
    reg [DATA_WIDTH+DATA_WIDTH/8:0]     w_prev;
    reg [ID_WIDTH+DATA_WIDTH+2:0]       r_prev;
    reg [ID_WIDTH+1:0]                  b_prev;
    reg ar_wait, aw_wait, w_wait, r_wait, b_wait;

    // AWLEN and AWID of accepted bursts (number aw_wr counts them), W bursts in the
    // same order (wb counts finished ones), to check WLAST and when B may come
    localparam integer IDL = $clog2(NUM_IDS);
    localparam integer DPL = $clog2(ID_DEPTH);
    reg [7:0]     aw_lens [0:1023];
    reg [IDL-1:0] aw_ids  [0:1023];
    reg [7:0]     w_lens  [0:1023];       // beats - 1 of W bursts finished before their AW
    reg [10:0]    aw_wr, wb, b_done;      // b_done: bursts with AW and W both accepted
    reg [8:0]     w_beat;
    reg [15:0]    b_ok [0:NUM_IDS-1];     // per ID: writes done whose B has not come
    reg [31:0]    w_withheld;             // cycles an AW waited with its W withheld
    // per ID: ARLEN of outstanding reads, oldest first; beat of the burst now returning
    reg [7:0]     ar_lens [0:NUM_IDS*ID_DEPTH-1];
    reg [DPL:0]   ar_wp [0:NUM_IDS-1];
    reg [DPL:0]   ar_rp [0:NUM_IDS-1];
    reg [8:0]     r_beat [0:NUM_IDS-1];

    task violation;
        input [8*56-1:0] what;
        begin
            $display("%0t axi_checker %m: %0s", $time, what);
            error <= 1'b1;
            errors <= errors + 32'd1;
            if (STOP_ON_ERROR != 0) begin
                $display("%0t axi_checker %m: AXI protocol violation, simulation stopped", $time);
                $finish;
            end
        end
    endtask

    // a W burst's AW is known when the AW was accepted before it, or is accepted now
    wire [10:0] aw_ahead = aw_wr - wb;
    wire        w_aw_known = (aw_ahead != 11'd0 && !aw_ahead[10]);
    wire        b_pending = b_done != aw_wr && b_done != wb;   // a write just completed
    wire [IDL-1:0] b_pending_id = aw_ids[b_done[9:0]];
    wire [IDL-1:0] bid_t = bid[IDL-1:0];
    wire [IDL-1:0] rid_t = rid[IDL-1:0];
    wire [IDL-1:0] arid_t = arid[IDL-1:0];
    integer ii;

    // nothing to check or update this cycle: no VALID, no VALID left waiting, no write
    // completing and no AW wait being counted (then every statement below is a no-op;
    // testing this first keeps an idle bus cheap to simulate)
    wire quiet = !(arvalid || awvalid || wvalid || rvalid || bvalid || ar_wait || aw_wait
                   || w_wait || r_wait || b_wait || b_pending || w_withheld != 32'd0);

    function crosses_4k;
        /* verilator lint_off UNUSEDSIGNAL */
        input [ADDR_WIDTH-1:0] addr;    // only the offset in its 4 KiB page matters
        /* verilator lint_on UNUSEDSIGNAL */
        input [7:0] len;
        input [2:0] size;
        begin
            crosses_4k = ({20'd0, addr[11:0]} + (({24'd0, len} + 32'd1) << size)) > 32'd4096;
        end
    endfunction

    always @(posedge clk) begin
        if (rst) begin
            error <= 1'b0;
            errors <= 32'd0;
            ar_wait <= 1'b0; aw_wait <= 1'b0; w_wait <= 1'b0; r_wait <= 1'b0; b_wait <= 1'b0;
            aw_wr <= 11'd0; wb <= 11'd0; b_done <= 11'd0; w_beat <= 9'd0;
            w_withheld <= 32'd0;
            for (ii = 0; ii < NUM_IDS; ii = ii + 1) begin
                b_ok[ii] <= 16'd0;
                ar_wp[ii] <= {(DPL+1){1'b0}};
                ar_rp[ii] <= {(DPL+1){1'b0}};
                r_beat[ii] <= 9'd0;
            end
        end else if (!quiet) begin
            // per channel, only while it has a VALID up or one left waiting: shape at the
            // handshake; VALID and payload held until READY (the payload is kept only the
            // cycle after a VALID without READY: a 512-bit copy per cycle costs Icarus time)
            if (arvalid || ar_wait) begin
                if (arvalid && arready) begin
                    if (crosses_4k(araddr, arlen, arsize)) violation("AR burst crosses a 4 KiB boundary");
                    if (arburst != 2'b01) violation("AR burst is not INCR");
                    if (arsize != BBL[2:0]) violation("AR size is not the bus width");
                    if ({{(32-ID_WIDTH){1'b0}}, arid} >= NUM_IDS) violation("ARID beyond the IDs the checker tracks");
                    else if (ar_wp[arid_t] - ar_rp[arid_t] == ID_DEPTH[DPL:0])
                        violation("more reads outstanding on one ID than tracked");
                    ar_lens[{arid_t, ar_wp[arid_t][DPL-1:0]}] <= arlen;
                    ar_wp[arid_t] <= ar_wp[arid_t] + 1'b1;
                end
                if (ar_wait && (!arvalid || ar_prev != {arid, araddr, arlen, arsize, arburst}))
                    violation("AR VALID dropped or payload changed before READY");
                ar_wait <= arvalid && !arready;
                if (arvalid && !arready) ar_prev <= {arid, araddr, arlen, arsize, arburst};
            end
            if (awvalid || aw_wait) begin
                if (awvalid && awready) begin
                    if (crosses_4k(awaddr, awlen, awsize)) violation("AW burst crosses a 4 KiB boundary");
                    if (awburst != 2'b01) violation("AW burst is not INCR");
                    if (awsize != BBL[2:0]) violation("AW size is not the bus width");
                    if ({{(32-ID_WIDTH){1'b0}}, awid} >= NUM_IDS) violation("AWID beyond the IDs the checker tracks");
                    aw_lens[aw_wr[9:0]] <= awlen;
                    aw_ids[aw_wr[9:0]] <= awid[IDL-1:0];
                    aw_wr <= aw_wr + 11'd1;
                    // its W burst went ahead of it: it must have had AWLEN+1 beats
                    if (!w_aw_known && aw_wr != wb && w_lens[aw_wr[9:0]] != awlen)
                        violation("WLAST not on the last beat of the burst (W before AW)");
                    if (aw_wr == wb && w_beat > {1'b0, awlen})
                        violation("W burst longer than its AWLEN (W before AW)");
                end
                if (aw_wait && (!awvalid || aw_prev != {awid, awaddr, awlen, awsize, awburst}))
                    violation("AW VALID dropped or payload changed before READY");
                aw_wait <= awvalid && !awready;
                if (awvalid && !awready) aw_prev <= {awid, awaddr, awlen, awsize, awburst};
            end
            if (wvalid || w_wait) begin
                if (w_wait && (!wvalid || w_prev != {wdata, wstrb, wlast}))
                    violation("W VALID dropped or payload changed before READY");
                w_wait <= wvalid && !wready;
                if (wvalid && !wready) w_prev <= {wdata, wstrb, wlast};
            end
            // R: the oldest outstanding read of its ID, RLAST on its ARLEN-th beat
            if (rvalid || r_wait) begin
                if (r_wait && (!rvalid || r_prev != {rid, rdata, rresp, rlast}))
                    violation("R VALID dropped or payload changed before READY");
                if (rvalid && rready) begin
                    if ({{(32-ID_WIDTH){1'b0}}, rid} >= NUM_IDS) begin
                        violation("R for an ID the checker does not track");
                    end else if (ar_wp[rid_t] == ar_rp[rid_t]) begin
                        violation("R beat for an ID with no read outstanding");
                    end else begin : r_check
                        reg [7:0] len;
                        len = ar_lens[{rid_t, ar_rp[rid_t][DPL-1:0]}];
                        if (rlast != (r_beat[rid_t] == {1'b0, len}))
                            violation("RLAST not on the ARLEN-th beat of its ID's oldest read");
                        if (rlast) begin
                            r_beat[rid_t] <= 9'd0;
                            ar_rp[rid_t] <= ar_rp[rid_t] + 1'b1;
                        end else begin
                            r_beat[rid_t] <= r_beat[rid_t] + 9'd1;
                        end
                    end
                end
                r_wait <= rvalid && !rready;
                if (rvalid && !rready) r_prev <= {rid, rdata, rresp, rlast};
            end
            // B: only for a write whose AW and last W beat were both accepted, per ID
            if (b_pending) b_done <= b_done + 11'd1;
            if (bvalid || b_wait) begin
                if (b_wait && (!bvalid || b_prev != {bid, bresp}))
                    violation("B VALID dropped or payload changed before READY");
                if (bvalid && bready) begin
                    if ({{(32-ID_WIDTH){1'b0}}, bid} >= NUM_IDS) begin
                        violation("B for an ID the checker does not track");
                    end else if (b_ok[bid_t] == 16'd0 && !(b_pending && b_pending_id == bid_t)) begin
                        violation("B for an ID with no completed write outstanding");
                    end else begin
                        b_ok[bid_t] <= b_ok[bid_t] - 16'd1 + {15'd0, b_pending && b_pending_id == bid_t};
                    end
                end
                b_wait <= bvalid && !bready;
                if (bvalid && !bready) b_prev <= {bid, bresp};
            end
            if (b_pending && !(bvalid && bready && bid_t == b_pending_id))
                b_ok[b_pending_id] <= b_ok[b_pending_id] + 16'd1;
            // A3.3.1: an AW waiting for READY while its own W burst is withheld
            if (awvalid || w_withheld != 32'd0) begin
                if (awvalid && !awready && !wvalid && aw_wr == wb && w_beat == 9'd0) begin
                    w_withheld <= w_withheld + 32'd1;
                    if (w_withheld + 32'd1 == WAIT_LIMIT)
                        violation("W withheld while its AW waits for AWREADY (A3.3.1)");
                end else begin
                    w_withheld <= 32'd0;
                end
            end
            // WLAST on the beat AWLEN says (AW may be accepted in the same cycle as a W
            // beat, or after the whole burst: then it is checked when the AW comes)
            if (wvalid && wready) begin
                if (w_aw_known || (aw_wr == wb && awvalid && awready)) begin : wlast_check
                    reg [7:0] len;
                    len = w_aw_known ? aw_lens[wb[9:0]] : awlen;
                    if (wlast != (w_beat == {1'b0, len})) violation("WLAST not on the last beat of the burst");
                end else if (!wlast && w_beat == 9'd255) begin
                    violation("W burst longer than 256 beats");
                end
                if (wlast) begin
                    w_lens[wb[9:0]] <= w_beat[7:0];
                    w_beat <= 9'd0;
                    wb <= wb + 11'd1;
                end else begin
                    w_beat <= w_beat + 9'd1;
                end
            end
        end
    end
endmodule

`resetall
