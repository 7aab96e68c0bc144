// foliodma_top: batch folio-copy DMA engine.
//
// Contract (the protocol is in harness/layout.py, the one source of truth):
//   * AXI4-Lite register slave (s_axil_*): global registers and one block per queue.
//   * NUM_QUEUES queues, each with a descriptor ring and a completion area in memory;
//     writing a queue's TAIL register is its doorbell.
//   * One AXI4 master (m_axi_*) shared by all queues: descriptor fetch, data copy,
//     completion record write-back. Bursts never cross 4 KiB nor exceed 256 beats. Every
//     master output comes from a flip-flop (AR, AW, W through register slices; RREADY
//     and BREADY are 1). Queue q fetches descriptors on ID q; one mover, shared by the
//     queues, reads data on ID NUM_QUEUES and writes data and records on ID 0.
//   * irq: level, high while (IRQ_STATUS & IRQ_ENABLE) != 0.
//   * busy: high while some queue has work in flight (STATUS.BUSY as a wire).
//   * rst: synchronous, active high.
//
// Parameter checks: every parameter is range-checked at elaboration. A value out of range
// instantiates a module that does not exist, named after the rule it breaks
// (foliodma_param_error_<PARAMETER>_must_be_...), inside a generate-if; Icarus 11
// ("Unknown module type"), Verilator ("Cannot find file containing module") and Yosys
// ("is not part of the design") all stop there and print the name. `$error` in a generate
// block (SystemVerilog) would read better, but Icarus 11 does not parse it. The submodules
// check their own parameters the same way; tests/test_params.py covers both.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_top #(
    parameter integer DATA_WIDTH = 512,        // AXI data width: 64, 128, 256, 512 or 1024
    parameter integer ADDR_WIDTH = 32,         // AXI address width, 12..64 (descriptors carry 64-bit addresses)
    parameter integer ID_WIDTH = 8,            // AXI ID width, clog2(NUM_QUEUES) + 1 .. 32
    parameter integer NUM_QUEUES = 1,          // 1..16 queues (channels)
    parameter integer MAX_BURSTS = 16,         // data read bursts in flight, all queues (power of 2, <= 128)
    parameter integer FIFO_DEPTH = 1024,       // the mover's data FIFO, in beats (power of 2, >= 256: one whole burst)
    parameter integer AXIL_ADDR_WIDTH = 12    // register port address width, 12..32
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_awaddr,
    input  wire [2:0]                 s_axil_awprot,
    input  wire                       s_axil_awvalid,
    output wire                       s_axil_awready,
    input  wire [31:0]                s_axil_wdata,
    input  wire [3:0]                 s_axil_wstrb,
    input  wire                       s_axil_wvalid,
    output wire                       s_axil_wready,
    output wire [1:0]                 s_axil_bresp,
    output wire                       s_axil_bvalid,
    input  wire                       s_axil_bready,
    input  wire [AXIL_ADDR_WIDTH-1:0] s_axil_araddr,
    input  wire [2:0]                 s_axil_arprot,
    input  wire                       s_axil_arvalid,
    output wire                       s_axil_arready,
    output wire [31:0]                s_axil_rdata,
    output wire [1:0]                 s_axil_rresp,
    output wire                       s_axil_rvalid,
    input  wire                       s_axil_rready,

    output wire [ID_WIDTH-1:0]        m_axi_awid,
    output wire [ADDR_WIDTH-1:0]      m_axi_awaddr,
    output wire [7:0]                 m_axi_awlen,
    output wire [2:0]                 m_axi_awsize,
    output wire [1:0]                 m_axi_awburst,
    output wire                       m_axi_awlock,
    output wire [3:0]                 m_axi_awcache,
    output wire [2:0]                 m_axi_awprot,
    output wire                       m_axi_awvalid,
    input  wire                       m_axi_awready,
    output wire [DATA_WIDTH-1:0]      m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]    m_axi_wstrb,
    output wire                       m_axi_wlast,
    output wire                       m_axi_wvalid,
    input  wire                       m_axi_wready,
    input  wire [ID_WIDTH-1:0]        m_axi_bid,
    input  wire [1:0]                 m_axi_bresp,
    input  wire                       m_axi_bvalid,
    output wire                       m_axi_bready,
    output wire [ID_WIDTH-1:0]        m_axi_arid,
    output wire [ADDR_WIDTH-1:0]      m_axi_araddr,
    output wire [7:0]                 m_axi_arlen,
    output wire [2:0]                 m_axi_arsize,
    output wire [1:0]                 m_axi_arburst,
    output wire                       m_axi_arlock,
    output wire [3:0]                 m_axi_arcache,
    output wire [2:0]                 m_axi_arprot,
    output wire                       m_axi_arvalid,
    input  wire                       m_axi_arready,
    input  wire [ID_WIDTH-1:0]        m_axi_rid,
    input  wire [DATA_WIDTH-1:0]      m_axi_rdata,
    input  wire [1:0]                 m_axi_rresp,
    input  wire                       m_axi_rlast,
    input  wire                       m_axi_rvalid,
    output wire                       m_axi_rready,

    output wire                       irq,
    output wire                       busy
);

