// foliodma_desc_cache: the descriptor cache of every queue in one block RAM, read out one
// queue at a time through the descriptor check.
//
// Contract:
//   * Entries: queue q has DESC_CACHE entries, each one descriptor and its fetch-error bit
//     (some part of it came with an error response); the queue numbers them (positions,
//     foliodma_queue) and decides what is in each.
//   * Parts: an entry is stored so that a fetched beat writes it in one go:
//       - on buses of 256 bits and more, a beat carries NB = DATA_WIDTH / 256 descriptors:
//         part (bank) k holds the entries at positions p with p % NB == k, in row p / NB, so
//         a beat writes each part at most once, all in one row;
//       - on narrower buses a descriptor spans 256 / DATA_WIDTH beats, and part k of row p
//         holds the k-th beat of entry p, with that beat's error bit.
//   * Write (wr_parts, wr_pos, per queue): the parts of one row that the R beat on the bus
//     (rdata, rresp) fills, named by a position in that row. At most one queue writes in a
//     cycle (a beat belongs to one ring fetch).
//   * Read (rd_req, rd_pos, per queue): one asking queue a cycle is granted (rd_grant,
//     round-robin). In the next cycle (only: the next grant replaces them) ld_valid has
//     that queue's bit set and ld_* hold its entry at rd_pos as it was before the grant's
//     clock edge: the descriptor's fields (the bus-address bits of src and dst), its
//     fetch-error bit, and ld_bad: the descriptor cannot be executed (it completes
//     BAD_DESCRIPTOR): a flag bit outside DESC_FLAGS_KNOWN, length 0 or over
//     DESC_MAX_LENGTH, an address or length not aligned to max(DESC_ALIGN, bus bytes), or
//     a source or destination range beyond the bus address space; and ld_first, the beats
//     of the copy's first burst (foliodma_burst.vh), with ld_whole if that is all of it.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_desc_cache #(
    parameter integer DATA_WIDTH = 512,
    parameter integer ADDR_WIDTH = 32,
    parameter integer NUM_QUEUES = 1,
    parameter integer DESC_CACHE = 64    // entries per queue (power of two, 32..4096)
) (
    input  wire                                   clk,
    input  wire                                   rst,

    // parts per entry: DATA_WIDTH / 256 on wide buses, 256 / DATA_WIDTH on narrow ones
    input  wire [NUM_QUEUES*(DATA_WIDTH >= 256 ? DATA_WIDTH / 256 : 256 / DATA_WIDTH)-1:0] wr_parts,
    input  wire [NUM_QUEUES*$clog2(DESC_CACHE)-1:0] wr_pos,
    input  wire [DATA_WIDTH-1:0]                  rdata,
    input  wire [1:0]                             rresp,

    input  wire [NUM_QUEUES-1:0]                  rd_req,
    input  wire [NUM_QUEUES*$clog2(DESC_CACHE)-1:0] rd_pos,
    output wire [NUM_QUEUES-1:0]                  rd_grant,
    output reg  [NUM_QUEUES-1:0]                  ld_valid,
    output wire [ADDR_WIDTH-1:0]                  ld_src,
    output wire [ADDR_WIDTH-1:0]                  ld_dst,
    output wire [31:0]                            ld_len,
    output wire                                   ld_irq,      // DESC_FLAG_IRQ
    output wire                                   ld_fence,    // DESC_FLAG_FENCE
    output wire [63:0]                            ld_cookie,
    output wire                                   ld_fetch_err,
    output wire                                   ld_bad,
    output wire [8:0]                             ld_first,    // beats of the copy's first burst
    output wire                                   ld_whole     // ... which is all of the copy
);
`include "rtl/foliodma_layout.vh"   // path from the repository root (the include root)
`include "rtl/foliodma_rr_pick.vh"  // rr_pick: the read grant's round-robin

    localparam integer NQ = NUM_QUEUES;
    localparam [0:0] WIDE = DATA_WIDTH >= 256;
    localparam integer PARTS = WIDE ? DATA_WIDTH / 256 : 256 / DATA_WIDTH;
    localparam integer PD = WIDE ? 256 : DATA_WIDTH;        // descriptor bits per part
    localparam integer DCL = $clog2(DESC_CACHE);
    localparam integer NBL = WIDE ? $clog2(PARTS) : 0;      // position bits that pick a bank
    localparam integer RL = DCL - NBL;                      // row bits
    localparam integer QL = (NQ > 1) ? $clog2(NQ) : 1;
    localparam integer CAW = ((NQ > 1) ? $clog2(NQ) : 0) + RL;   // {queue, row}
    localparam integer BB = DATA_WIDTH / 8;
    localparam integer BBL = $clog2(BB);
    localparam integer LW = $clog2(DESC_MAX_LENGTH / BB) + 1;   // a copy's beats
