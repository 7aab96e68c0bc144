// foliodma_fifo: synchronous FIFO, first-word fall-through.
//
// Contract: in_ready is low while full; out_valid is high while not empty and out_data
// shows the oldest entry (read combinationally from the storage array); a push and a pop
// may happen in the same cycle. count is the number of stored entries.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_fifo #(
    parameter integer WIDTH = 8,    // entry width in bits
    parameter integer DEPTH = 16    // entries, a power of two >= 2
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire [WIDTH-1:0]         in_data,
    input  wire                     in_valid,
    output wire                     in_ready,
    output wire [WIDTH-1:0]         out_data,
    output wire                     out_valid,
    input  wire                     out_ready,
    output wire [$clog2(DEPTH):0]   count
);
    localparam integer PW = $clog2(DEPTH);

    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (WIDTH < 1) begin : check_width
            foliodma_param_error_WIDTH_must_be_at_least_1 param_error();
        end
        if (DEPTH < 1 || (DEPTH & (DEPTH - 1)) != 0 || DEPTH < 2) begin : check_depth
            foliodma_param_error_DEPTH_must_be_a_power_of_two_at_least_2 param_error();
        end
    endgenerate

    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [PW:0] wr_ptr;
    reg [PW:0] rd_ptr;

    assign count = wr_ptr - rd_ptr;
    assign in_ready = (wr_ptr[PW-1:0] != rd_ptr[PW-1:0]) || (wr_ptr[PW] == rd_ptr[PW]);
    assign out_valid = wr_ptr != rd_ptr;
    assign out_data = mem[rd_ptr[PW-1:0]];

    always @(posedge clk) begin
        if (in_valid && in_ready) begin
            mem[wr_ptr[PW-1:0]] <= in_data;
        end
        if (rst) begin
            wr_ptr <= {(PW+1){1'b0}};
            rd_ptr <= {(PW+1){1'b0}};
        end else begin
            if (in_valid && in_ready) wr_ptr <= wr_ptr + 1'b1;
            if (out_valid && out_ready) rd_ptr <= rd_ptr + 1'b1;
        end
    end
endmodule

`resetall
