// foliodma_record: one beat of a completion record write (combinational).
//
// Contract: packs {cookie, status, bytes, fault} in the COMPLETION layout of
// harness/layout.py and returns beat `beat` of the burst that writes it at rec_addr
// (32-byte aligned). A record is 256 bits: on a 512- or 1024-bit bus it is one 256-bit lane
// of a beat (the strobes select the lane rec_addr names; the record is repeated in every
// lane, so no lane shifter); on a 256-bit bus one beat; on narrower buses
// 256 / DATA_WIDTH beats with full strobes.
//   * pair (512 bits and more): the beat also carries a held record {h_*} in the lane just
//     below (the previous record slot of the same beat), strobes on both lanes.
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
    input  wire                      pair,         // also write the held record (lane below)
    input  wire [63:0]               h_cookie,
    input  wire [3:0]                h_status,
    input  wire [31:0]               h_bytes,
    input  wire [63:0]               h_fault,
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

    function [255:0] pack(input [63:0] c, input [3:0] st, input [31:0] b, input [63:0] f);
        begin
            pack = 256'd0;
            pack[COMP_COOKIE_LSB +: 64] = c;
            pack[COMP_STATUS_LSB +: 32] = {28'd0, st};
            pack[COMP_BYTES_COMPLETED_LSB +: 32] = b;
            pack[COMP_FAULT_ADDR_LSB +: 64] = f;
        end
    endfunction
    wire [255:0] rec = pack(cookie, status, bytes, fault);

    generate
        if (DATA_WIDTH > 256) begin : lanes
            localparam integer LANES = DATA_WIDTH / 256;
            localparam integer LL = $clog2(LANES);
            wire [LL-1:0] lane = rec_offset[5 +: LL];
            wire [255:0] held = pack(h_cookie, h_status, h_bytes, h_fault);
            genvar i;
            for (i = 0; i < LANES; i = i + 1) begin : lane_i
                localparam [LL:0] HERE = i;
                wire held_here = pair && {1'b0, lane} == HERE + 1'b1;   // the lane below the record
                assign wdata[256 * i +: 256] = held_here ? held : rec;
                assign wstrb[32 * i +: 32] = {32{{1'b0, lane} == HERE || held_here}};
            end
            wire unused = &{1'b0, beat, rec_offset};
        end else if (DATA_WIDTH == 256) begin : one_beat
            assign wdata = rec;
            assign wstrb = {32{1'b1}};
            wire unused = &{1'b0, beat, rec_offset, pair, h_cookie, h_status, h_bytes, h_fault};
        end else begin : several_beats
            assign wdata = rec[beat * DATA_WIDTH +: DATA_WIDTH];
            assign wstrb = {DATA_WIDTH/8{1'b1}};
            wire unused = &{1'b0, rec_offset, pair, h_cookie, h_status, h_bytes, h_fault};
        end
    endgenerate
endmodule

`resetall
