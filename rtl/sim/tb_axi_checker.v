// tb_axi_checker: cocotb test bench of axi_checker alone (tests/test_axi_checker.py).
//
// Contract: every input of the checker is a reg Python drives between clock edges
// (clk generated here, period 2 ns; rst high at time 0); error / errors are the checker's.
// The checker counts violations without stopping (STOP_ON_ERROR = 0) and flags an AW
// left waiting with its W withheld after WAIT_LIMIT = 16 cycles.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module tb_axi_checker;
    localparam integer DATA_WIDTH = 64;
    localparam integer ADDR_WIDTH = 32;
    localparam integer ID_WIDTH = 8;

    reg clk = 1'b0;
    always #1 clk = ~clk;
    reg rst = 1'b1;

    reg [ID_WIDTH-1:0]     awid = 0, bid = 0, arid = 0, rid = 0;
    reg [ADDR_WIDTH-1:0]   awaddr = 0, araddr = 0;
    reg [7:0]              awlen = 0, arlen = 0;
    reg [2:0]              awsize = 3'd3, arsize = 3'd3;
    reg [1:0]              awburst = 2'b01, arburst = 2'b01, bresp = 0, rresp = 0;
    reg                    awvalid = 0, awready = 0, wvalid = 0, wready = 0, wlast = 0;
    reg                    bvalid = 0, bready = 0, arvalid = 0, arready = 0;
    reg                    rvalid = 0, rready = 0, rlast = 0;
    reg [DATA_WIDTH-1:0]   wdata = 0, rdata = 0;
    reg [DATA_WIDTH/8-1:0] wstrb = 0;
    wire                   error;
    wire [31:0]            errors;

    axi_checker #(.DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH),
                  .WAIT_LIMIT(16), .STOP_ON_ERROR(0)) monitor (
        .clk(clk), .rst(rst),
        .awid(awid), .awaddr(awaddr), .awlen(awlen), .awsize(awsize), .awburst(awburst),
        .awvalid(awvalid), .awready(awready), .wdata(wdata), .wstrb(wstrb), .wlast(wlast),
        .wvalid(wvalid), .wready(wready), .bid(bid), .bresp(bresp), .bvalid(bvalid),
        .bready(bready), .arid(arid), .araddr(araddr), .arlen(arlen), .arsize(arsize),
        .arburst(arburst), .arvalid(arvalid), .arready(arready), .rid(rid), .rdata(rdata),
        .rresp(rresp), .rlast(rlast), .rvalid(rvalid), .rready(rready),
        .error(error), .errors(errors)
    );
endmodule

`resetall
