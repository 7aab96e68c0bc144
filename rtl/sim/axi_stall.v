// axi_stall: simulation-only, legal idle/backpressure insertion on one AXI channel.
//
// Contract: sits between a channel's source (in_valid/in_ready) and sink
// (out_valid/out_ready); the payload passes by wire. On a stall cycle a VALID that is
// not yet visible to the sink is held back and READY is not passed to the source; a
// VALID already visible stays visible until READY (so the sink sees a legal channel).
// Stall cycles come from an LFSR keyed by `seed` (about one cycle in four) while
// `enable` is high; the LFSR advances only then (its pattern starts from `seed` at rst,
// however long `enable` stays low). With enable low the gate is transparent.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axi_stall #(
    parameter [15:0] SALT = 16'h1       // makes each channel's pattern different
) (
    input  wire        clk,
    input  wire        rst,
    input  wire        enable,
    input  wire [15:0] seed,
    input  wire        in_valid,
    output wire        in_ready,
    output wire        out_valid,
    input  wire        out_ready
);
    reg [15:0] lfsr;
    reg        shown;       // out_valid was high and not taken last cycle
    wire       stall = enable && lfsr[1:0] == 2'b00;
    wire       pass = !stall || shown;

    assign out_valid = in_valid && pass;
    assign in_ready = out_ready && pass;

    always @(posedge clk) begin
        if (rst) begin
            lfsr <= seed ^ SALT ^ 16'hACE1;
            shown <= 1'b0;
        end else begin
            if (enable) begin       // (a still LFSR is cheap to simulate)
                lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
                if (lfsr == 16'd0) lfsr <= 16'hACE1;
            end
            shown <= out_valid && !out_ready;
        end
    end
endmodule

`resetall
