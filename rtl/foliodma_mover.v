// foliodma_mover: the back end of one queue. Copies memory for a stream of commands.
//
// Contract:
//   * cmd_*: one command per handshake: copy cmd_len bytes from cmd_src to cmd_dst
//     (both multiples of 64, length > 0, validated by the front end), or, when
//     cmd_status != 0, no bus traffic at all: the command completes with that status.
//   * st_*: exactly one status per command, in command order, a one-cycle pulse that
//     is always accepted: SUCCESS with bytes = length, or the first error: READ_ERROR
//     (fault = source address of the failing read burst) or WRITE_ERROR (fault =
//     destination address of the failing write burst); bytes = bytes of the write bursts
//     that completed without error before the first failing one.
//   * Read mover: cuts bursts at 4 KiB boundaries and 256 beats; keeps up to MAX_BURSTS
//     bursts in flight; issues a burst only when the data FIFO has room for all of it
//     (so R is never back-pressured); honours an optional throughput cap (rate).
//   * Write mover: cut-through. A write burst is requested once data for it has begun
//     to arrive; beats read with an error are written with WSTRB = 0, so a failed read
//     never puts garbage into memory. Up to MAX_BURSTS write bursts await their B.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_mover #(
    parameter integer DATA_WIDTH = 512,   // 64, 128, 256 or 512
    parameter integer ADDR_WIDTH = 32,
    parameter integer MAX_BURSTS = 16,    // bursts in flight per direction
    parameter integer FIFO_DEPTH = 1024,  // data FIFO, beats (power of two, >= 256)
    parameter integer CMD_DEPTH = 32      // commands between the read and the write mover
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire                      cmd_valid,
    output wire                      cmd_ready,
    input  wire [63:0]               cmd_src,
    input  wire [63:0]               cmd_dst,
    input  wire [31:0]               cmd_len,
    input  wire [3:0]                cmd_status,

    output reg                       st_valid,
    output reg  [3:0]                st_status,
    output reg  [31:0]               st_bytes,
    output reg  [63:0]               st_fault,

    input  wire [15:0]               rate,        // 1/256 beats per cycle, 0: uncapped
    output wire                      busy,
    output wire                      rd_beat,     // counter strobes, one per cycle
    output wire                      wr_beat,
    output wire                      rd_stall,
    output wire                      wr_stall,

    output wire [ADDR_WIDTH-1:0]     m_axi_araddr,
    output wire [7:0]                m_axi_arlen,
    output wire                      m_axi_arvalid,
    input  wire                      m_axi_arready,
    input  wire [DATA_WIDTH-1:0]     m_axi_rdata,
    input  wire [1:0]                m_axi_rresp,
    input  wire                      m_axi_rlast,
    input  wire                      m_axi_rvalid,
    output wire                      m_axi_rready,

    output wire [ADDR_WIDTH-1:0]     m_axi_awaddr,
    output wire [7:0]                m_axi_awlen,
    output wire                      m_axi_awvalid,
    input  wire                      m_axi_awready,
    output wire [DATA_WIDTH-1:0]     m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]   m_axi_wstrb,
    output wire                      m_axi_wlast,
    output wire                      m_axi_wvalid,
    input  wire                      m_axi_wready,
    input  wire [1:0]                m_axi_bresp,
    input  wire                      m_axi_bvalid,
    output wire                      m_axi_bready
);
`include "foliodma_layout.vh"

    localparam integer BB = DATA_WIDTH / 8;          // bytes per beat
    localparam integer BBL = $clog2(BB);
    localparam integer FL = $clog2(FIFO_DEPTH);
    localparam integer OL = $clog2(MAX_BURSTS + 1);
    localparam integer QD = 2 * MAX_BURSTS;          // burst queues: in flight + nulls

    // beats from addr to the next 4 KiB boundary, at most 256
    function [8:0] burst_beats;
        /* verilator lint_off UNUSEDSIGNAL */
        input [63:0] addr;    // only the offset in its 4 KiB page matters
        /* verilator lint_on UNUSEDSIGNAL */
        input [31:0] beats_left;
        reg [12:0] to4k;
        begin
            to4k = (13'd4096 - {1'b0, addr[11:0]}) >> BBL;
            burst_beats = 9'd256;
            if ({19'd0, to4k} < beats_left && to4k < 13'd256) burst_beats = to4k[8:0];
            else if (beats_left < 32'd256) burst_beats = beats_left[8:0];
        end
    endfunction

    // =========================================================== read mover (AR, R)
    reg         rd_active;
    reg [63:0]  rd_addr;
    reg [31:0]  rd_beats_left;
    reg [OL-1:0] rd_in_flight;      // bursts issued, RLAST not yet seen
    reg [FL:0]  fifo_reserved;      // beats issued on AR and not yet sent on W
    reg [17:0]  tokens;             // throughput cap bucket, 1/256 beats

    wire [8:0]  rd_burst = burst_beats(rd_addr, rd_beats_left);
    wire [FL:0] fifo_free = FIFO_DEPTH[FL:0] - fifo_reserved;
    wire        rate_ok = (rate == 16'd0) || (tokens >= {1'b0, rd_burst, 8'd0});
    assign m_axi_arvalid = rd_active && rd_in_flight < MAX_BURSTS[OL-1:0]
                           && fifo_free >= {{(FL-8){1'b0}}, rd_burst} && rate_ok;
    assign m_axi_araddr = rd_addr[ADDR_WIDTH-1:0];
    assign m_axi_arlen = rd_burst[7:0] - 8'd1;
    wire ar_hs = m_axi_arvalid && m_axi_arready;
    wire rd_last_burst = ar_hs && ({23'd0, rd_burst} == rd_beats_left);

    wire wcmd_ready;
    assign cmd_ready = wcmd_ready && (!rd_active || rd_last_burst);
    wire cmd_hs = cmd_valid && cmd_ready;

    wire r_hs = m_axi_rvalid && m_axi_rready;
    assign m_axi_rready = 1'b1;   // FIFO room was reserved when the burst was issued
    wire w_hs;                    // a data beat left on W

    always @(posedge clk) begin
        if (rst) begin
            rd_active <= 1'b0;
            rd_addr <= 64'd0;
            rd_beats_left <= 32'd0;
            rd_in_flight <= {OL{1'b0}};
            fifo_reserved <= {(FL+1){1'b0}};
            tokens <= 18'd0;
        end else begin
            if (cmd_hs) begin
                rd_active <= (cmd_status == 4'd0);
                rd_addr <= cmd_src;
                rd_beats_left <= cmd_len >> BBL;
            end else if (ar_hs) begin
                rd_addr <= rd_addr + ({55'd0, rd_burst} << BBL);
                rd_beats_left <= rd_beats_left - {23'd0, rd_burst};
                if (rd_last_burst) rd_active <= 1'b0;
            end
            rd_in_flight <= rd_in_flight + {{(OL-1){1'b0}}, ar_hs}
                            - {{(OL-1){1'b0}}, r_hs && m_axi_rlast};
            fifo_reserved <= fifo_reserved + (ar_hs ? {{(FL-8){1'b0}}, rd_burst} : {(FL+1){1'b0}})
                             - {{FL{1'b0}}, w_hs};
            if (rate == 16'd0) begin
                tokens <= 18'd0;
            end else begin
                // refill, capped at one maximal burst, minus what this AR spends
                tokens <= ((tokens + {2'd0, rate} > 18'h10000) ? 18'h10000 : tokens + {2'd0, rate})
                          - (ar_hs ? {1'b0, rd_burst, 8'd0} : 18'd0);
            end
        end
    end

    // data FIFO: {read error, data}
    wire [DATA_WIDTH:0] fifo_out;
    wire                fifo_out_valid;
    wire [FL:0]         fifo_count;
    wire                fifo_in_ready;   // always: room was reserved
    foliodma_fifo #(.WIDTH(DATA_WIDTH + 1), .DEPTH(FIFO_DEPTH)) data_fifo (
        .clk(clk), .rst(rst),
        .in_data({m_axi_rresp != 2'b00, m_axi_rdata}), .in_valid(r_hs), .in_ready(fifo_in_ready),
        .out_data(fifo_out), .out_valid(fifo_out_valid), .out_ready(w_hs),
        .count(fifo_count)
    );

    // ======================================================= write mover (AW, W, B)
    // commands handed from the read mover: {status, len, dst, src}
    wire [163:0] wcmd;
    wire         wcmd_valid;
    wire [$clog2(CMD_DEPTH):0] wcmd_count;
    reg          wc_take;
    foliodma_fifo #(.WIDTH(164), .DEPTH(CMD_DEPTH)) cmd_fifo (
        .clk(clk), .rst(rst),
        .in_data({cmd_status, cmd_len, cmd_dst, cmd_src}), .in_valid(cmd_hs), .in_ready(wcmd_ready),
        .out_data(wcmd), .out_valid(wcmd_valid), .out_ready(wc_take),
        .count(wcmd_count)
    );
    wire [3:0]  wcmd_status = wcmd[163:160];
    wire [31:0] wcmd_len = wcmd[159:128];
    wire [63:0] wcmd_dst = wcmd[127:64];
    wire [63:0] wcmd_src = wcmd[63:0];

    reg         wc_active;
    reg [63:0]  wc_dst;
    reg [63:0]  wc_src;
    reg [31:0]  wc_beats_left;
    reg [FL:0]  aw_ahead;           // beats of accepted AW bursts not yet sent on W
    reg [OL-1:0] wr_in_flight;      // AW accepted, B not yet received

    wire [8:0]  wc_burst = burst_beats(wc_dst, wc_beats_left);
    wire        wc_last_burst = {23'd0, wc_burst} == wc_beats_left;

    // burst queues: W side (after AW) and B side (after WLAST)
    // entry: {null, status[3:0], last, beats[8:0], dst[63:0], src[63:0]}
    localparam integer QW = 1 + 4 + 1 + 9 + 64 + 64;
    wire [QW-1:0] wq_in;
    wire          wq_push;
    wire          wq_room;
    wire [QW-1:0] wq_head;
    wire          wq_valid;
    wire          wq_pop;
    wire [$clog2(QD):0] wq_count;

    assign m_axi_awvalid = wc_active && wq_room && wr_in_flight < MAX_BURSTS[OL-1:0]
                           && aw_ahead < fifo_count;
    assign m_axi_awaddr = wc_dst[ADDR_WIDTH-1:0];
    assign m_axi_awlen = wc_burst[7:0] - 8'd1;
    wire aw_hs = m_axi_awvalid && m_axi_awready;
    wire null_push = !wc_active && wcmd_valid && wcmd_status != 4'd0 && wq_room;

    always @(*) begin
        // take the next command when idle, or as the last burst of this one goes
        wc_take = wcmd_valid && wq_room && (!wc_active || (aw_hs && wc_last_burst));
        if (wcmd_valid && wcmd_status != 4'd0 && wc_active) wc_take = 1'b0;  // nulls wait for idle
    end

    assign wq_push = aw_hs || null_push;
    assign wq_in = null_push ? {1'b1, wcmd_status, 1'b1, 9'd0, 64'd0, 64'd0}
                             : {1'b0, 4'd0, wc_last_burst, wc_burst, wc_dst, wc_src};

    always @(posedge clk) begin
        if (rst) begin
            wc_active <= 1'b0;
            wc_dst <= 64'd0;
            wc_src <= 64'd0;
            wc_beats_left <= 32'd0;
            aw_ahead <= {(FL+1){1'b0}};
        end else begin
            if (wc_take) begin
                wc_active <= wcmd_status == 4'd0;
                wc_dst <= wcmd_dst;
                wc_src <= wcmd_src;
                wc_beats_left <= wcmd_len >> BBL;
            end else if (aw_hs) begin
                wc_dst <= wc_dst + ({55'd0, wc_burst} << BBL);
                wc_src <= wc_src + ({55'd0, wc_burst} << BBL);
                wc_beats_left <= wc_beats_left - {23'd0, wc_burst};
                if (wc_last_burst) wc_active <= 1'b0;
            end
            aw_ahead <= aw_ahead + (aw_hs ? {{(FL-8){1'b0}}, wc_burst} : {(FL+1){1'b0}})
                        - {{FL{1'b0}}, w_hs};
        end
    end

    foliodma_fifo #(.WIDTH(QW), .DEPTH(QD)) w_queue (
        .clk(clk), .rst(rst),
        .in_data(wq_in), .in_valid(wq_push), .in_ready(wq_room),
        .out_data(wq_head), .out_valid(wq_valid), .out_ready(wq_pop),
        .count(wq_count)
    );
    wire        wq_null = wq_head[QW-1];
    wire [8:0]  wq_beats = wq_head[136:128];
    wire [63:0] wq_src = wq_head[63:0];

    // W beats
    reg [8:0]  w_beat;
    reg        w_rerr;          // this burst carried a beat read with an error
    reg [63:0] w_rerr_addr;     // source address of that first beat
    wire       w_err_beat = fifo_out[DATA_WIDTH];
    wire       w_burst_last = w_beat == wq_beats - 9'd1;
    wire       bq_room;

    assign m_axi_wvalid = wq_valid && !wq_null && fifo_out_valid && bq_room;
    assign m_axi_wdata = fifo_out[DATA_WIDTH-1:0];
    assign m_axi_wstrb = w_err_beat ? {BB{1'b0}} : {BB{1'b1}};
    assign m_axi_wlast = w_burst_last;
    assign w_hs = m_axi_wvalid && m_axi_wready;
    wire w_done = w_hs && w_burst_last;
    wire null_move = wq_valid && wq_null && bq_room;
    assign wq_pop = w_done || null_move;

    always @(posedge clk) begin
        if (rst) begin
            w_beat <= 9'd0;
            w_rerr <= 1'b0;
            w_rerr_addr <= 64'd0;
        end else if (w_hs) begin
            w_beat <= w_burst_last ? 9'd0 : w_beat + 9'd1;
            if (w_burst_last) w_rerr <= 1'b0;
            else if (w_err_beat && !w_rerr) w_rerr <= 1'b1;
            if (w_err_beat && !w_rerr) w_rerr_addr <= wq_src + ({55'd0, w_beat} << BBL);
        end
    end

    // B side entry: {null, status, last, rerr, bytes[31:0], fault[63:0], dst[63:0]}
    localparam integer QB = 1 + 4 + 1 + 1 + 32 + 64 + 64;
    wire        this_rerr = w_rerr || w_err_beat;
    wire [63:0] this_rerr_addr = w_rerr ? w_rerr_addr : wq_src + ({55'd0, w_beat} << BBL);
    wire [QB-1:0] bq_in = null_move ? {1'b1, wq_head[QW-2 -: 4], 1'b1, 1'b0, 32'd0, 64'd0, 64'd0}
                                    : {1'b0, 4'd0, wq_head[QW-6], this_rerr,
                                       ({23'd0, wq_beats} << BBL), this_rerr_addr, wq_head[127:64]};
    wire [QB-1:0] bq_head;
    wire          bq_valid;
    wire          bq_pop;
    wire [$clog2(QD):0] bq_count;
    foliodma_fifo #(.WIDTH(QB), .DEPTH(QD)) b_queue (
        .clk(clk), .rst(rst),
        .in_data(bq_in), .in_valid(w_done || null_move), .in_ready(bq_room),
        .out_data(bq_head), .out_valid(bq_valid), .out_ready(bq_pop),
        .count(bq_count)
    );
    wire        bq_null = bq_head[QB-1];
    wire [3:0]  bq_status = bq_head[QB-2 -: 4];
    wire        bq_last = bq_head[QB-6];
    wire        bq_rerr = bq_head[QB-7];
    wire [31:0] bq_bytes = bq_head[159:128];
    wire [63:0] bq_rerr_addr = bq_head[127:64];
    wire [63:0] bq_dst = bq_head[63:0];

    assign m_axi_bready = bq_valid && !bq_null;
    wire b_hs = m_axi_bvalid && m_axi_bready;
    assign bq_pop = b_hs || (bq_valid && bq_null);

    always @(posedge clk) begin
        if (rst) begin
            wr_in_flight <= {OL{1'b0}};
        end else begin
            wr_in_flight <= wr_in_flight + {{(OL-1){1'b0}}, aw_hs} - {{(OL-1){1'b0}}, b_hs};
        end
    end

    // per-command status accumulation, in order
    reg        acc_failed;
    reg [3:0]  acc_status;
    reg [31:0] acc_bytes;
    reg [63:0] acc_fault;
    wire       b_err = m_axi_bresp != 2'b00;

    always @(posedge clk) begin
        st_valid <= 1'b0;
        if (rst) begin
            acc_failed <= 1'b0;
            acc_status <= 4'd0;
            acc_bytes <= 32'd0;
            acc_fault <= 64'd0;
            st_status <= 4'd0;
            st_bytes <= 32'd0;
            st_fault <= 64'd0;
        end else if (bq_valid && bq_null) begin
            st_valid <= 1'b1;
            st_status <= bq_status;
            st_bytes <= 32'd0;
            st_fault <= 64'd0;
        end else if (b_hs) begin : account
            reg        failed;
            reg [3:0]  status;
            reg [31:0] bytes;
            reg [63:0] fault;
            failed = acc_failed;
            status = acc_status;
            bytes = acc_bytes;
            fault = acc_fault;
            if (!failed) begin
                if (bq_rerr) begin
                    failed = 1'b1;
                    status = STATUS_READ_ERROR;
                    fault = bq_rerr_addr;
                end else if (b_err) begin
                    failed = 1'b1;
                    status = STATUS_WRITE_ERROR;
                    fault = bq_dst;
                end else begin
                    bytes = bytes + bq_bytes;
                end
            end
            if (bq_last) begin
                st_valid <= 1'b1;
                st_status <= failed ? status : STATUS_SUCCESS;
                st_bytes <= bytes;
                st_fault <= failed ? fault : 64'd0;
                acc_failed <= 1'b0;
                acc_status <= 4'd0;
                acc_bytes <= 32'd0;
                acc_fault <= 64'd0;
            end else begin
                acc_failed <= failed;
                acc_status <= status;
                acc_bytes <= bytes;
                acc_fault <= fault;
            end
        end
    end

    // ------------------------------------------------------------------- observation
    assign busy = rd_active || wc_active || wcmd_valid || wq_valid || bq_valid
                  || rd_in_flight != {OL{1'b0}} || fifo_out_valid;
    assign rd_beat = r_hs;
    assign wr_beat = w_hs;
    assign rd_stall = (m_axi_arvalid && !m_axi_arready)
                      || (rd_in_flight != {OL{1'b0}} && !m_axi_rvalid);
    assign wr_stall = (m_axi_awvalid && !m_axi_awready) || (m_axi_wvalid && !m_axi_wready);

    wire unused = &{1'b0, wq_count, bq_count, wcmd_count, fifo_in_ready};
endmodule

`resetall
