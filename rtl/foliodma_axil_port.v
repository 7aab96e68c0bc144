// foliodma_axil_port: AXI4-Lite slave to a simple register port.
//
// Contract: a write is taken when AW and W are both valid (WSTRB is ignored: registers
// are written as whole 32-bit words) and shows as a one-cycle reg_wr with address and
// data; its B (OKAY) follows the next cycle. A read samples reg_rdata, decoded
// combinationally from reg_raddr = ARADDR, into a registered R (OKAY).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_axil_port #(
    parameter integer ADDR_WIDTH = 12
) (
    input  wire                  clk,
    input  wire                  rst,

    input  wire [ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire                  s_axil_awvalid,
    output wire                  s_axil_awready,
    input  wire [31:0]           s_axil_wdata,
    input  wire                  s_axil_wvalid,
    output wire                  s_axil_wready,
    output wire [1:0]            s_axil_bresp,
    output reg                   s_axil_bvalid,
    input  wire                  s_axil_bready,
    input  wire [ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire                  s_axil_arvalid,
    output wire                  s_axil_arready,
    output reg  [31:0]           s_axil_rdata,
    output wire [1:0]            s_axil_rresp,
    output reg                   s_axil_rvalid,
    input  wire                  s_axil_rready,

    output wire                  reg_wr,
    output wire [ADDR_WIDTH-1:0] reg_waddr,
    output wire [31:0]           reg_wdata,
    output wire [ADDR_WIDTH-1:0] reg_raddr,
    input  wire [31:0]           reg_rdata
);
    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (ADDR_WIDTH < 12 || ADDR_WIDTH > 32) begin : check_addr_width
            foliodma_param_error_ADDR_WIDTH_must_be_12_to_32 param_error();
        end
    endgenerate

    assign reg_wr = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
    assign s_axil_awready = reg_wr;
    assign s_axil_wready = reg_wr;
    assign reg_waddr = s_axil_awaddr;
    assign reg_wdata = s_axil_wdata;
    assign s_axil_bresp = 2'b00;

    assign s_axil_arready = !s_axil_rvalid;
    assign reg_raddr = s_axil_araddr;
    assign s_axil_rresp = 2'b00;

    always @(posedge clk) begin
        if (rst) begin
            s_axil_bvalid <= 1'b0;
            s_axil_rvalid <= 1'b0;
            s_axil_rdata <= 32'd0;
        end else begin
            if (reg_wr) s_axil_bvalid <= 1'b1;
            else if (s_axil_bready) s_axil_bvalid <= 1'b0;
            if (s_axil_arvalid && s_axil_arready) begin
                s_axil_rvalid <= 1'b1;
                s_axil_rdata <= reg_rdata;
            end else if (s_axil_rready) begin
                s_axil_rvalid <= 1'b0;
            end
        end
    end
endmodule

`resetall
