// foliodma_record: one beat of a completion record write (combinational).
//
// Contract: packs {cookie, status, bytes, fault} in the COMPLETION layout of
// harness/layout.py and returns beat `beat` of the burst that writes it at rec_addr
// (32-byte aligned). A record is 256 bits: on a 512-bit bus it is half a beat (the
// strobes select the half rec_addr[5] names); on a 256-bit bus one beat; on narrower
// buses 256 / DATA_WIDTH beats with full strobes. RECORD_BEATS is that beat count.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_record #(
    parameter integer DATA_WIDTH = 512
) (
    input  wire [63:0]               cookie,
    input  wire [3:0]                status,
    input  wire [31:0]               bytes,
    input  wire [63:0]               fault,
    input  wire                      upper_half,   // rec_addr[5]: used on a 512-bit bus
    input  wire [8:0]                beat,         // beat of the record burst
    output wire [DATA_WIDTH-1:0]     wdata,
    output wire [DATA_WIDTH/8-1:0]   wstrb
);
`include "rtl/foliodma_layout.vh"   // path from the repository root (the include root)

    reg [255:0] rec;
    always @(*) begin
        rec = 256'd0;
        rec[COMP_COOKIE_LSB +: 64] = cookie;
        rec[COMP_STATUS_LSB +: 32] = {28'd0, status};
        rec[COMP_BYTES_COMPLETED_LSB +: 32] = bytes;
        rec[COMP_FAULT_ADDR_LSB +: 64] = fault;
    end

    generate
        if (DATA_WIDTH == 512) begin : half_beat
            assign wdata = upper_half ? {rec, 256'd0} : {256'd0, rec};
            assign wstrb = upper_half ? {{32{1'b1}}, 32'd0} : {32'd0, {32{1'b1}}};
            wire unused = &{1'b0, beat};
        end else if (DATA_WIDTH == 256) begin : one_beat
            assign wdata = rec;
            assign wstrb = {32{1'b1}};
            wire unused = &{1'b0, beat, upper_half};
        end else begin : several_beats
            assign wdata = rec[beat * DATA_WIDTH +: DATA_WIDTH];
            assign wstrb = {DATA_WIDTH/8{1'b1}};
            wire unused = &{1'b0, upper_half};
        end
    endgenerate
endmodule

`resetall