`include "rtl/foliodma_layout.vh"   // path from the repository root (the include root)

    localparam integer BB = DATA_WIDTH / 8;
    localparam integer BBL = $clog2(BB);
    localparam integer MR = NUM_QUEUES + 1;  // arbiter read masters: queue q's ring fetch = q, the mover
    localparam integer DESC_CACHE = 64;      // descriptors on chip per queue
    localparam integer DCL = $clog2(DESC_CACHE);
    localparam integer PARTS = (DATA_WIDTH >= 256) ? DATA_WIDTH / 256 : 256 / DATA_WIDTH;   // (desc_cache)

    // ------------------------------------------------------ parameter checks
    // out-of-range values stop elaboration (see the header)
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
        if (ID_WIDTH < $clog2(2 * NUM_QUEUES) || ID_WIDTH > 32) begin : check_id_width
            foliodma_param_error_ID_WIDTH_must_be_clog2_of_2xNUM_QUEUES_to_32 param_error();
        end
        if (MAX_BURSTS < 1 || (MAX_BURSTS & (MAX_BURSTS - 1)) != 0 || MAX_BURSTS > 128) begin : check_max_bursts
            foliodma_param_error_MAX_BURSTS_must_be_a_power_of_two_1_to_128 param_error();
        end
        if (FIFO_DEPTH < 1 || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0 || FIFO_DEPTH < 256) begin : check_fifo_depth
            foliodma_param_error_FIFO_DEPTH_must_be_a_power_of_two_at_least_256 param_error();
        end
        if (AXIL_ADDR_WIDTH < 12 || AXIL_ADDR_WIDTH > 32) begin : check_axil_addr_width
            foliodma_param_error_AXIL_ADDR_WIDTH_must_be_12_to_32 param_error();
        end
    endgenerate

    // ------------------------------------------------------------- register port
    wire                       reg_wr;
    wire [AXIL_ADDR_WIDTH-1:0] reg_waddr;
    wire [31:0]                reg_wdata;
    wire [AXIL_ADDR_WIDTH-1:0] reg_raddr;
    reg  [31:0]                reg_rdata;

    foliodma_axil_port #(.ADDR_WIDTH(AXIL_ADDR_WIDTH)) axil_port (
        .clk(clk), .rst(rst),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata), .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready),
        .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready),
        .s_axil_araddr(s_axil_araddr), .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .reg_wr(reg_wr), .reg_waddr(reg_waddr), .reg_wdata(reg_wdata),
        .reg_raddr(reg_raddr), .reg_rdata(reg_rdata)
    );

    // queue q's block: QUEUE_BASE + q * QUEUE_STRIDE (QUEUE_STRIDE = 0x80)
    wire [AXIL_ADDR_WIDTH-1:0] wq_rel = reg_waddr - QUEUE_BASE;
    wire [AXIL_ADDR_WIDTH-1:0] rq_rel = reg_raddr - QUEUE_BASE;
    wire                       w_is_queue = reg_waddr >= QUEUE_BASE;
    wire                       r_is_queue = reg_raddr >= QUEUE_BASE;
    // queue decode (harness/layout.py): queue = (offset - QUEUE_BASE) >> QUEUE_INDEX_LSB,
    // register = the low QUEUE_INDEX_LSB bits
    wire [AXIL_ADDR_WIDTH-QUEUE_INDEX_LSB-1:0] wq_index = wq_rel[AXIL_ADDR_WIDTH-1:QUEUE_INDEX_LSB];
    wire [AXIL_ADDR_WIDTH-QUEUE_INDEX_LSB-1:0] rq_index = rq_rel[AXIL_ADDR_WIDTH-1:QUEUE_INDEX_LSB];

    // --------------------------------------------------------- global registers
    reg                  engine_enable;
    reg                  soft_reset_req;
    reg                  soft_reset_pulse;
    reg [NUM_QUEUES-1:0] irq_status;
    reg [NUM_QUEUES-1:0] irq_enable;
    reg [31:0]           busy_cycles;
    wire                 core_rst = rst || soft_reset_pulse;

    wire [NUM_QUEUES-1:0] q_busy;
    wire [NUM_QUEUES-1:0] q_drained;
    wire [NUM_QUEUES-1:0] q_irq_event;
    wire [32*NUM_QUEUES-1:0] q_rd_beats, q_wr_beats, q_desc_done, q_rd_stall, q_wr_stall;
    wire [32*NUM_QUEUES-1:0] q_rdata;

    always @(posedge clk) begin
        soft_reset_pulse <= 1'b0;
        if (core_rst) begin
            engine_enable <= 1'b0;
            soft_reset_req <= 1'b0;
            irq_status <= {NUM_QUEUES{1'b0}};
            irq_enable <= {NUM_QUEUES{1'b0}};
            busy_cycles <= 32'd0;
        end else begin
            // soft reset: stop taking work, let everything in flight finish, then reset
            if (soft_reset_req && &q_drained) soft_reset_pulse <= 1'b1;
            if (|q_busy) busy_cycles <= busy_cycles + 32'd1;
            irq_status <= irq_status | q_irq_event;
            if (reg_wr && !w_is_queue) begin
                case (reg_waddr)
                    REG_CONTROL: begin
                        engine_enable <= reg_wdata[CTRL_ENABLE_BIT];
                        if (reg_wdata[CTRL_SOFT_RESET_BIT]) soft_reset_req <= 1'b1;
                    end
                    REG_IRQ_STATUS: irq_status <= (irq_status & ~reg_wdata[NUM_QUEUES-1:0]) | q_irq_event;
                    REG_IRQ_ENABLE: irq_enable <= reg_wdata[NUM_QUEUES-1:0];
                    default: ;
                endcase
            end
        end
    end

    assign irq = |(irq_status & irq_enable);
    assign busy = |q_busy;

    // the global counters: sums of the queues' (RD_BEATS .. WR_STALL). One queue: its own.
    // More: counted here from the same strobes (at most one data beat a cycle each way; a
    // count of the queues' strobes for the others), not added up from the queues' counters
    wire [NUM_QUEUES-1:0] q_retired;
    wire [NUM_QUEUES-1:0] rd_beat, wr_beat, rd_stall, wr_stall;   // (from the mover)
    wire [31:0] sum_rd_beats, sum_wr_beats, sum_desc_done, sum_rd_stall, sum_wr_stall;
    generate
        if (NUM_QUEUES == 1) begin : one_queue_sums
            assign sum_rd_beats = q_rd_beats;
            assign sum_wr_beats = q_wr_beats;
            assign sum_desc_done = q_desc_done;
            assign sum_rd_stall = q_rd_stall;
            assign sum_wr_stall = q_wr_stall;
            wire unused_strobes = &{1'b0, q_retired, rd_beat, wr_beat, rd_stall, wr_stall};
        end else begin : sums
            function [31:0] ones;   // bits set
                input [NUM_QUEUES-1:0] v;
                integer i;
                begin
                    ones = 32'd0;
                    for (i = 0; i < NUM_QUEUES; i = i + 1) ones = ones + {31'd0, v[i]};
                end
            endfunction
            reg [31:0] rd_beats, wr_beats, desc_done, rd_stalls, wr_stalls;
            // retirements are counted a cycle late (a queue retires in the cycle its record's
            // write response comes back: that is too much logic before an adder)
            reg [NUM_QUEUES-1:0] retired_d;
            always @(posedge clk) begin
                if (core_rst) begin
                    retired_d <= {NUM_QUEUES{1'b0}};
                    rd_beats <= 32'd0;
                    wr_beats <= 32'd0;
                    desc_done <= 32'd0;
                    rd_stalls <= 32'd0;
                    wr_stalls <= 32'd0;
                end else begin
                    if (|rd_beat) rd_beats <= rd_beats + 32'd1;
                    if (|wr_beat) wr_beats <= wr_beats + 32'd1;
                    retired_d <= q_retired;
                    if (|retired_d) desc_done <= desc_done + ones(retired_d);
                    if (|rd_stall) rd_stalls <= rd_stalls + ones(rd_stall);
                    if (|wr_stall) wr_stalls <= wr_stalls + ones(wr_stall);
                end
            end
            assign sum_rd_beats = rd_beats;
            assign sum_wr_beats = wr_beats;
            assign sum_desc_done = desc_done;
            assign sum_rd_stall = rd_stalls;
            assign sum_wr_stall = wr_stalls;
            wire unused_counters = &{1'b0, q_rd_beats, q_wr_beats, q_desc_done, q_rd_stall, q_wr_stall};
        end
    endgenerate

    always @(*) begin
        reg_rdata = 32'd0;
        if (r_is_queue) begin
            if ({{(32-(AXIL_ADDR_WIDTH-QUEUE_INDEX_LSB)){1'b0}}, rq_index} < NUM_QUEUES)
                reg_rdata = q_rdata[32*rq_index +: 32];
        end else begin
            case (reg_raddr)
                REG_ID: reg_rdata = ENGINE_ID;
                REG_CONFIG: begin
                    reg_rdata[CONFIG_QUEUES_LSB +: CONFIG_QUEUES_WIDTH] = NUM_QUEUES[CONFIG_QUEUES_WIDTH-1:0];
                    reg_rdata[CONFIG_LOG2_BUS_BYTES_LSB +: CONFIG_LOG2_BUS_BYTES_WIDTH] = BBL[CONFIG_LOG2_BUS_BYTES_WIDTH-1:0];
                    reg_rdata[CONFIG_BURSTS_LSB +: CONFIG_BURSTS_WIDTH] = MAX_BURSTS[CONFIG_BURSTS_WIDTH-1:0];
                end
                REG_CONTROL: begin
                    reg_rdata[CTRL_ENABLE_BIT] = engine_enable;
                    reg_rdata[CTRL_SOFT_RESET_BIT] = soft_reset_req;
                end
                REG_STATUS: reg_rdata[STATUS_BUSY_BIT] = |q_busy;
                REG_IRQ_STATUS: reg_rdata = {{(32-NUM_QUEUES){1'b0}}, irq_status};
                REG_IRQ_ENABLE: reg_rdata = {{(32-NUM_QUEUES){1'b0}}, irq_enable};
                REG_BUSY_CYCLES: reg_rdata = busy_cycles;
                REG_RD_BEATS: reg_rdata = sum_rd_beats;
                REG_WR_BEATS: reg_rdata = sum_wr_beats;
                REG_DESC_DONE: reg_rdata = sum_desc_done;
                REG_RD_STALL: reg_rdata = sum_rd_stall;
                REG_WR_STALL: reg_rdata = sum_wr_stall;
                default: reg_rdata = 32'd0;
            endcase
        end
    end

    // ---------------------------------------------------- queues and the mover
    // arbiter read masters: queue q's ring fetch is master q, the mover is master
    // NUM_QUEUES; the mover is the only write master
    wire [MR-1:0]              a_arvalid, a_arready, a_rvalid, a_rready;
    wire [MR*ADDR_WIDTH-1:0]   a_araddr;
    wire [MR*8-1:0]            a_arlen;
    wire [ADDR_WIDTH-1:0]      a_awaddr;
    wire [7:0]                 a_awlen;
    wire                       a_awvalid, a_awready, a_wvalid, a_wready, a_wlast, a_bvalid, a_bready;
    wire [DATA_WIDTH-1:0]      a_wdata;
    wire [DATA_WIDTH/8-1:0]    a_wstrb;

    // the queues' command, report and rewrite buses (queue q: index q)
    wire [NUM_QUEUES-1:0]            cmd_valid, cmd_ready, st_valid, fix_valid, fix_done;
    wire [NUM_QUEUES*ADDR_WIDTH-1:0] cmd_src, cmd_dst, cmd_rec_addr, fix_rec_addr, fix_fault;
    wire [NUM_QUEUES*32-1:0]         cmd_len, fix_bytes;
    wire [NUM_QUEUES*9-1:0]          cmd_first;
    wire [NUM_QUEUES-1:0]            cmd_whole;
    wire [NUM_QUEUES*4-1:0]          cmd_status, fix_status;
    wire [NUM_QUEUES*64-1:0]         cmd_cookie, fix_cookie;
    wire [NUM_QUEUES*16-1:0]         rate;
    // reports and rewrite results are shared: queue q reads them with its valid bit
    wire [3:0]                       st_status;
    wire [31:0]                      st_bytes;
    wire [ADDR_WIDTH-1:0]            st_fault;   // faults are bus addresses
    wire                             st_stale, st_rec_err, fix_err;

    // the queues' entries in the shared descriptor cache (queue q: index q)
    wire [NUM_QUEUES*PARTS-1:0]      c_wr_parts;
    wire [NUM_QUEUES*DCL-1:0]        c_wr_pos, c_rd_pos;
    wire [NUM_QUEUES-1:0]            c_rd_req, c_rd_grant, c_ld_valid;
    wire [ADDR_WIDTH-1:0]            c_ld_src, c_ld_dst;   // the entry loaded (shared)
    wire [31:0]                      c_ld_len;
    wire [63:0]                      c_ld_cookie;
    wire                             c_ld_irq, c_ld_fence, c_ld_fetch_err, c_ld_bad, c_ld_whole;
    wire [8:0]                       c_ld_first;

    foliodma_desc_cache #(
        .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .NUM_QUEUES(NUM_QUEUES), .DESC_CACHE(DESC_CACHE)
    ) desc_cache (
        .clk(clk), .rst(core_rst),
        .wr_parts(c_wr_parts), .wr_pos(c_wr_pos), .rdata(m_axi_rdata), .rresp(m_axi_rresp),
        .rd_req(c_rd_req), .rd_pos(c_rd_pos), .rd_grant(c_rd_grant), .ld_valid(c_ld_valid),
        .ld_src(c_ld_src), .ld_dst(c_ld_dst), .ld_len(c_ld_len), .ld_irq(c_ld_irq),
        .ld_fence(c_ld_fence), .ld_cookie(c_ld_cookie), .ld_fetch_err(c_ld_fetch_err), .ld_bad(c_ld_bad),
        .ld_first(c_ld_first), .ld_whole(c_ld_whole)
    );

    genvar q;
    generate
        for (q = 0; q < NUM_QUEUES; q = q + 1) begin : queue
            foliodma_queue #(
                .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .DESC_CACHE(DESC_CACHE)
            ) front (
                .clk(clk), .rst(core_rst),
                .reg_wr(reg_wr && w_is_queue && wq_index == q), .reg_waddr(wq_rel[QUEUE_INDEX_LSB-1:0]),
                .reg_wdata(reg_wdata), .reg_raddr(rq_rel[QUEUE_INDEX_LSB-1:0]), .reg_rdata(q_rdata[32*q +: 32]),
                .engine_enable(engine_enable), .quiesce(soft_reset_req),
                .busy(q_busy[q]), .drained(q_drained[q]), .irq_event(q_irq_event[q]),
                .cnt_rd_beats(q_rd_beats[32*q +: 32]), .cnt_wr_beats(q_wr_beats[32*q +: 32]),
                .cnt_desc_done(q_desc_done[32*q +: 32]), .cnt_rd_stall(q_rd_stall[32*q +: 32]),
                .cnt_wr_stall(q_wr_stall[32*q +: 32]), .retired(q_retired[q]),
                .cmd_valid(cmd_valid[q]), .cmd_ready(cmd_ready[q]),
                .cmd_src(cmd_src[ADDR_WIDTH*q +: ADDR_WIDTH]), .cmd_dst(cmd_dst[ADDR_WIDTH*q +: ADDR_WIDTH]),
                .cmd_len(cmd_len[32*q +: 32]), .cmd_first(cmd_first[9*q +: 9]), .cmd_whole(cmd_whole[q]),
                .cmd_status(cmd_status[4*q +: 4]),
                .cmd_cookie(cmd_cookie[64*q +: 64]), .cmd_rec_addr(cmd_rec_addr[ADDR_WIDTH*q +: ADDR_WIDTH]),
                .st_valid(st_valid[q]), .st_status(st_status), .st_bytes(st_bytes), .st_fault(st_fault),
                .st_stale(st_stale), .st_rec_err(st_rec_err), .rate(rate[16*q +: 16]),
                .mover_rd_beat(rd_beat[q]), .mover_wr_beat(wr_beat[q]),
                .mover_rd_stall(rd_stall[q]), .mover_wr_stall(wr_stall[q]),
                .fix_valid(fix_valid[q]), .fix_rec_addr(fix_rec_addr[ADDR_WIDTH*q +: ADDR_WIDTH]),
                .fix_cookie(fix_cookie[64*q +: 64]), .fix_status(fix_status[4*q +: 4]),
                .fix_bytes(fix_bytes[32*q +: 32]), .fix_fault(fix_fault[ADDR_WIDTH*q +: ADDR_WIDTH]),
                .fix_done(fix_done[q]), .fix_err(fix_err),
                .m_axi_araddr(a_araddr[q*ADDR_WIDTH +: ADDR_WIDTH]), .m_axi_arlen(a_arlen[q*8 +: 8]),
                .m_axi_arvalid(a_arvalid[q]), .m_axi_arready(a_arready[q]),
                .m_axi_rlast(m_axi_rlast), .m_axi_rvalid(a_rvalid[q]), .m_axi_rready(a_rready[q]),
                .c_wr_parts(c_wr_parts[PARTS*q +: PARTS]), .c_wr_pos(c_wr_pos[DCL*q +: DCL]),
                .c_rd_req(c_rd_req[q]), .c_rd_pos(c_rd_pos[DCL*q +: DCL]), .c_ld_valid(c_ld_valid[q]),
                .c_ld_src(c_ld_src), .c_ld_dst(c_ld_dst), .c_ld_len(c_ld_len), .c_ld_irq(c_ld_irq),
                .c_ld_fence(c_ld_fence), .c_ld_cookie(c_ld_cookie), .c_ld_fetch_err(c_ld_fetch_err),
                .c_ld_bad(c_ld_bad), .c_ld_first(c_ld_first), .c_ld_whole(c_ld_whole)
            );
        end
    endgenerate

    foliodma_mover #(
        .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .NUM_QUEUES(NUM_QUEUES),
        .MAX_BURSTS(MAX_BURSTS), .FIFO_DEPTH(FIFO_DEPTH)
    ) mover (
        .clk(clk), .rst(core_rst),
        .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_src(cmd_src), .cmd_dst(cmd_dst),
        .cmd_len(cmd_len), .cmd_first(cmd_first), .cmd_whole(cmd_whole), .cmd_status(cmd_status),
        .cmd_cookie(cmd_cookie),
        .cmd_rec_addr(cmd_rec_addr),
        .st_valid(st_valid), .st_status(st_status), .st_bytes(st_bytes), .st_fault(st_fault),
        .st_stale(st_stale), .st_rec_err(st_rec_err),
        .fix_valid(fix_valid), .fix_rec_addr(fix_rec_addr), .fix_cookie(fix_cookie),
        .fix_status(fix_status), .fix_bytes(fix_bytes), .fix_fault(fix_fault),
        .fix_done(fix_done), .fix_err(fix_err),
        .rate(rate), .rd_beat(rd_beat), .wr_beat(wr_beat), .rd_stall(rd_stall), .wr_stall(wr_stall),
        .m_axi_araddr(a_araddr[NUM_QUEUES*ADDR_WIDTH +: ADDR_WIDTH]), .m_axi_arlen(a_arlen[NUM_QUEUES*8 +: 8]),
        .m_axi_arvalid(a_arvalid[NUM_QUEUES]), .m_axi_arready(a_arready[NUM_QUEUES]),
        .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp), .m_axi_rlast(m_axi_rlast),
        .m_axi_rvalid(a_rvalid[NUM_QUEUES]), .m_axi_rready(a_rready[NUM_QUEUES]),
        .m_axi_awaddr(a_awaddr), .m_axi_awlen(a_awlen),
        .m_axi_awvalid(a_awvalid), .m_axi_awready(a_awready),
        .m_axi_wdata(a_wdata), .m_axi_wstrb(a_wstrb),
        .m_axi_wlast(a_wlast), .m_axi_wvalid(a_wvalid), .m_axi_wready(a_wready),
        .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(a_bvalid), .m_axi_bready(a_bready)
    );

    // ------------------------------------------------------------ shared master
    // the arbiter's AR, AW and W leave through forward register slices: every AXI output
    // of the engine comes from a flip-flop (RREADY is constant; BREADY is a queue state)
    wire [ID_WIDTH-1:0]     g_arid, g_awid;
    wire [ADDR_WIDTH-1:0]   g_araddr, g_awaddr;
    wire [7:0]              g_arlen, g_awlen;
    wire                    g_arvalid, g_arready, g_awvalid, g_awready, g_wvalid, g_wready, g_wlast;
    wire [DATA_WIDTH-1:0]   g_wdata;
    wire [DATA_WIDTH/8-1:0] g_wstrb;

    foliodma_axi_arbiter #(
        .MR(MR), .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH)
    ) arbiter (
        .clk(clk), .rst(rst),
        .s_arvalid(a_arvalid), .s_arready(a_arready), .s_araddr(a_araddr), .s_arlen(a_arlen),
        .s_rvalid(a_rvalid), .s_rready(a_rready),
        .s_awvalid(a_awvalid), .s_awready(a_awready), .s_awaddr(a_awaddr), .s_awlen(a_awlen),
        .s_wvalid(a_wvalid), .s_wready(a_wready), .s_wdata(a_wdata), .s_wstrb(a_wstrb), .s_wlast(a_wlast),
        .s_bvalid(a_bvalid), .s_bready(a_bready),
        .m_arid(g_arid), .m_araddr(g_araddr), .m_arlen(g_arlen), .m_arvalid(g_arvalid),
        .m_arready(g_arready), .m_rid(m_axi_rid), .m_rvalid(m_axi_rvalid), .m_rready(m_axi_rready),
        .m_awid(g_awid), .m_awaddr(g_awaddr), .m_awlen(g_awlen), .m_awvalid(g_awvalid),
        .m_awready(g_awready), .m_wdata(g_wdata), .m_wstrb(g_wstrb), .m_wlast(g_wlast),
        .m_wvalid(g_wvalid), .m_wready(g_wready), .m_bid(m_axi_bid), .m_bvalid(m_axi_bvalid),
        .m_bready(m_axi_bready)
    );

    foliodma_reg_slice #(.WIDTH(ID_WIDTH + ADDR_WIDTH + 8)) ar_slice (
        .clk(clk), .rst(rst),
        .in_valid(g_arvalid), .in_ready(g_arready), .in_data({g_arid, g_araddr, g_arlen}),
        .out_valid(m_axi_arvalid), .out_ready(m_axi_arready), .out_data({m_axi_arid, m_axi_araddr, m_axi_arlen})
    );
    foliodma_reg_slice #(.WIDTH(ID_WIDTH + ADDR_WIDTH + 8)) aw_slice (
        .clk(clk), .rst(rst),
        .in_valid(g_awvalid), .in_ready(g_awready), .in_data({g_awid, g_awaddr, g_awlen}),
        .out_valid(m_axi_awvalid), .out_ready(m_axi_awready), .out_data({m_axi_awid, m_axi_awaddr, m_axi_awlen})
    );
    // W: data and {strobes, last} in two slices that move in lockstep (the same valid and
    // ready), so the wide data is never concatenated with the rest (a cost in simulation)
    wire w_ctl_ready, w_ctl_valid;
    foliodma_reg_slice #(.WIDTH(DATA_WIDTH)) w_slice (
        .clk(clk), .rst(rst),
        .in_valid(g_wvalid), .in_ready(g_wready), .in_data(g_wdata),
        .out_valid(m_axi_wvalid), .out_ready(m_axi_wready), .out_data(m_axi_wdata)
    );
    foliodma_reg_slice #(.WIDTH(DATA_WIDTH / 8 + 1)) w_ctl_slice (
        .clk(clk), .rst(rst),
        .in_valid(g_wvalid), .in_ready(w_ctl_ready), .in_data({g_wstrb, g_wlast}),
        .out_valid(w_ctl_valid), .out_ready(m_axi_wready), .out_data({m_axi_wstrb, m_axi_wlast})
    );

    assign m_axi_arsize = BBL[2:0];
    assign m_axi_arburst = 2'b01;
    assign m_axi_arlock = 1'b0;
    assign m_axi_arcache = 4'b0011;
    assign m_axi_arprot = 3'b000;
    assign m_axi_awsize = BBL[2:0];
    assign m_axi_awburst = 2'b01;
    assign m_axi_awlock = 1'b0;
    assign m_axi_awcache = 4'b0011;
    assign m_axi_awprot = 3'b000;

    wire unused = &{1'b0, s_axil_awprot, s_axil_arprot, s_axil_wstrb, w_ctl_ready, w_ctl_valid, c_rd_grant};
endmodule

`resetall
