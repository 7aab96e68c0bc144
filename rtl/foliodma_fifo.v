// foliodma_fifo: synchronous FIFO, first-word fall-through.
//
// Contract: in_ready is low while full; out_valid is high while not empty and out_data
// shows the oldest entry; a push and a pop may happen in the same cycle. count is the number
// of stored entries.
//   BLOCK = 0: distributed RAM, out_data read combinationally from the storage array; an
//              entry pushed at one clock edge is out at the next.
//   BLOCK = 1: block RAM, read through its output register (foliodma_ram), which holds the
//              oldest entry; an entry pushed into an empty FIFO is out one cycle later than
//              with BLOCK = 0; holds DEPTH entries in the RAM plus one in that register.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_fifo #(
    parameter integer WIDTH = 8,    // entry width in bits
    parameter integer DEPTH = 16,   // entries, a power of two >= 2
    parameter integer BLOCK = 0     // 1: block RAM with a registered read (see above)
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
        if (BLOCK != 0 && BLOCK != 1) begin : check_block
            foliodma_param_error_BLOCK_must_be_0_or_1 param_error();
        end
        if (DEPTH < 1 || (DEPTH & (DEPTH - 1)) != 0 || DEPTH < 2) begin : check_depth
            foliodma_param_error_DEPTH_must_be_a_power_of_two_at_least_2 param_error();
        end
    endgenerate

    reg [PW:0] wr_ptr;
    reg [PW:0] rd_ptr;
    wire push = in_valid && in_ready;
    wire [PW:0] stored = wr_ptr - rd_ptr;       // entries in the RAM
    assign in_ready = stored[PW] == 1'b0;       // stored < DEPTH

    generate
        if (BLOCK == 0) begin : lut_ram
            reg [WIDTH-1:0] mem [0:DEPTH-1];
            assign count = stored;
            assign out_valid = wr_ptr != rd_ptr;
            assign out_data = mem[rd_ptr[PW-1:0]];
            always @(posedge clk) begin
                if (push) mem[wr_ptr[PW-1:0]] <= in_data;
            end
            always @(posedge clk) begin
                if (rst) rd_ptr <= {(PW+1){1'b0}};
                else if (out_valid && out_ready) rd_ptr <= rd_ptr + 1'b1;
            end
        end else begin : block_ram
            // the RAM's output register is the head: it is reloaded when it is empty or
            // popped, so entries flow out one per cycle
            reg  out_full;
            wire load = wr_ptr != rd_ptr && (!out_full || out_ready);
            assign count = stored + {{PW{1'b0}}, out_full};
            assign out_valid = out_full;
            foliodma_ram #(.WIDTH(WIDTH), .DEPTH(DEPTH), .BLOCK(1)) ram (
                .clk(clk), .we(push), .waddr(wr_ptr[PW-1:0]), .wdata(in_data),
                .re(load), .raddr(rd_ptr[PW-1:0]), .rdata(out_data)
            );
            always @(posedge clk) begin
                if (rst) begin
                    rd_ptr <= {(PW+1){1'b0}};
                    out_full <= 1'b0;
                end else begin
                    if (load) rd_ptr <= rd_ptr + 1'b1;
                    if (load) out_full <= 1'b1;
                    else if (out_ready) out_full <= 1'b0;
                end
            end
        end
    endgenerate

    always @(posedge clk) begin
        if (rst) wr_ptr <= {(PW+1){1'b0}};
        else if (push) wr_ptr <= wr_ptr + 1'b1;
    end
endmodule

`resetall
