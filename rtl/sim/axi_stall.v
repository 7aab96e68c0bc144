// axi_stall: simulation-only, legal idle/backpressure insertion on CHANNELS AXI channels.
//
// Contract: channel c (bit c of every port) sits between a channel's source
// (in_valid/in_ready) and sink (out_valid/out_ready); its payload passes by wire, outside
// this module. On a stall cycle a VALID that is not yet visible to the sink is held back
// and READY is not passed to the source; a VALID already visible stays visible until
// READY (so the sink sees a legal channel). Stall cycles come from an LFSR per channel
// keyed by `seed` and the channel's SALT (about one cycle in four) while its `enable` bit
// is high; the LFSR advances only then (its pattern starts from `seed` at rst, however
// long `enable` stays low). With enable low the gate is transparent.
// (One module for all the channels: one always block, one thread wake-up per clock.)
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axi_stall #(
    parameter integer CHANNELS = 1,
    parameter [16*CHANNELS-1:0] SALT = {CHANNELS{16'h1}}  // channel c: [16c +: 16]
) (
    input  wire                clk,
    input  wire                rst,
    input  wire [CHANNELS-1:0] enable,
    input  wire [15:0]         seed,
    input  wire [CHANNELS-1:0] in_valid,
    output wire [CHANNELS-1:0] in_ready,
    output wire [CHANNELS-1:0] out_valid,
    input  wire [CHANNELS-1:0] out_ready
);
    reg [16*CHANNELS-1:0] lfsr;
    reg [CHANNELS-1:0]    shown;       // out_valid was high and not taken last cycle
    reg [CHANNELS-1:0]    stall;
    wire [CHANNELS-1:0]   pass = ~stall | shown;

    assign out_valid = in_valid & pass;
    assign in_ready = out_ready & pass;

    integer c;
    always @(*) begin
        for (c = 0; c < CHANNELS; c = c + 1)
            stall[c] = enable[c] && lfsr[16*c +: 2] == 2'b00;
    end

    always @(posedge clk) begin : step
        reg [15:0] l;
        if (rst) begin
            lfsr <= {CHANNELS{seed ^ 16'hACE1}} ^ SALT;
            shown <= {CHANNELS{1'b0}};
        end else begin
            if (enable != {CHANNELS{1'b0}}) begin     // (a still LFSR is cheap to simulate)
                for (c = 0; c < CHANNELS; c = c + 1) begin
                    l = lfsr[16*c +: 16];
                    if (enable[c])
                        lfsr[16*c +: 16] <= (l == 16'd0) ? 16'hACE1
                                            : {l[14:0], l[15] ^ l[13] ^ l[12] ^ l[10]};
                end
            end
            shown <= out_valid & ~out_ready;
        end
    end
endmodule

`resetall
