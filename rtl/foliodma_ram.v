// foliodma_ram: simple dual-port RAM with a registered read, the shape block RAM has.
//
// Contract: one write port (we, waddr, wdata) and one read port; when re is high at a
// clock edge, rdata takes the word at raddr as it was before that edge's write (read
// before write), else rdata holds. Synthesis maps it to block RAM (or, when small, to
// distributed RAM with an output register); BLOCK = 1 asks for block RAM whatever the size.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_ram #(
    parameter integer WIDTH = 8,    // word width in bits
    parameter integer DEPTH = 16,   // words, a power of two >= 2
    parameter integer BLOCK = 0     // 1: ask synthesis for block RAM (ram_style), 0: its choice
) (
    input  wire                     clk,
    input  wire                     we,
    input  wire [$clog2(DEPTH)-1:0] waddr,
    input  wire [WIDTH-1:0]         wdata,
    input  wire                     re,
    input  wire [$clog2(DEPTH)-1:0] raddr,
    output reg  [WIDTH-1:0]         rdata
);
    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (WIDTH < 1) begin : check_width
            foliodma_param_error_WIDTH_must_be_at_least_1 param_error();
        end
        if (BLOCK != 0 && BLOCK != 1) begin : check_block
            foliodma_param_error_BLOCK_must_be_0_or_1 param_error();
        end
        if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) begin : check_depth
            foliodma_param_error_DEPTH_must_be_a_power_of_two_at_least_2 param_error();
        end
    endgenerate

    generate
        if (BLOCK != 0) begin : block_ram
            (* ram_style = "block" *) reg [WIDTH-1:0] mem [0:DEPTH-1];
            always @(posedge clk) begin
                if (we) mem[waddr] <= wdata;
                if (re) rdata <= mem[raddr];
            end
        end else begin : any_ram
            reg [WIDTH-1:0] mem [0:DEPTH-1];
            always @(posedge clk) begin
                if (we) mem[waddr] <= wdata;
                if (re) rdata <= mem[raddr];
            end
        end
    endgenerate
endmodule

`resetall