`include "rtl/foliodma_burst.vh"    // burst_room, burst_beats: the copy's first burst

    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (foliodma_top header)
    generate
        if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512
            && DATA_WIDTH != 1024) begin : check_data_width
            foliodma_param_error_DATA_WIDTH_must_be_64_128_256_512_or_1024 param_error();
        end
        if (ADDR_WIDTH < 12 || ADDR_WIDTH > 64) begin : check_addr_width
            foliodma_param_error_ADDR_WIDTH_must_be_12_to_64 param_error();
        end
        if (NUM_QUEUES < 1 || NUM_QUEUES > 16) begin : check_num_queues
            foliodma_param_error_NUM_QUEUES_must_be_1_to_16 param_error();
        end
        if (DESC_CACHE < 1 || (DESC_CACHE & (DESC_CACHE - 1)) != 0 || DESC_CACHE < 32 || DESC_CACHE > 4096) begin : check_desc_cache
            foliodma_param_error_DESC_CACHE_must_be_a_power_of_two_32_to_4096 param_error();
        end
    endgenerate

    // ------------------------------------------------------------ the check
    // The checks after the alignment one only decide for an ALIGN-aligned descriptor (any
    // other is bad already), so they look at the bits at and above AL: length 0, and the
    // ends of the source and destination ranges, counted in ALIGN units (narrower sums).
    localparam integer ALIGN = (BB > DESC_ALIGN) ? BB : DESC_ALIGN;
    localparam [63:0] ALIGN_MASK = {{32{1'b0}}, ALIGN[31:0] - 32'd1};
    localparam [63:0] BUS_MASK = (ADDR_WIDTH >= 64) ? {64{1'b1}} : ((64'd1 << ADDR_WIDTH) - 64'd1);
    localparam integer EW = ((ADDR_WIDTH > 32) ? ADDR_WIDTH : 32) + 1;   // an end address
    localparam integer AL = $clog2(ALIGN);
    localparam integer UW = EW - AL;                  // an end address in ALIGN units
    localparam integer KU = ADDR_WIDTH - AL;          // the bus ends at 2^KU units
    function past_end;                                // x > 2^KU: the range ends beyond the bus
        input [UW-1:0] x;
        begin
            // (a carry and a zero test: cheaper than a compare with the constant)
            past_end = (x >> (KU + 1)) != {UW{1'b0}} || (x[KU] && x[KU-1:0] != {KU{1'b0}});
        end
    endfunction
    function desc_bad;
        /* verilator lint_off UNUSEDSIGNAL */
        input [255:0] d;      // the cookie is not checked
        /* verilator lint_on UNUSEDSIGNAL */
        reg [63:0] src, dst;
        reg [31:0] len, flags;
        reg [UW-1:0] src_end, dst_end;
        begin
            src = d[DESC_SRC_LSB +: 64];
            dst = d[DESC_DST_LSB +: 64];
            len = d[DESC_LENGTH_LSB +: 32];
            flags = d[DESC_FLAGS_LSB +: 32];
            src_end = {{(EW-ADDR_WIDTH){1'b0}}, src[ADDR_WIDTH-1:AL]} + {{(EW-32){1'b0}}, len[31:AL]};
            dst_end = {{(EW-ADDR_WIDTH){1'b0}}, dst[ADDR_WIDTH-1:AL]} + {{(EW-32){1'b0}}, len[31:AL]};
            desc_bad = ((src | dst | {32'd0, len}) & ALIGN_MASK) != 64'd0
                       || len[31:AL] == {(32-AL){1'b0}} || len > DESC_MAX_LENGTH
                       || (flags & ~DESC_FLAGS_KNOWN) != 32'd0
                       || ((src | dst) & ~BUS_MASK) != 64'd0
                       || past_end(src_end) || past_end(dst_end);
        end
    endfunction

    // ------------------------------------------------------------ write
    // the writing queue's parts, row and index (one queue writes at a time: an OR of all)
    reg [PARTS-1:0] w_parts;
    reg [RL-1:0]    w_row;
    reg [QL-1:0]    w_q;
    always @(*) begin : writer
        integer i;
        w_parts = {PARTS{1'b0}};
        w_row = {RL{1'b0}};
        w_q = {QL{1'b0}};
        for (i = 0; i < NQ; i = i + 1) begin
            if (wr_parts[i*PARTS +: PARTS] != {PARTS{1'b0}}) begin
                w_parts = w_parts | wr_parts[i*PARTS +: PARTS];
                w_row = w_row | wr_pos[i*DCL + NBL +: RL];
                w_q = w_q | i[QL-1:0];
            end
        end
    end

    // ------------------------------------------------------------- read
    reg  [QL-1:0] r_next;           // round-robin start
    wire          r_any;
    wire [QL-1:0] r_q;
    generate
        if (NQ == 1) begin : one_reader
            assign r_any = rd_req[0];
            assign r_q = 1'b0;
            wire unused_rr = &{1'b0, r_next};
        end else begin : round_robin
            /* verilator lint_off UNUSEDSIGNAL */
            wire [5:0] pick = rr_pick({{(32-NQ){1'b0}}, rd_req}, {{(5-QL){1'b0}}, r_next}, NQ);
            /* verilator lint_on UNUSEDSIGNAL */
            assign r_any = pick[5];
            assign r_q = pick[QL-1:0];
        end
    endgenerate
    genvar g;
    generate
        for (g = 0; g < NQ; g = g + 1) begin : grant
            assign rd_grant[g] = r_any && r_q == g;
        end
    endgenerate
    wire [DCL-1:0] r_pos = rd_pos[r_q*DCL +: DCL];
    wire [CAW-1:0] w_addr, r_addr;
    generate
        if (NQ > 1) begin : queue_blocks
            assign w_addr = {w_q, w_row};
            assign r_addr = {r_q, r_pos[DCL-1:NBL]};
        end else begin : one_block
            assign w_addr = w_row;
            assign r_addr = r_pos[DCL-1:NBL];
            wire unused_q = &{1'b0, w_q};
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) begin
            ld_valid <= {NQ{1'b0}};
            r_next <= {QL{1'b0}};
        end else begin
            ld_valid <= rd_grant;
            if (r_any) r_next <= ({{(32-QL){1'b0}}, r_q} == NQ - 1) ? {QL{1'b0}} : r_q + 1'b1;
        end
    end

    // ------------------------------------------------------- the parts (block RAM)
    // written in their own clocked block, so the bits of a beat are picked only when an
    // entry is written, not on every data beat the shared R channel carries (a cost in
    // simulation)
    wire [PARTS*(PD+1)-1:0] part_out;    // {error, data} per part, as read
    genvar k;
    generate
        for (k = 0; k < PARTS; k = k + 1) begin : part
            (* ram_style = "block" *) reg [PD:0] mem [0:(1 << CAW)-1];
            reg [PD:0] out;
            always @(posedge clk) begin
                if (w_parts[k]) mem[w_addr] <= {rresp != 2'b00, rdata[(WIDE ? k * 256 : 0) +: PD]};
                if (r_any) out <= mem[r_addr];
            end
            assign part_out[k*(PD+1) +: PD+1] = out;
        end
    endgenerate

    // the entry read: wide, one bank (by the position's low bits, kept from the grant);
    // narrow, every part of the row
    wire [255:0] desc;
    generate
        if (WIDE && PARTS > 1) begin : pick_bank
            reg [NBL-1:0] r_bank;
            always @(posedge clk) begin
                if (r_any) r_bank <= r_pos[NBL-1:0];
            end
            wire [PD:0] word = part_out[r_bank * (PD+1) +: PD+1];
            assign desc = word[255:0];
            assign ld_fetch_err = word[256];
        end else if (WIDE) begin : one_bank
            assign desc = part_out[255:0];
            assign ld_fetch_err = part_out[256];
        end else begin : join_parts
            wire [PARTS-1:0] errs;
            for (k = 0; k < PARTS; k = k + 1) begin : beat
                assign desc[k*PD +: PD] = part_out[k*(PD+1) +: PD];
                assign errs[k] = part_out[k*(PD+1) + PD];
            end
            assign ld_fetch_err = errs != {PARTS{1'b0}};
        end
    endgenerate

    wire [63:0] d_src = desc[DESC_SRC_LSB +: 64];
    wire [63:0] d_dst = desc[DESC_DST_LSB +: 64];
    wire [31:0] d_flags = desc[DESC_FLAGS_LSB +: 32];
    assign ld_src = d_src[ADDR_WIDTH-1:0];     // (ld_bad: the bits above are 0)
    assign ld_dst = d_dst[ADDR_WIDTH-1:0];
    assign ld_len = desc[DESC_LENGTH_LSB +: 32];
    assign ld_irq = d_flags[DESC_FLAG_IRQ_BIT];
    assign ld_fence = d_flags[DESC_FLAG_FENCE_BIT];
    assign ld_cookie = desc[DESC_COOKIE_LSB +: 64];
    assign ld_bad = desc_bad(desc);   // (a wire: worked out in simulation as desc changes)
    // (for a descriptor the check lets through: the length is whole beats, at most 2^(LW-1))
    wire [LW-1:0] d_beats = ld_len[BBL +: LW];
    wire [8:0]    d_room = burst_room(d_src[BURST_BOUNDARY_BITS-1:0], d_dst[BURST_BOUNDARY_BITS-1:0]);
    assign ld_first = burst_beats(d_room, d_beats);
    assign ld_whole = d_beats <= {{(LW-9){1'b0}}, d_room};

    /* verilator lint_off UNUSEDSIGNAL */
    wire unused = &{1'b0, wr_pos, rd_pos, d_src, d_dst, d_flags};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule

`resetall
