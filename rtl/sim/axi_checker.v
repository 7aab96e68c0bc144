// axi_checker: simulation-only AXI4 protocol monitor for one master port.
//
// Contract: watches the bus passively. On a violation it prints what and when, raises
// `error` (sticky until rst) and counts it in `errors`. Checked:
//   * a burst crosses a 4 KiB boundary, is not INCR, or has AxSIZE != the bus width
//     (bursts over 256 beats cannot be expressed in AxLEN[7:0]: the 4 KiB check covers
//     the rest, since 256 beats of 64 bytes would cross);
//   * VALID dropped, or payload changed, before READY, on AR, AW, W, R and B;
//   * WLAST not on the beat AWLEN says (W is matched to AW in order).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axi_checker #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer ID_WIDTH = 8
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

    // AWLEN of accepted bursts, in order, to check WLAST
    reg [7:0] aw_lens [0:1023];
    reg [10:0] aw_wr, aw_rd;
    reg [8:0]  w_beat;

    task violation;
        input [8*48-1:0] what;
        begin
            $display("%0t axi_checker %m: %0s", $time, what);
            error <= 1'b1;
            errors <= errors + 32'd1;
        end
    endtask

    function crosses_4k;
        input [ADDR_WIDTH-1:0] addr;
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
            aw_wr <= 11'd0; aw_rd <= 11'd0; w_beat <= 9'd0;
        end else begin
            // burst shape
            if (arvalid && arready) begin
                if (crosses_4k(araddr, arlen, arsize)) violation("AR burst crosses a 4 KiB boundary");
                if (arburst != 2'b01) violation("AR burst is not INCR");
                if (arsize != BBL[2:0]) violation("AR size is not the bus width");
            end
            if (awvalid && awready) begin
                if (crosses_4k(awaddr, awlen, awsize)) violation("AW burst crosses a 4 KiB boundary");
                if (awburst != 2'b01) violation("AW burst is not INCR");
                if (awsize != BBL[2:0]) violation("AW size is not the bus width");
                aw_lens[aw_wr[9:0]] <= awlen;
                aw_wr <= aw_wr + 11'd1;
            end
            // stability: once VALID is up it stays, with the same payload, until READY
            if (ar_wait && (!arvalid || ar_prev != {arid, araddr, arlen, arsize, arburst}))
                violation("AR VALID dropped or payload changed before READY");
            if (aw_wait && (!awvalid || aw_prev != {awid, awaddr, awlen, awsize, awburst}))
                violation("AW VALID dropped or payload changed before READY");
            if (w_wait && (!wvalid || w_prev != {wdata, wstrb, wlast}))
                violation("W VALID dropped or payload changed before READY");
            if (r_wait && (!rvalid || r_prev != {rid, rdata, rresp, rlast}))
                violation("R VALID dropped or payload changed before READY");
            if (b_wait && (!bvalid || b_prev != {bid, bresp}))
                violation("B VALID dropped or payload changed before READY");
            ar_wait <= arvalid && !arready;
            aw_wait <= awvalid && !awready;
            w_wait <= wvalid && !wready;
            r_wait <= rvalid && !rready;
            b_wait <= bvalid && !bready;
            // the payload is compared only the cycle after a VALID without READY: keep it
            // then only (a 512-bit copy per cycle and channel costs Icarus time)
            if (arvalid && !arready) ar_prev <= {arid, araddr, arlen, arsize, arburst};
            if (awvalid && !awready) aw_prev <= {awid, awaddr, awlen, awsize, awburst};
            if (wvalid && !wready) w_prev <= {wdata, wstrb, wlast};
            if (rvalid && !rready) r_prev <= {rid, rdata, rresp, rlast};
            if (bvalid && !bready) b_prev <= {bid, bresp};
            // WLAST on the beat AWLEN says (AW may arrive in the same cycle as its first W)
            if (wvalid && wready) begin
                if (aw_rd == aw_wr && !(awvalid && awready)) begin
                    violation("W beat before its AW");
                end else begin : wlast_check
                    reg [7:0] len;
                    len = (aw_rd == aw_wr) ? awlen : aw_lens[aw_rd[9:0]];
                    if (wlast != (w_beat == {1'b0, len})) violation("WLAST not on the last beat of the burst");
                    if (wlast) begin
                        w_beat <= 9'd0;
                        aw_rd <= aw_rd + 11'd1;
                    end else begin
                        w_beat <= w_beat + 9'd1;
                    end
                end
            end
        end
    end
endmodule

`resetall
