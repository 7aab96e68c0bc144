// foliodma_mover: the back end of one queue. Copies memory for a stream of commands.
//
// Contract:
//   * cmd_*: one command per handshake: copy cmd_len bytes from cmd_src to cmd_dst
//     (both multiples of 64, length > 0, validated by the front end), or, when
//     cmd_status != 0, no data traffic: the command completes with that status (a
//     FETCH_ERROR command carries its record's fault address in cmd_cookie; its record's
//     cookie is 0; other no-traffic records have fault 0). Addresses are bus addresses:
//     the bits above ADDR_WIDTH are not used (the front end rejects descriptors beyond).
//   * Burst sizes are planned a cycle ahead (a register): a command's first burst as it
//     is taken, each later one in the cycle after the previous burst's handshake.
//   * Every command ends with its 32-byte completion record {cmd_cookie, status, bytes,
//     fault} written to cmd_rec_addr on the same AXI ID, right after its last data beat.
//     Record pairs (buses of 512 bits and more, where one beat holds two records): the
//     record of a command with data traffic is held and written in one beat with the next
//     command's record when, at its last data burst's AW, the next command is already
//     queued, its record is the next slot of the same beat and it moves at most
//     PAIR_MAX_BYTES (or nothing); so a held record waits for at most one small copy.
//   * st_*: one pulse per command, in command order, always accepted, once the record's
//     write response is back (a pair's two in consecutive cycles): SUCCESS with bytes =
//     length, or the first failing data burst in address order: READ_ERROR (fault =
//     source address of the first beat read with an error) or WRITE_ERROR (fault =
//     destination of the failing write burst);
//     bytes = bytes of the write bursts before it. st_stale: the record as sent does
//     not say this (it was sent before the data's write responses, so it can say only
//     success or a read error: a WRITE_ERROR record is stale), so the front end must
//     rewrite it. st_rec_err: the record's own write got an error response (the memory
//     committed nothing of it; for a pair, of either).
//   * Read mover: cuts bursts at 4 KiB boundaries and 256 beats; keeps up to MAX_BURSTS
//     bursts in flight; issues a burst only when the data FIFO has room for all of it
//     (so R is never back-pressured); honours an optional throughput cap (rate).
//   * Write mover: cut-through. A write burst is requested once data for it has begun
//     to arrive; beats read with an error are written with WSTRB = 0, so a failed read
//     never puts garbage into memory. Up to MAX_BURSTS data bursts, each with a record
//     burst beside it, await their B.
//   * fix_*: the front end's request to rewrite one record (a stale one, see st_stale) with
//     the content given, held until fix_done; it is written as a record burst of its own
//     between two commands (never inside one), and fix_done pulses (fix_err: with an error
//     response) once its write response is back. It does not produce an st_* report.
//   * AXI channel dependencies (A3.3.1): a burst's W beats are queued when its AW is
//     issued (AWVALID first raised), so W may go before, with or after the AW handshake
//     and never waits for AWREADY; AWVALID and its payload are held until AWREADY.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_mover #(
    parameter integer DATA_WIDTH = 512,   // 64, 128, 256, 512 or 1024
    parameter integer ADDR_WIDTH = 32,
    parameter integer MAX_BURSTS = 16,    // bursts in flight per direction
    parameter integer FIFO_DEPTH = 1024,  // data FIFO, beats (power of two, >= 256)
    parameter integer CMD_DEPTH = 32      // commands between the read and the write mover
) (
    input  wire                      clk,
    input  wire                      rst,

    input  wire                      cmd_valid,
    output wire                      cmd_ready,
    input  wire [ADDR_WIDTH-1:0]    cmd_src,
    input  wire [ADDR_WIDTH-1:0]    cmd_dst,
    input  wire [31:0]               cmd_len,
    input  wire [3:0]                cmd_status,
    input  wire [63:0]               cmd_cookie,     // for the completion record
    input  wire [ADDR_WIDTH-1:0]    cmd_rec_addr,   // where the record goes

    output reg                       st_valid,
    output reg  [3:0]                st_status,
    output reg  [31:0]               st_bytes,
    output reg  [ADDR_WIDTH-1:0]     st_fault,       // a bus address, like every fault
    output reg                       st_stale,       // the record as sent is out of date
    output reg                       st_rec_err,     // the record's write failed

    input  wire                      fix_valid,      // rewrite a record (held until fix_done)
    input  wire [ADDR_WIDTH-1:0]    fix_rec_addr,
    input  wire [63:0]               fix_cookie,
    input  wire [3:0]                fix_status,
    input  wire [31:0]               fix_bytes,
    input  wire [ADDR_WIDTH-1:0]     fix_fault,
    output reg                       fix_done,
    output reg                       fix_err,

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
`include "rtl/foliodma_layout.vh"   // path from the repository root (the include root)

    localparam integer BB = DATA_WIDTH / 8;          // bytes per beat
    localparam integer BBL = $clog2(BB);
    localparam integer FL = $clog2(FIFO_DEPTH);
    localparam integer WR_LIMIT = 2 * MAX_BURSTS;       // write bursts in flight: data + records
    localparam integer OL = $clog2(WR_LIMIT + 1);
    localparam integer QD = WR_LIMIT;                // burst queues (>= bursts in flight)
    localparam integer LANES = DATA_WIDTH / 256;     // records per beat (0: a record takes beats)
    localparam [31:0] PAIR_MAX_BYTES = 32'd4096;     // the copy a held record may wait for

    // ------------------------------------------------------ parameter checks
    // a whole 256-beat burst is reserved in the data FIFO before its AR (foliodma_top header)
    generate
        if (DATA_WIDTH != 64 && DATA_WIDTH != 128 && DATA_WIDTH != 256 && DATA_WIDTH != 512
            && DATA_WIDTH != 1024) begin : check_data_width
            foliodma_param_error_DATA_WIDTH_must_be_64_128_256_512_or_1024 param_error();
        end
        if (ADDR_WIDTH < 12 || ADDR_WIDTH > 64) begin : check_addr_width
            foliodma_param_error_ADDR_WIDTH_must_be_12_to_64 param_error();
        end
        if (MAX_BURSTS < 1 || (MAX_BURSTS & (MAX_BURSTS - 1)) != 0 || MAX_BURSTS > 128) begin : check_max_bursts
            foliodma_param_error_MAX_BURSTS_must_be_a_power_of_two_1_to_128 param_error();
        end
        if (FIFO_DEPTH < 1 || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0 || FIFO_DEPTH < 256) begin : check_fifo_depth
            foliodma_param_error_FIFO_DEPTH_must_be_a_power_of_two_at_least_256 param_error();
        end
        if (CMD_DEPTH < 1 || (CMD_DEPTH & (CMD_DEPTH - 1)) != 0 || CMD_DEPTH < 2) begin : check_cmd_depth
            foliodma_param_error_CMD_DEPTH_must_be_a_power_of_two_at_least_2 param_error();
        end
    endgenerate

    // beat counts: a command moves at most DESC_MAX_LENGTH bytes (byte counts are kept in
    // beats: every burst is whole beats)
    localparam integer LW = $clog2(DESC_MAX_LENGTH / BB) + 1;
    function [31:0] beats_to_bytes;
        input [LW-1:0] beats;
        begin
            beats_to_bytes = {{(32-LW){1'b0}}, beats} << BBL;
        end
    endfunction

    // the next burst from an address: to the next 4 KiB boundary, at most 256 beats and
    // at most the beats left
    function [8:0] burst_beats;
        /* verilator lint_off UNUSEDSIGNAL */
        input [AW-1:0] addr;    // only the offset in its 4 KiB page matters
        /* verilator lint_on UNUSEDSIGNAL */
        input [LW-1:0] beats_left;
        reg [12:0] n;
        begin
            n = (BURST_BOUNDARY[12:0] - {1'b0, addr[BURST_BOUNDARY_BITS-1:0]}) >> BBL;
            if (n > MAX_BURST_BEATS[12:0]) n = MAX_BURST_BEATS[12:0];
            if (beats_left < {{(LW-13){1'b0}}, n}) n = beats_left[12:0];
            burst_beats = n[8:0];
        end
    endfunction

    // =========================================================== read mover (AR, R)
    reg         rd_active;
    localparam integer AW = ADDR_WIDTH;
    reg [AW-1:0] rd_addr;
    reg [LW-1:0] rd_beats_left;
    reg [OL-1:0] rd_in_flight;      // bursts issued, RLAST not yet seen
    reg [FL:0]  fifo_reserved;      // beats issued on AR and not yet sent on W
    reg [17:0]  tokens;             // throughput cap bucket, 1/256 beats

    reg  [8:0]  rd_burst;           // beats of the next read burst (planned)
    reg         rd_last;            // it is the command's last
    reg         rd_planned;         // rd_burst and rd_last are up to date
    wire [8:0]  rd_plan = burst_beats(rd_addr, rd_beats_left);
    wire [LW-1:0] cmd_beats = cmd_len[BBL +: LW];
    wire [8:0]  cmd_first = burst_beats(cmd_src, cmd_beats);
    wire [FL:0] fifo_free = FIFO_DEPTH[FL:0] - fifo_reserved;
    wire        rate_ok = (rate == 16'd0) || (tokens >= {1'b0, rd_burst, 8'd0});
    assign m_axi_arvalid = rd_active && rd_planned && rd_in_flight < MAX_BURSTS[OL-1:0]
                           && fifo_free >= {{(FL-8){1'b0}}, rd_burst} && rate_ok;
    assign m_axi_araddr = rd_addr;
    assign m_axi_arlen = rd_burst[7:0] - 8'd1;
    wire ar_hs = m_axi_arvalid && m_axi_arready;
    wire rd_last_burst = ar_hs && rd_last;

    wire wcmd_ready;
    assign cmd_ready = wcmd_ready && (!rd_active || rd_last_burst);
    wire cmd_hs = cmd_valid && cmd_ready;

    wire r_hs = m_axi_rvalid && m_axi_rready;
    assign m_axi_rready = 1'b1;   // FIFO room was reserved when the burst was issued
    wire w_data_hs;               // a data beat left on W

    always @(posedge clk) begin
        if (rst) begin
            rd_active <= 1'b0;
            rd_addr <= {AW{1'b0}};
            rd_beats_left <= {LW{1'b0}};
            rd_burst <= 9'd0;
            rd_last <= 1'b0;
            rd_planned <= 1'b0;
            rd_in_flight <= {OL{1'b0}};
            fifo_reserved <= {(FL+1){1'b0}};
            tokens <= 18'd0;
        end else begin
            if (cmd_hs) begin
                rd_active <= (cmd_status == 4'd0);
                rd_addr <= cmd_src;
                rd_beats_left <= cmd_beats;
                rd_burst <= cmd_first;
                rd_last <= {{(LW-9){1'b0}}, cmd_first} == cmd_beats;
                rd_planned <= 1'b1;
            end else if (ar_hs) begin
                rd_addr <= rd_addr + ({{(AW-9){1'b0}}, rd_burst} << BBL);
                rd_beats_left <= rd_beats_left - {{(LW-9){1'b0}}, rd_burst};
                rd_planned <= 1'b0;
                if (rd_last_burst) rd_active <= 1'b0;
            end else if (!rd_planned) begin   // (the plan holds until the next AR)
                rd_burst <= rd_plan;
                rd_last <= {{(LW-9){1'b0}}, rd_plan} == rd_beats_left;
                rd_planned <= 1'b1;
            end
            rd_in_flight <= rd_in_flight + {{(OL-1){1'b0}}, ar_hs}
                            - {{(OL-1){1'b0}}, r_hs && m_axi_rlast};
            fifo_reserved <= fifo_reserved + (ar_hs ? {{(FL-8){1'b0}}, rd_burst} : {(FL+1){1'b0}})
                             - {{FL{1'b0}}, w_data_hs};
            if (rate == 16'd0) begin
                tokens <= 18'd0;
            end else begin
                // refill, capped at one maximal burst, minus what this AR spends
                tokens <= ((tokens + {2'd0, rate} > 18'h10000) ? 18'h10000 : tokens + {2'd0, rate})
                          - (ar_hs ? {1'b0, rd_burst, 8'd0} : 18'd0);
            end
        end
    end

    // data FIFO: the beats read and not yet written, in block RAM read through its output
    // register (as foliodma_fifo with BLOCK = 1; never full: room was reserved), each with
    // its read-error bit in a memory beside it rather than in one wider word (Icarus copies
    // a wide concatenation bit by bit on every beat)
    reg  [FL:0]           fifo_wr;
    reg  [FL:0]           fifo_rd;
    reg                   fifo_out_valid;   // the output register holds the oldest beat
    wire [DATA_WIDTH-1:0] fifo_out;
    wire                  fifo_out_err;
    wire [FL:0]           fifo_count = fifo_wr - fifo_rd + {{FL{1'b0}}, fifo_out_valid};
    wire                  fifo_load = fifo_wr != fifo_rd && (!fifo_out_valid || w_data_hs);
    foliodma_ram #(.WIDTH(DATA_WIDTH), .DEPTH(FIFO_DEPTH), .BLOCK(1)) fifo_data (
        .clk(clk), .we(r_hs), .waddr(fifo_wr[FL-1:0]), .wdata(m_axi_rdata),
        .re(fifo_load), .raddr(fifo_rd[FL-1:0]), .rdata(fifo_out)
    );
    foliodma_ram #(.WIDTH(1), .DEPTH(FIFO_DEPTH), .BLOCK(1)) fifo_err (
        .clk(clk), .we(r_hs), .waddr(fifo_wr[FL-1:0]), .wdata(m_axi_rresp != 2'b00),
        .re(fifo_load), .raddr(fifo_rd[FL-1:0]), .rdata(fifo_out_err)
    );
    always @(posedge clk) begin
        if (rst) begin
            fifo_wr <= {(FL+1){1'b0}};
            fifo_rd <= {(FL+1){1'b0}};
            fifo_out_valid <= 1'b0;
        end else begin
            if (r_hs) fifo_wr <= fifo_wr + 1'b1;
            if (fifo_load) fifo_rd <= fifo_rd + 1'b1;
            if (fifo_load) fifo_out_valid <= 1'b1;
            else if (w_data_hs) fifo_out_valid <= 1'b0;
        end
    end

    // ======================================================= write mover (AW, W, B)
    // Every command ends with its completion record, written on the same AXI ID right
    // after the command's last data beat, so the record reaches memory without waiting
    // for the data's write responses. Its content is final unless a data write response
    // reports an error after it was sent: the status then says st_stale and the front
    // end rewrites the record before it lets HEAD pass.
    localparam integer RB = (DATA_WIDTH >= 256) ? 1 : 256 / DATA_WIDTH;   // beats per record

    // commands handed from the read mover
    localparam integer CMW = 64 + 3 * AW + 36;
    wire [CMW-1:0] wcmd;
    wire         wcmd_valid;
    wire [$clog2(CMD_DEPTH):0] wcmd_count;
    wire         wc_take;
    foliodma_fifo #(.WIDTH(CMW), .DEPTH(CMD_DEPTH)) cmd_fifo (
        .clk(clk), .rst(rst),
        .in_data({cmd_cookie, cmd_rec_addr, cmd_status, cmd_len, cmd_dst, cmd_src}),
        .in_valid(cmd_hs), .in_ready(wcmd_ready),
        .out_data(wcmd), .out_valid(wcmd_valid), .out_ready(wc_take),
        .count(wcmd_count)
    );
    wire [63:0] wcmd_cookie = wcmd[CMW-1 -: 64];
    wire [AW-1:0] wcmd_rec_addr = wcmd[3*AW+35 -: AW];
    wire [3:0]  wcmd_status = wcmd[2*AW+35 -: 4];
    wire [31:0] wcmd_len = wcmd[2*AW+31 -: 32];
    wire [AW-1:0] wcmd_dst = wcmd[2*AW-1 -: AW];
    wire [AW-1:0] wcmd_src = wcmd[AW-1:0];
    wire [LW-1:0] wcmd_beats = wcmd_len[BBL +: LW];
    wire [8:0]  wcmd_first = burst_beats(wcmd_dst, wcmd_beats);

    // ----------------------------------------------------------------- AW stage
    reg         wc_data;            // data bursts of the current command remain
    reg         wc_rec;             // its record burst remains
    reg [AW-1:0] wc_dst;
    reg [AW-1:0] wc_src;
    reg [LW-1:0] wc_beats_left;
    reg [63:0]  wc_cookie;
    reg [AW-1:0] wc_rec_addr;
    reg [3:0]   wc_status;
    reg [FL:0]  aw_ahead;           // data beats of issued AW bursts not yet sent on W
    reg [OL-1:0] wr_in_flight;      // AW issued, B not yet received
    reg         aw_pend;            // an issued AW waits for AWREADY (held, payload stable)
    reg         wc_pair;            // this command's record also carries the held one
    reg         wc_hold;            // the last data AW, issued and waiting: its record is held

    reg  [8:0]  wc_burst;           // beats of the next write burst (planned)
    reg         wc_last_burst;      // it is the command's last
    reg         wc_planned;         // wc_burst and wc_last_burst are up to date
    wire [8:0]  wc_plan = burst_beats(wc_dst, wc_beats_left);
    wire        wq_room;
    wire        aw_room = wq_room && wr_in_flight < WR_LIMIT[OL-1:0];

    // hold this command's record for the next one's (see the header), decided as its last
    // data AW is issued
    wire        next_rec_in_beat;   // the next command's record is the next slot of this beat
    generate
        if (LANES >= 2) begin : pairs
            assign next_rec_in_beat = wcmd_rec_addr[AW-1:BBL] == wc_rec_addr[AW-1:BBL]
                                      && wcmd_rec_addr[BBL-1:5] == wc_rec_addr[BBL-1:5] + 1'b1;
        end else begin : no_pairs
            assign next_rec_in_beat = 1'b0;
        end
    endgenerate
    wire        hold_ok = !wc_pair && wcmd_valid && next_rec_in_beat
                          && (wcmd_status != 4'd0 || wcmd_len <= PAIR_MAX_BYTES);
    wire        hold = aw_pend ? wc_hold : hold_ok;

    // a rewrite goes between two commands: while it is requested and not yet sent, no
    // command is taken
    reg         fix_sent;           // the rewrite's AW has been accepted
    wire        fix_now = fix_valid && !fix_sent && !wc_data && !wc_rec;
    assign wc_take = wcmd_valid && !wc_data && !wc_rec && !(fix_valid && !fix_sent);
    assign m_axi_awvalid = aw_pend
                           || (aw_room && ((wc_data && wc_planned && aw_ahead < fifo_count) || (!wc_data && wc_rec)
                                           || fix_now));
    assign m_axi_awaddr = wc_data ? wc_dst
                          : fix_now ? {fix_rec_addr[AW-1:BBL], {BBL{1'b0}}}
                          : {wc_rec_addr[AW-1:BBL], {BBL{1'b0}}};
    assign m_axi_awlen = wc_data ? wc_burst[7:0] - 8'd1 : RB[7:0] - 8'd1;
    wire aw_hs = m_axi_awvalid && m_axi_awready;
    wire aw_data_hs = aw_hs && wc_data;
    // issue: the first cycle of an AW; its W queue entry is pushed now (the wc_* payload
    // only moves on to the next burst at the handshake)
    wire aw_issue = m_axi_awvalid && !aw_pend;
    wire aw_data_issue = aw_issue && wc_data;

    always @(posedge clk) begin
        if (rst) begin
            wc_data <= 1'b0;
            wc_rec <= 1'b0;
            wc_dst <= {AW{1'b0}};
            wc_src <= {AW{1'b0}};
            wc_burst <= 9'd0;
            wc_last_burst <= 1'b0;
            wc_planned <= 1'b0;
            wc_beats_left <= {LW{1'b0}};
            wc_cookie <= 64'd0;
            wc_rec_addr <= {AW{1'b0}};
            wc_status <= 4'd0;
            aw_ahead <= {(FL+1){1'b0}};
            aw_pend <= 1'b0;
            wc_pair <= 1'b0;
            wc_hold <= 1'b0;
            fix_sent <= 1'b0;
        end else begin
            aw_pend <= m_axi_awvalid && !m_axi_awready;
            if (aw_data_issue && wc_last_burst) wc_hold <= hold_ok;
            if (!fix_valid) fix_sent <= 1'b0;
            else if (aw_hs && fix_now) fix_sent <= 1'b1;
            if (wc_take) begin
                wc_data <= wcmd_status == 4'd0;
                wc_rec <= 1'b1;
                wc_dst <= wcmd_dst;
                wc_src <= wcmd_src;
                wc_beats_left <= wcmd_beats;
                wc_burst <= wcmd_first;
                wc_last_burst <= {{(LW-9){1'b0}}, wcmd_first} == wcmd_beats;
                wc_planned <= 1'b1;
                wc_cookie <= wcmd_cookie;   // FETCH_ERROR: the fault address
                wc_rec_addr <= wcmd_rec_addr;
                wc_status <= wcmd_status;
            end else if (aw_data_hs) begin
                wc_dst <= wc_dst + ({{(AW-9){1'b0}}, wc_burst} << BBL);
                wc_src <= wc_src + ({{(AW-9){1'b0}}, wc_burst} << BBL);
                wc_beats_left <= wc_beats_left - {{(LW-9){1'b0}}, wc_burst};
                wc_planned <= 1'b0;
                if (wc_last_burst) begin
                    wc_data <= 1'b0;
                    if (hold) begin
                        wc_rec <= 1'b0;
                        wc_pair <= 1'b1;   // the next command's record takes this one along
                    end
                end
            end else begin
                if (aw_hs && wc_rec) begin
                    wc_rec <= 1'b0;
                    wc_pair <= 1'b0;
                end
                if (!wc_planned) begin   // (the plan holds until the next AW)
                    wc_burst <= wc_plan;
                    wc_last_burst <= {{(LW-9){1'b0}}, wc_plan} == wc_beats_left;
                    wc_planned <= 1'b1;
                end
            end
            aw_ahead <= aw_ahead + (aw_data_issue ? {{(FL-8){1'b0}}, wc_burst} : {(FL+1){1'b0}})
                        - {{FL{1'b0}}, w_data_hs};
        end
    end

    // W queue entry: {rewrite, record, pair, beats[8:0], a[63:0], b[AW-1:0], cookie[63:0], status[3:0]}
    //   data burst: a = source address, b = destination address; pair: the command's last
    //               burst, and its record (cookie) is held for the next one's
    //   record:     a = cookie (FETCH_ERROR: fault address), b = record address,
    //               status = the command's no-traffic status; pair: carries the held record
    //   rewrite:    a record whose content is fix_* (a = fix_cookie, b = fix_rec_addr)
    localparam integer QW = 3 + 9 + 64 + AW + 64 + 4;
    // (the cookie field is wc_cookie in every entry: only a data burst's is read)
    wire [QW-1:0] wq_in = wc_data ? {2'b00, wc_last_burst && hold_ok, wc_burst, {{(64-AW){1'b0}}, wc_src},
                                     wc_dst, wc_cookie, 4'd0}
                          : fix_now ? {2'b11, 1'b0, RB[8:0], fix_cookie, fix_rec_addr, wc_cookie, fix_status}
                          : {2'b01, wc_pair, RB[8:0], wc_cookie, wc_rec_addr, wc_cookie, wc_status};
    wire [QW-1:0] wq_head;
    wire          wq_valid;
    wire          wq_pop;
    wire [$clog2(QD):0] wq_count;
    foliodma_fifo #(.WIDTH(QW), .DEPTH(QD)) w_queue (
        .clk(clk), .rst(rst),
        .in_data(wq_in), .in_valid(aw_issue), .in_ready(wq_room),
        .out_data(wq_head), .out_valid(wq_valid), .out_ready(wq_pop),
        .count(wq_count)
    );
    wire        wq_fix = wq_head[QW-1];
    wire        wq_record = wq_head[QW-2];
    wire        wq_pair = wq_head[QW-3];
    wire [8:0]  wq_beats = wq_head[QW-4 -: 9];
    wire [63:0] wq_a = wq_head[AW + 68 +: 64];
    wire [AW-1:0] wq_b = wq_head[68 +: AW];
    wire [63:0] wq_cookie = wq_head[67:4];
    wire [3:0]  wq_status = wq_head[3:0];

    // ------------------------------------------------------------------ W stage
    reg [8:0]  w_beat;
    reg        w_rerr;          // this data burst carried a beat read with an error
    reg [8:0]  w_rerr_beat;     // that first beat
    // the command so far, as its record will say: first failing data burst
    reg        wa_failed;
    reg [LW-1:0] wa_beats;
    reg [AW-1:0] wa_fault;     // a data fault is a bus address
    // the held record (pair): a command's record as its data bursts said
    reg        wh_failed;
    reg [LW-1:0] wh_beats;
    reg [AW-1:0] wh_fault;
    reg [63:0] wh_cookie;
    wire       w_err_beat = fifo_out_err;
    wire       w_last = w_beat == wq_beats - 9'd1;
    wire       bq_room;

    wire [3:0]  rec_status = (wq_fix || wq_status != 4'd0) ? wq_status
                             : (wa_failed ? STATUS_READ_ERROR : STATUS_SUCCESS);
    wire        rec_fetch_err = !wq_fix && wq_status == STATUS_FETCH_ERROR;
    wire [AW-1:0] rec_fault = wq_fix ? fix_fault
                              : rec_fetch_err ? wq_a[AW-1:0] : (wa_failed ? wa_fault : {AW{1'b0}});
    wire [31:0] rec_bytes = wq_fix ? fix_bytes : beats_to_bytes(wa_beats);
    wire [DATA_WIDTH-1:0]   rec_wdata;
    wire [DATA_WIDTH/8-1:0] rec_wstrb;
    foliodma_record #(.DATA_WIDTH(DATA_WIDTH)) record (
        .cookie(rec_fetch_err ? 64'd0 : wq_a), .status(rec_status), .bytes(rec_bytes),
        .fault({{(64-AW){1'b0}}, rec_fault}),
        .rec_offset(wq_b[6:0]), .beat(w_beat),
        .pair(wq_pair), .h_cookie(wh_cookie), .h_status(wh_failed ? STATUS_READ_ERROR : STATUS_SUCCESS),
        .h_bytes(beats_to_bytes(wh_beats)), .h_fault({{(64-AW){1'b0}}, wh_fault}),
        .wdata(rec_wdata), .wstrb(rec_wstrb)
    );

    assign m_axi_wvalid = wq_valid && bq_room && (wq_record || fifo_out_valid);
    assign m_axi_wdata = wq_record ? rec_wdata : fifo_out;
    assign m_axi_wstrb = wq_record ? rec_wstrb : (w_err_beat ? {BB{1'b0}} : {BB{1'b1}});
    assign m_axi_wlast = w_last;
    wire w_hs = m_axi_wvalid && m_axi_wready;
    assign w_data_hs = w_hs && !wq_record;
    wire w_done = w_hs && w_last;
    assign wq_pop = w_done;

    wire        this_rerr = w_rerr || w_err_beat;
    // the burst's first beat read with an error, and its source address (the beat the
    // address is worked out from changes only on an error: in simulation the address does
    // not move with every beat)
    wire [8:0]  bad_beat = (w_rerr || !w_err_beat) ? w_rerr_beat : w_beat;
    wire [AW-1:0] this_rerr_addr = wq_a[AW-1:0] + ({{(AW-9){1'b0}}, bad_beat} << BBL);
    // the command with this data burst
    wire        wn_failed = wa_failed || this_rerr;
    wire [LW-1:0] wn_beats = wn_failed ? wa_beats : wa_beats + {{(LW-9){1'b0}}, wq_beats};
    wire [AW-1:0] wn_fault = wa_failed ? wa_fault : this_rerr ? this_rerr_addr : {AW{1'b0}};

    always @(posedge clk) begin
        if (rst) begin
            w_beat <= 9'd0;
            w_rerr <= 1'b0;
            w_rerr_beat <= 9'd0;
            wa_failed <= 1'b0;
            wa_beats <= {LW{1'b0}};
            wa_fault <= {AW{1'b0}};
            wh_failed <= 1'b0;
            wh_beats <= {LW{1'b0}};
            wh_fault <= {AW{1'b0}};
            wh_cookie <= 64'd0;
        end else if (w_hs) begin
            w_beat <= w_last ? 9'd0 : w_beat + 9'd1;
            if (!wq_record) begin
                if (w_last) w_rerr <= 1'b0;
                else if (w_err_beat && !w_rerr) w_rerr <= 1'b1;
                if (w_err_beat && !w_rerr) w_rerr_beat <= w_beat;
            end
            if (w_last) begin
                // a record (or a held one) starts the next command's count afresh
                wa_failed <= !(wq_record || wq_pair) && wn_failed;
                wa_beats <= (wq_record || wq_pair) ? {LW{1'b0}} : wn_beats;
                wa_fault <= (wq_record || wq_pair) ? {AW{1'b0}} : wn_fault;
                if (!wq_record && wq_pair) begin
                    wh_failed <= wn_failed;
                    wh_beats <= wn_beats;
                    wh_fault <= wn_fault;
                    wh_cookie <= wq_cookie;
                end
            end
        end
    end

    // B queue entry: {rewrite, record, pair, rerr, status[3:0], beats[8:0], a[AW-1:0], b[AW-1:0]}
    //   data burst: rerr, beats of the burst, a = first bad source address, b = destination;
    //               pair: the last of a command whose record is held
    //   record:     status = the command's no-traffic status (0: it moved data),
    //               a = its fault address if FETCH_ERROR; pair: the held record's too
    //   rewrite:    nothing else
    localparam integer QB = 1 + 1 + 1 + 1 + 4 + 9 + AW + AW;
    wire [QB-1:0] bq_in = {wq_fix, wq_record, wq_pair, this_rerr && !wq_record, wq_status, wq_beats,
                           wq_record ? wq_a[AW-1:0] : this_rerr_addr, wq_b};
    wire [QB-1:0] bq_head;
    wire          bq_valid;
    wire [$clog2(QD):0] bq_count;
    wire          b_hs = m_axi_bvalid && m_axi_bready;
    foliodma_fifo #(.WIDTH(QB), .DEPTH(QD)) b_queue (
        .clk(clk), .rst(rst),
        .in_data(bq_in), .in_valid(w_done), .in_ready(bq_room),
        .out_data(bq_head), .out_valid(bq_valid), .out_ready(b_hs),
        .count(bq_count)
    );
    wire        bq_fix = bq_head[QB-1];
    wire        bq_record = bq_head[QB-2];
    wire        bq_pair = bq_head[QB-3];
    wire        bq_rerr = bq_head[QB-4];
    wire [3:0]  bq_status = bq_head[QB-5 -: 4];
    wire [8:0]  bq_beats = bq_head[2 * AW +: 9];
    wire [AW-1:0] bq_a = bq_head[AW +: AW];
    wire [AW-1:0] bq_dst = bq_head[AW-1:0];
    wire        b_err = m_axi_bresp != 2'b00;
    assign m_axi_bready = bq_valid;

    always @(posedge clk) begin
        if (rst) begin
            wr_in_flight <= {OL{1'b0}};
        end else begin
            wr_in_flight <= wr_in_flight + {{(OL-1){1'b0}}, aw_issue} - {{(OL-1){1'b0}}, b_hs};
        end
    end

    // ------------------------------------------------------------------ B stage
    // the command so far, as its write responses say: first failing data burst, in address
    // order
    reg        ba_failed;
    reg [3:0]  ba_status;
    reg [LW-1:0] ba_beats;
    reg [AW-1:0] ba_fault;   // a data fault is a bus address
    // ... and with this data burst's response
    wire       bn_failed = ba_failed || bq_rerr || b_err;
    wire [3:0] bn_status = ba_failed ? ba_status : bq_rerr ? STATUS_READ_ERROR : STATUS_WRITE_ERROR;
    wire [LW-1:0] bn_beats = bn_failed ? ba_beats : ba_beats + {{(LW-9){1'b0}}, bq_beats};
    wire [AW-1:0] bn_fault = ba_failed ? ba_fault : bq_rerr ? bq_a : bq_dst;

    // the report of a record that landed: a no-traffic status as it is, else the data's
    wire        rec_landed = b_hs && bq_record && !bq_fix;
    wire [3:0]  land_status = bq_status != 4'd0 ? bq_status : ba_failed ? ba_status : STATUS_SUCCESS;
    wire [AW-1:0] land_fault = bq_status == STATUS_FETCH_ERROR ? bq_a
                               : ba_failed ? ba_fault : {AW{1'b0}};
    // the held report (hb_*): the first of a pair, from its last data burst's response until
    // the pair's record lands; then the second, reported in the next cycle (hb_due)
    reg        hb_due;
    reg [3:0]  hb_status;
    reg [LW-1:0] hb_beats;
    reg [AW-1:0] hb_fault;
    reg        hb_rec_err;
    wire       report_held = hb_due || (rec_landed && bq_pair);
    wire [3:0] out_status = report_held ? hb_status : land_status;

    always @(posedge clk) begin
        st_valid <= 1'b0;
        fix_done <= 1'b0;
        if (rst) begin
            fix_err <= 1'b0;
            ba_failed <= 1'b0;
            ba_status <= 4'd0;
            ba_beats <= {LW{1'b0}};
            ba_fault <= {AW{1'b0}};
            hb_due <= 1'b0;
            hb_status <= 4'd0;
            hb_beats <= {LW{1'b0}};
            hb_fault <= {AW{1'b0}};
            hb_rec_err <= 1'b0;
            st_status <= 4'd0;
            st_bytes <= 32'd0;
            st_fault <= {AW{1'b0}};
            st_stale <= 1'b0;
            st_rec_err <= 1'b0;
        end else begin
            if (b_hs && bq_fix) begin
                fix_done <= 1'b1;
                fix_err <= b_err;
            end
            // reports, in command order (a record that lands while one is held follows it:
            // it cannot be a pair's, whose first's last data response comes between)
            st_valid <= report_held || rec_landed;
            if (report_held || rec_landed) begin   // (st_* are read with st_valid)
                st_status <= out_status;
                st_bytes <= beats_to_bytes(report_held ? hb_beats : ba_beats);
                st_fault <= report_held ? hb_fault : land_fault;
                st_stale <= out_status == STATUS_WRITE_ERROR;
                st_rec_err <= hb_due ? hb_rec_err : b_err;
            end
            if (rec_landed && report_held) begin
                hb_due <= 1'b1;
                hb_status <= land_status;
                hb_beats <= ba_beats;
                hb_fault <= land_fault;
                hb_rec_err <= b_err;
            end else if (b_hs && !bq_record && bq_pair) begin
                hb_due <= 1'b0;
                hb_status <= bn_failed ? bn_status : STATUS_SUCCESS;
                hb_beats <= bn_beats;
                hb_fault <= bn_failed ? bn_fault : {AW{1'b0}};
            end else begin
                hb_due <= 1'b0;
            end
            if (rec_landed || (b_hs && !bq_record && bq_pair)) begin
                ba_failed <= 1'b0;
                ba_status <= 4'd0;
                ba_beats <= {LW{1'b0}};
                ba_fault <= {AW{1'b0}};
            end else if (b_hs && !bq_record) begin
                ba_failed <= bn_failed;
                ba_status <= bn_failed ? bn_status : 4'd0;
                ba_beats <= bn_beats;
                ba_fault <= bn_failed ? bn_fault : {AW{1'b0}};
            end
        end
    end

    // ------------------------------------------------------------------- observation
    assign busy = rd_active || wc_data || wc_rec || wcmd_valid || wq_valid || bq_valid || hb_due
                  || rd_in_flight != {OL{1'b0}} || fifo_out_valid;
    assign rd_beat = r_hs;
    assign wr_beat = w_data_hs;
    assign rd_stall = (m_axi_arvalid && !m_axi_arready)
                      || (rd_in_flight != {OL{1'b0}} && !m_axi_rvalid);
    assign wr_stall = (m_axi_awvalid && !m_axi_awready) || (m_axi_wvalid && !m_axi_wready);

    wire unused = &{1'b0, wq_count, bq_count, wcmd_count};
endmodule

`resetall
