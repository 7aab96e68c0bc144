// foliodma_reg_slice: a forward register slice for one valid/ready channel.
//
// Contract: out_valid and out_data come straight from flip-flops; a beat taken at the
// input is offered at the output from the next cycle and held, unchanged, until out_ready
// takes it (AXI's VALID rule); in_ready = !out_valid || out_ready, so a stream flows at one
// beat per cycle while the output is ready. Adds one cycle of latency.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_reg_slice #(
    parameter integer WIDTH = 8
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             in_valid,
    output wire             in_ready,
    input  wire [WIDTH-1:0] in_data,
    output reg              out_valid,
    input  wire             out_ready,
    output reg  [WIDTH-1:0] out_data
);
    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (WIDTH < 1) begin : check_width
            foliodma_param_error_WIDTH_must_be_at_least_1 param_error();
        end
    endgenerate

    assign in_ready = !out_valid || out_ready;

    always @(posedge clk) begin
        if (rst) out_valid <= 1'b0;
        else if (in_ready) out_valid <= in_valid;
        if (in_ready && in_valid) out_data <= in_data;
    end
endmodule

`resetall
