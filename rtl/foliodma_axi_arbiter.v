// foliodma_axi_arbiter: joins the queues' AXI4 masters onto one AXI4 master port.
//
// Contract: MR read masters (AR, R) and MW write masters (AW, W, B); each upstream master
// uses a single ID (it relies on in-order responses); the downstream ID is the upstream
// index (of its kind), so R and B are routed back by ID. AR and AW are granted
// round-robin, one burst per grant; a grant is held while its VALID waits for READY, so
// VALID and payload stay stable. W follows the order in which AWs are *issued*
// downstream (m_awvalid first raised for a burst), not accepted, through a routing FIFO
// (with a bypass for the burst issued this very cycle): an upstream master may present W
// before, with or after its AW, and W reaches the slave as soon as its AW is issued,
// never waiting for AWREADY (AXI A3.3.1: a slave may hold AWREADY low until it sees
// WVALID). Upstream W waits (s_wready low) until the arbiter has issued that master's AW;
// each upstream master presents its W bursts in its own AW order. With one write master
// W passes straight through (no routing FIFO).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_axi_arbiter #(
    parameter integer MR = 2,            // upstream read masters
    parameter integer MW = 1,            // upstream write masters
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer ID_WIDTH = 8,      // downstream ID width, >= clog2(MR), clog2(MW)
    parameter integer W_ROUTE_DEPTH = 64 // AW bursts issued whose W has not finished
) (
    input  wire                         clk,
    input  wire                         rst,

    input  wire [MR-1:0]                s_arvalid,
    output wire [MR-1:0]                s_arready,
    input  wire [MR*ADDR_WIDTH-1:0]     s_araddr,
    input  wire [MR*8-1:0]              s_arlen,
    output wire [MR-1:0]                s_rvalid,
    input  wire [MR-1:0]                s_rready,

    input  wire [MW-1:0]                s_awvalid,
    output wire [MW-1:0]                s_awready,
    input  wire [MW*ADDR_WIDTH-1:0]     s_awaddr,
    input  wire [MW*8-1:0]              s_awlen,
    input  wire [MW-1:0]                s_wvalid,
    output wire [MW-1:0]                s_wready,
    input  wire [MW*DATA_WIDTH-1:0]     s_wdata,
    input  wire [MW*DATA_WIDTH/8-1:0]   s_wstrb,
    input  wire [MW-1:0]                s_wlast,
    output wire [MW-1:0]                s_bvalid,
    input  wire [MW-1:0]                s_bready,

    output wire [ID_WIDTH-1:0]          m_arid,
    output wire [ADDR_WIDTH-1:0]        m_araddr,
    output wire [7:0]                   m_arlen,
    output wire                         m_arvalid,
    input  wire                         m_arready,
    input  wire [ID_WIDTH-1:0]          m_rid,
    input  wire                         m_rvalid,
    output wire                         m_rready,

    output wire [ID_WIDTH-1:0]          m_awid,
    output wire [ADDR_WIDTH-1:0]        m_awaddr,
    output wire [7:0]                   m_awlen,
    output wire                         m_awvalid,
    input  wire                         m_awready,
    output wire [DATA_WIDTH-1:0]        m_wdata,
    output wire [DATA_WIDTH/8-1:0]      m_wstrb,
    output wire                         m_wlast,
    output wire                         m_wvalid,
    input  wire                         m_wready,
    input  wire [ID_WIDTH-1:0]          m_bid,
    input  wire                         m_bvalid,
    output wire                         m_bready
);
    localparam integer SR = (MR > 1) ? $clog2(MR) : 1;   // select widths
    localparam integer SW = (MW > 1) ? $clog2(MW) : 1;

    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (MR < 1 || MR > 32) begin : check_mr
            foliodma_param_error_MR_must_be_1_to_32 param_error();
        end
        if (MW < 1 || MW > 32) begin : check_mw
            foliodma_param_error_MW_must_be_1_to_32 param_error();
        end
        if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512
            && DATA_WIDTH != 1024) begin : check_data_width
            foliodma_param_error_DATA_WIDTH_must_be_64_128_256_512_or_1024 param_error();
        end
        if (ADDR_WIDTH < 12 || ADDR_WIDTH > 64) begin : check_addr_width
            foliodma_param_error_ADDR_WIDTH_must_be_12_to_64 param_error();
        end
        if (ID_WIDTH < SR || ID_WIDTH < SW || ID_WIDTH > 32) begin : check_id_width
            foliodma_param_error_ID_WIDTH_must_be_clog2_of_MR_and_MW_to_32 param_error();
        end
        if (W_ROUTE_DEPTH < 1 || (W_ROUTE_DEPTH & (W_ROUTE_DEPTH - 1)) != 0 || W_ROUTE_DEPTH < 2) begin : check_w_route_depth
            foliodma_param_error_W_ROUTE_DEPTH_must_be_a_power_of_two_at_least_2 param_error();
        end
    endgenerate

    // ---------------------------------------------------------------- round-robin picks
    function [5:0] rr_pick;   // {found, index}: the first requester at or after start
        input [31:0] req;
        input [4:0] start;
        input integer n;      // requesters
        integer i;
        /* verilator lint_off UNUSEDSIGNAL */
        integer idx;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            rr_pick = 6'd0;
            for (i = 31; i >= 0; i = i - 1) begin
                if (i < n) begin
                    idx = ({27'd0, start} + i) % n;
                    if (req[idx]) rr_pick = {1'b1, idx[4:0]};
                end
            end
        end
    endfunction

    // ---------------------------------------------------------------------------- AR
    reg          ar_locked;
    reg [SR-1:0] ar_sel;
    reg [SR-1:0] ar_next;   // round-robin start
    /* verilator lint_off UNUSEDSIGNAL */
    wire [5:0]   ar_pick = rr_pick({{(32-MR){1'b0}}, s_arvalid}, {{(5-SR){1'b0}}, ar_next}, MR);
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SR-1:0] ar_cur = (MR == 1) ? {SR{1'b0}} : ar_locked ? ar_sel : ar_pick[SR-1:0];
    wire         ar_hs = m_arvalid && m_arready;

    assign m_arvalid = ar_locked || ar_pick[5];
    assign m_arid = {{(ID_WIDTH-SR){1'b0}}, ar_cur};
    assign m_araddr = s_araddr[ar_cur*ADDR_WIDTH +: ADDR_WIDTH];
    assign m_arlen = s_arlen[ar_cur*8 +: 8];

    always @(posedge clk) begin
        if (rst) begin
            ar_locked <= 1'b0;
            ar_sel <= {SR{1'b0}};
            ar_next <= {SR{1'b0}};
        end else if (ar_hs) begin
            ar_locked <= 1'b0;
            ar_next <= ({{(32-SR){1'b0}}, ar_cur} == MR - 1) ? {SR{1'b0}} : ar_cur + 1'b1;
        end else if (m_arvalid) begin
            ar_locked <= 1'b1;
            ar_sel <= ar_cur;
        end
    end

    // ---------------------------------------------------------------------------- AW
    wire         route_room;    // the W routing FIFO can take one more burst
    reg          aw_locked;
    reg [SW-1:0] aw_sel;
    reg [SW-1:0] aw_next;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [5:0]   aw_pick = rr_pick({{(32-MW){1'b0}}, s_awvalid}, {{(5-SW){1'b0}}, aw_next}, MW);
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SW-1:0] aw_cur = (MW == 1) ? {SW{1'b0}} : aw_locked ? aw_sel : aw_pick[SW-1:0];
    wire         aw_hs = m_awvalid && m_awready;
    wire         aw_issue = m_awvalid && !aw_locked;   // first cycle of a downstream AW

    // a new AW is issued only with room for its W route; once issued it is held (locked)
    assign m_awvalid = aw_locked || (aw_pick[5] && route_room);
    assign m_awid = {{(ID_WIDTH-SW){1'b0}}, aw_cur};
    assign m_awaddr = s_awaddr[aw_cur*ADDR_WIDTH +: ADDR_WIDTH];
    assign m_awlen = s_awlen[aw_cur*8 +: 8];

    always @(posedge clk) begin
        if (rst) begin
            aw_locked <= 1'b0;
            aw_sel <= {SW{1'b0}};
            aw_next <= {SW{1'b0}};
        end else if (aw_hs) begin
            aw_locked <= 1'b0;
            aw_next <= ({{(32-SW){1'b0}}, aw_cur} == MW - 1) ? {SW{1'b0}} : aw_cur + 1'b1;
        end else if (m_awvalid) begin
            aw_locked <= 1'b1;
            aw_sel <= aw_cur;
        end
    end

    // ----------------------------------------------------------------------------- W
    wire [SW-1:0] w_cur;
    wire          w_open;
    generate
        if (MW == 1) begin : one_writer
            // the only writer presents its W bursts in its AW order: no routing needed
            assign route_room = 1'b1;
            assign w_cur = {SW{1'b0}};
            assign w_open = 1'b1;
            assign m_wdata = s_wdata;     // (a plain connection: no select in simulation)
            assign m_wstrb = s_wstrb;
            assign m_wlast = s_wlast;
            wire unused_aw = &{1'b0, aw_issue};
        end else begin : routed
            wire [SW-1:0] route_head;
            wire          route_valid;
            wire          w_last_hs = m_wvalid && m_wready && m_wlast;
            /* verilator lint_off UNUSEDSIGNAL */
            wire [$clog2(W_ROUTE_DEPTH):0] route_count;
            /* verilator lint_on UNUSEDSIGNAL */
            assign w_cur = route_valid ? route_head : aw_cur;
            assign w_open = route_valid || aw_issue;   // never waits for AWREADY
            foliodma_fifo #(.WIDTH(SW), .DEPTH(W_ROUTE_DEPTH)) w_route (
                .clk(clk), .rst(rst),
                .in_data(aw_cur), .in_valid(aw_issue && !(!route_valid && w_last_hs)), .in_ready(route_room),
                .out_data(route_head), .out_valid(route_valid), .out_ready(w_last_hs && route_valid),
                .count(route_count)
            );
            assign m_wdata = s_wdata[w_cur*DATA_WIDTH +: DATA_WIDTH];
            assign m_wstrb = s_wstrb[w_cur*DATA_WIDTH/8 +: DATA_WIDTH/8];
            assign m_wlast = s_wlast[w_cur];
        end
    endgenerate

    assign m_wvalid = w_open && s_wvalid[w_cur];

    // ------------------------------------------------------------------ responses by ID
    wire [SR-1:0] r_dst = (MR == 1) ? {SR{1'b0}} : m_rid[SR-1:0];
    wire [SW-1:0] b_dst = (MW == 1) ? {SW{1'b0}} : m_bid[SW-1:0];
    // B is never refused: a slave answers a burst only after its WLAST, by which time the
    // upstream master has queued that burst's entry for its B (and says so on s_bready)
    assign m_rready = s_rready[r_dst];
    assign m_bready = 1'b1;

    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{1'b0, m_rid, m_bid, s_bready};   // only low ID bits route
    /* verilator lint_on UNUSEDSIGNAL */

    genvar g;
    generate
        for (g = 0; g < MR; g = g + 1) begin : route_r
            assign s_arready[g] = m_arready && (ar_cur == g[SR-1:0]) && m_arvalid;
            assign s_rvalid[g] = m_rvalid && (r_dst == g[SR-1:0]);
        end
        for (g = 0; g < MW; g = g + 1) begin : route_w
            assign s_awready[g] = m_awready && (aw_cur == g[SW-1:0]) && m_awvalid;
            assign s_wready[g] = m_wready && w_open && (w_cur == g[SW-1:0]);
            assign s_bvalid[g] = m_bvalid && (b_dst == g[SW-1:0]);
        end
    endgenerate
endmodule

`resetall
