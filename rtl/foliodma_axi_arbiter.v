// foliodma_axi_arbiter: joins the engine's AXI4 masters onto one AXI4 master port: MR read
// masters (the queues' ring fetches and the mover), and one write master (the mover).
//
// Contract: each read master uses a single ID (it relies on in-order responses); the
// downstream ARID is the master's index, so R is routed back by ID. AR is granted
// round-robin, one burst per grant, to the masters asking in that cycle: the grant is
// not held while READY is low (the engine puts a register slice behind the arbiter, and
// that slice's output is the AXI port), so a master may change or withdraw its request
// until it is taken, and the output's VALID and payload are stable only while the
// masters' are. The write master's AW, W and B pass straight through
// (one writer needs no W routing: its W bursts follow its own AW order, and it may
// present W before, with or after its AW; AXI A3.3.1), on ID 0.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_axi_arbiter #(
    parameter integer MR = 2,            // upstream read masters
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer ID_WIDTH = 8       // downstream ID width, >= clog2(MR)
) (
    input  wire                         clk,
    input  wire                         rst,

    input  wire [MR-1:0]                s_arvalid,
    output wire [MR-1:0]                s_arready,
    input  wire [MR*ADDR_WIDTH-1:0]     s_araddr,
    input  wire [MR*8-1:0]              s_arlen,
    output wire [MR-1:0]                s_rvalid,
    input  wire [MR-1:0]                s_rready,

    input  wire                         s_awvalid,
    output wire                         s_awready,
    input  wire [ADDR_WIDTH-1:0]        s_awaddr,
    input  wire [7:0]                   s_awlen,
    input  wire                         s_wvalid,
    output wire                         s_wready,
    input  wire [DATA_WIDTH-1:0]        s_wdata,
    input  wire [DATA_WIDTH/8-1:0]      s_wstrb,
    input  wire                         s_wlast,
    output wire                         s_bvalid,
    input  wire                         s_bready,

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
    localparam integer SR = (MR > 1) ? $clog2(MR) : 1;   // select width

    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (MR < 1 || MR > 32) begin : check_mr
            foliodma_param_error_MR_must_be_1_to_32 param_error();
        end
        if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512
            && DATA_WIDTH != 1024) begin : check_data_width
            foliodma_param_error_DATA_WIDTH_must_be_64_128_256_512_or_1024 param_error();
        end
        if (ADDR_WIDTH < 12 || ADDR_WIDTH > 64) begin : check_addr_width
            foliodma_param_error_ADDR_WIDTH_must_be_12_to_64 param_error();
        end
        if (ID_WIDTH < SR || ID_WIDTH > 32) begin : check_id_width
            foliodma_param_error_ID_WIDTH_must_be_clog2_of_MR_to_32 param_error();
        end
    endgenerate

    // ---------------------------------------------------------------- round-robin picks
    `include "rtl/foliodma_rr_pick.vh"   // rr_pick (path from the repository root)

    // ---------------------------------------------------------------------------- AR
    reg [SR-1:0] ar_next;   // round-robin start
    /* verilator lint_off UNUSEDSIGNAL */
    wire [5:0]   ar_pick = rr_pick({{(32-MR){1'b0}}, s_arvalid}, {{(5-SR){1'b0}}, ar_next}, MR);
    /* verilator lint_on UNUSEDSIGNAL */
    wire [SR-1:0] ar_cur = (MR == 1) ? {SR{1'b0}} : ar_pick[SR-1:0];
    wire         ar_hs = m_arvalid && m_arready;

    assign m_arvalid = ar_pick[5];
    assign m_arid = {{(ID_WIDTH-SR){1'b0}}, ar_cur};
    assign m_araddr = s_araddr[ar_cur*ADDR_WIDTH +: ADDR_WIDTH];
    assign m_arlen = s_arlen[ar_cur*8 +: 8];

    always @(posedge clk) begin
        if (rst) begin
            ar_next <= {SR{1'b0}};
        end else if (ar_hs) begin
            ar_next <= ({{(32-SR){1'b0}}, ar_cur} == MR - 1) ? {SR{1'b0}} : ar_cur + 1'b1;
        end
    end

    // ------------------------------------------------------- AW, W, B: one writer, by wire
    assign m_awvalid = s_awvalid;
    assign s_awready = m_awready;
    assign m_awid = {ID_WIDTH{1'b0}};
    assign m_awaddr = s_awaddr;
    assign m_awlen = s_awlen;
    assign m_wvalid = s_wvalid;
    assign s_wready = m_wready;
    assign m_wdata = s_wdata;
    assign m_wstrb = s_wstrb;
    assign m_wlast = s_wlast;
    assign s_bvalid = m_bvalid;
    // B is never refused: a slave answers a burst only after its WLAST, by which time the
    // writer has queued that burst's entry for its B (and says so on s_bready)
    assign m_bready = 1'b1;

    // ------------------------------------------------------------------- R by ID
    wire [SR-1:0] r_dst = (MR == 1) ? {SR{1'b0}} : m_rid[SR-1:0];
    assign m_rready = s_rready[r_dst];

    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{1'b0, m_rid, m_bid, s_bready};   // only low ID bits route; B by order
    /* verilator lint_on UNUSEDSIGNAL */

    genvar g;
    generate
        for (g = 0; g < MR; g = g + 1) begin : route_r
            assign s_arready[g] = m_arready && (ar_cur == g[SR-1:0]) && m_arvalid;
            assign s_rvalid[g] = m_rvalid && (r_dst == g[SR-1:0]);
        end
    endgenerate
endmodule

`resetall
