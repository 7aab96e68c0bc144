// foliodma_record: one beat of a completion record write (combinational).
//
// Contract: packs {cookie, status, bytes, fault} in the COMPLETION layout of
// harness/layout.py and returns beat `beat` of the burst that writes it at rec_addr
// (32-byte aligned). A record is 256 bits: on a 512- or 1024-bit bus it is one 256-bit lane
// of a beat (the strobes select the lane rec_addr names); on a 256-bit bus one beat; on
// narrower buses 256 / DATA_WIDTH beats with full strobes. RECORD_BEATS is that beat count.
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
    input  wire [6:0]                rec_offset,   // rec_addr[6:0]: the lane on wide buses
    input  wire [8:0]                beat,         // beat of the record burst
    output wire [DATA_WIDTH-1:0]     wdata,
    output wire [DATA_WIDTH/8-1:0]   wstrb
);
`include "rtl/foliodma_layout.vh"   // path from the repository root (the include root)

    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512
            && DATA_WIDTH != 1024) begin : check_data_width
            foliodma_param_error_DATA_WIDTH_must_be_64_128_256_512_or_1024 param_error();
        end
    endgenerate

    reg [255:0] rec;
    always @(*) begin
        rec = 256'd0;
        rec[COMP_COOKIE_LSB +: 64] = cookie;
        rec[COMP_STATUS_LSB +: 32] = {28'd0, status};
        rec[COMP_BYTES_COMPLETED_LSB +: 32] = bytes;
        rec[COMP_FAULT_ADDR_LSB +: 64] = fault;
    end

    generate
        if (DATA_WIDTH > 256) begin : one_lane
            localparam integer LANES = DATA_WIDTH / 256;
            wire [$clog2(LANES)-1:0] lane = rec_offset[5 +: $clog2(LANES)];
            assign wdata = {{(DATA_WIDTH-256){1'b0}}, rec} << (256 * lane);
            assign wstrb = {{(DATA_WIDTH/8-32){1'b0}}, {32{1'b1}}} << (32 * lane);
            wire unused = &{1'b0, beat, rec_offset};
        end else if (DATA_WIDTH == 256) begin : one_beat
            assign wdata = rec;
            assign wstrb = {32{1'b1}};
            wire unused = &{1'b0, beat, rec_offset};
        end else begin : several_beats
            assign wdata = rec[beat * DATA_WIDTH +: DATA_WIDTH];
            assign wstrb = {DATA_WIDTH/8{1'b1}};
            wire unused = &{1'b0, rec_offset};
        end
    endgenerate
endmodule

`resetall
