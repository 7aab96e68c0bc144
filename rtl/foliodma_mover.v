// foliodma_mover: the back end, shared by every queue. Copies memory for the queues'
// commands: one data FIFO, one read port, one record writer.
//
// Contract:
//   * cmd_* (per queue q, index q of each per-queue bus): one command per handshake: copy
//     cmd_len bytes from cmd_src to cmd_dst (both multiples of 64, length > 0, validated
//     by the front end), or, when cmd_status != 0, no data traffic: the command completes
//     with that status (a FETCH_ERROR command carries its record's fault address in
//     cmd_cookie; its record's cookie is 0; other no-traffic records have fault 0).
//     Addresses are bus addresses: the bits above ADDR_WIDTH are not used (the front end
//     rejects descriptors beyond). cmd_first and cmd_whole (data commands only) are the
//     copy's first burst, min(burst_room(cmd_src, cmd_dst), its beats), and whether that
//     is all of it: planned by the front end (foliodma_desc_cache).
//   * Read side: one context per queue holds the queue's current command. The contexts
//     take turns, round-robin, one read burst per turn (a no-traffic command takes a turn
//     of its own, with no read), so a queue capped by its rate, or busy with a 2 MiB copy,
//     never holds the others up. A context takes its queue's next command as its current
//     one's last turn is taken. Bursts are cut at the 4 KiB boundaries of both the source
//     and the destination and at 256 beats, so every read burst is written back as one
//     write burst; a command's first burst comes planned with it (cmd_first, cmd_whole:
//     the front end's), the next ones are planned in the cycle after each turn. A data
//     command of queue 0 that its idle context takes in a cycle without a turn has its
//     first burst's AR presented from the command itself (cmd_src, cmd_first: a cycle
//     sooner; given room and no RATE cap), and that burst's turn follows in the next
//     cycle. Up to MAX_BURSTS
//     read bursts are in flight (all queues together), each issued only when the data
//     FIFO has room for all of it (so R is never back-pressured). All data reads use one
//     AXI ID, so their data comes back in the order of the turns.
//   * Stream: every turn pushes an entry (a data burst, with its command's record details
//     on the command's last; or a lone record) into the stream FIFO. The write side works
//     through the stream in order, which is the order of the data in the data FIFO.
//   * Write side: cut-through. A data burst's AW is issued once its first beat is in the
//     data FIFO; beats read with an error are written with WSTRB = 0, so a failed read
//     never puts garbage into memory. Every command ends with its 32-byte completion
//     record {cmd_cookie, status, bytes, fault} written to cmd_rec_addr right after its
//     last data burst, so it reaches memory without waiting for the data's write
//     responses. Up to 2 * MAX_BURSTS write bursts (data and records) await their B.
//   * Record pairs (buses of 512 bits and more, where one beat holds two records): a
//     command's record is held and written in one beat with the next command's record
//     when, at its last data burst's AW, the next stream entry is its queue's next
//     command, whole (one burst, or no traffic), moving at most PAIR_MAX_BYTES, with its
//     record in the next slot of the same beat; so a held record waits for at most one
//     small copy.
//   * st_* (st_valid per queue; the payload st_status .. st_rec_err is shared and read
//     with the st_valid bit): one pulse per command, in its queue's command order, always
//     accepted, in the cycle the record's write response is taken (a wire from B; a pair's
//     second in the next cycle, and so a record that lands in that cycle a cycle late): SUCCESS with bytes = length, or the first failing data burst in address
//     order: READ_ERROR (fault = source address of the first beat read with an error) or
//     WRITE_ERROR (fault = destination of the failing write burst); bytes = bytes of the
//     write bursts before it. st_stale: the record as sent does not say this (it was sent
//     before the data's write responses, so it can say only success or a read error: a
//     WRITE_ERROR record is stale), so the front end must rewrite it. st_rec_err: the
//     record's own write got an error response (the memory committed nothing of it; for a
//     pair, of either).
//   * fix_* (per queue; fix_err shared, read with the fix_done bit): the front end's
//     request to rewrite one record (a stale one, see st_stale) with the content given,
//     held until fix_done; it is written as a record burst of its own between two stream
//     entries, and fix_done pulses (fix_err: with an error response) once its write
//     response is back. It does not produce an st_* report.
//   * All writes use one AXI ID, so write responses come back in AW order.
//   * AXI channel dependencies (A3.3.1): a burst's W beats are queued when its AW is
//     issued (AWVALID first raised), so W may go before, with or after the AW handshake
//     and never waits for AWREADY; AWVALID and its payload are held until AWREADY.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_mover #(
    parameter integer DATA_WIDTH = 512,   // 64, 128, 256, 512 or 1024
    parameter integer ADDR_WIDTH = 32,
    parameter integer NUM_QUEUES = 1,     // 1..16
    parameter integer MAX_BURSTS = 16,    // read bursts in flight (all queues)
    parameter integer FIFO_DEPTH = 1024,  // data FIFO, beats (power of two, >= 256)
    parameter integer STREAM_DEPTH = 32   // stream entries (turns not yet written back)
) (
    input  wire                             clk,
    input  wire                             rst,

    input  wire [NUM_QUEUES-1:0]            cmd_valid,
    output wire [NUM_QUEUES-1:0]            cmd_ready,
    input  wire [NUM_QUEUES*ADDR_WIDTH-1:0] cmd_src,
    input  wire [NUM_QUEUES*ADDR_WIDTH-1:0] cmd_dst,
    input  wire [NUM_QUEUES*32-1:0]         cmd_len,
    input  wire [NUM_QUEUES*9-1:0]          cmd_first,      // beats of its first burst
    input  wire [NUM_QUEUES-1:0]            cmd_whole,      // ... which is all of it
    input  wire [NUM_QUEUES*4-1:0]          cmd_status,
    input  wire [NUM_QUEUES*64-1:0]         cmd_cookie,     // for the completion record
    input  wire [NUM_QUEUES*ADDR_WIDTH-1:0] cmd_rec_addr,   // where the record goes

    output wire [NUM_QUEUES-1:0]            st_valid,
    output wire [3:0]                       st_status,
    output wire [31:0]                      st_bytes,
    output wire [ADDR_WIDTH-1:0]            st_fault,       // a bus address, like every fault
    output wire                             st_stale,       // the record as sent is out of date
    output wire                             st_rec_err,     // the record's write failed

    input  wire [NUM_QUEUES-1:0]            fix_valid,      // rewrite a record (held until fix_done)
    input  wire [NUM_QUEUES*ADDR_WIDTH-1:0] fix_rec_addr,
    input  wire [NUM_QUEUES*64-1:0]         fix_cookie,
    input  wire [NUM_QUEUES*4-1:0]          fix_status,
    input  wire [NUM_QUEUES*32-1:0]         fix_bytes,
    input  wire [NUM_QUEUES*ADDR_WIDTH-1:0] fix_fault,
    output reg  [NUM_QUEUES-1:0]            fix_done,
    output reg                              fix_err,

    input  wire [NUM_QUEUES*16-1:0]         rate,        // 1/256 beats per cycle, 0: uncapped
    output wire [NUM_QUEUES-1:0]            rd_beat,     // counter strobes, one per cycle
    output wire [NUM_QUEUES-1:0]            wr_beat,
    output reg  [NUM_QUEUES-1:0]            rd_stall,    // (registered: a cycle late)
    output reg  [NUM_QUEUES-1:0]            wr_stall,

    output wire [ADDR_WIDTH-1:0]            m_axi_araddr,
    output wire [7:0]                       m_axi_arlen,
    output wire                             m_axi_arvalid,
    input  wire                             m_axi_arready,
    input  wire [DATA_WIDTH-1:0]            m_axi_rdata,
    input  wire [1:0]                       m_axi_rresp,
    input  wire                             m_axi_rlast,
    input  wire                             m_axi_rvalid,
    output wire                             m_axi_rready,

    output wire [ADDR_WIDTH-1:0]            m_axi_awaddr,
    output wire [7:0]                       m_axi_awlen,
    output wire                             m_axi_awvalid,
    input  wire                             m_axi_awready,
    output wire [DATA_WIDTH-1:0]            m_axi_wdata,
    output wire [DATA_WIDTH/8-1:0]          m_axi_wstrb,
    output wire                             m_axi_wlast,
    output wire                             m_axi_wvalid,
    input  wire                             m_axi_wready,
    input  wire [1:0]                       m_axi_bresp,
    input  wire                             m_axi_bvalid,
    output wire                             m_axi_bready
);
`include "rtl/foliodma_layout.vh"   // path from the repository root (the include root)
`include "rtl/foliodma_rr_pick.vh"  // rr_pick: the turns' round-robin

    localparam integer NQ = NUM_QUEUES;
    localparam integer QL = (NQ > 1) ? $clog2(NQ) : 1;   // queue index width
    localparam integer AW = ADDR_WIDTH;
    localparam integer BB = DATA_WIDTH / 8;          // bytes per beat
    localparam integer BBL = $clog2(BB);
    localparam integer FL = $clog2(FIFO_DEPTH);
    localparam integer WR_LIMIT = 2 * MAX_BURSTS;    // write bursts in flight: data + records
    localparam integer OL = $clog2(WR_LIMIT + 1);
    localparam integer QD = WR_LIMIT;                // burst queues (>= bursts in flight)
    localparam integer SL = $clog2(STREAM_DEPTH);
    localparam integer LANES = DATA_WIDTH / 256;     // records per beat (0: a record takes beats)
    localparam [12:0] PAIR_MAX_BEATS = 13'd4096 >> BBL; // the copy a held record may wait for (4 KiB)

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
        if (NUM_QUEUES < 1 || NUM_QUEUES > 16) begin : check_num_queues
            foliodma_param_error_NUM_QUEUES_must_be_1_to_16 param_error();
        end
        if (MAX_BURSTS < 1 || (MAX_BURSTS & (MAX_BURSTS - 1)) != 0 || MAX_BURSTS > 128) begin : check_max_bursts
            foliodma_param_error_MAX_BURSTS_must_be_a_power_of_two_1_to_128 param_error();
        end
        if (FIFO_DEPTH < 1 || (FIFO_DEPTH & (FIFO_DEPTH - 1)) != 0 || FIFO_DEPTH < 256) begin : check_fifo_depth
            foliodma_param_error_FIFO_DEPTH_must_be_a_power_of_two_at_least_256 param_error();
        end
        if (STREAM_DEPTH < 1 || (STREAM_DEPTH & (STREAM_DEPTH - 1)) != 0 || STREAM_DEPTH < 2) begin : check_stream_depth
            foliodma_param_error_STREAM_DEPTH_must_be_a_power_of_two_at_least_2 param_error();
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

`include "rtl/foliodma_burst.vh"   // burst_room, burst_beats: the bursts after a command's first

    // =============================================================== read side (AR, R)
    reg  [OL-1:0] rd_in_flight;     // bursts issued (ar_issue), RLAST not yet seen
    reg  [FL:0]   fifo_free;        // FIFO_DEPTH - beats issued on AR and not yet sent on W
    wire          rd_room = rd_in_flight < MAX_BURSTS[OL-1:0];
    wire          s_room;           // the stream can take an entry

    // the contexts, one per queue (ctx[q] below), as flat buses
    wire [NQ-1:0]    c_ready;       // may take its turn now
    wire [NQ-1:0]    c_data;        // its command moves data (else: a lone record)
    wire [NQ-1:0]    c_first;       // its planned burst is the command's first ...
    wire [NQ-1:0]    c_last;        // ... its last
    wire [NQ*9-1:0]  c_burst;       // beats of its planned burst
    wire [NQ*AW-1:0] c_src, c_dst, c_rec_addr;
    wire [NQ*LW-1:0] c_beats_left;
    wire [NQ*64-1:0] c_cookie;
    wire [NQ*4-1:0]  c_status;
    wire [NQ-1:0]    c_stay;        // its turn now ends a copy whose record can pair with the
                                    // queue's next command, presented now (see the turn)
    wire [NQ-1:0]    c_launched;    // its planned burst's AR was taken early (see below)
    wire             e_take;        // queue 0's context: idle, taking a data command now,
                                    // uncapped (the early first burst, below)

    // the turn: round-robin over ready contexts; held while its AR waits for ARREADY, and
    // after an early first burst's AR for one cycle, taken or not (see below). A turn
    // that ends a copy whose next command can take its record along (a record pair, see the
    // write side) leaves the next turn to the same queue once, so that the two are
    // neighbours in the stream even while other queues take turns.
    reg           t_locked;
    reg           t_stayed;         // the last turn left the next to its queue
    reg  [QL-1:0] t_locked_q;
    reg  [QL-1:0] t_next;           // round-robin start
    wire          t_pick_any;
    wire [QL-1:0] t_pick;
    generate
        if (NQ == 1) begin : one_context
            assign t_pick_any = c_ready[0];
            assign t_pick = 1'b0;
            wire unused_rr = &{1'b0, t_next};
        end else begin : round_robin
            // the first ready context at or after t_next
            /* verilator lint_off UNUSEDSIGNAL */
            wire [5:0] pick = rr_pick({{(32-NQ){1'b0}}, c_ready}, {{(5-QL){1'b0}}, t_next}, NQ);
            /* verilator lint_on UNUSEDSIGNAL */
            assign t_pick_any = pick[5];
            assign t_pick = pick[QL-1:0];
        end
    endgenerate
    wire [QL-1:0] t_q = t_locked ? t_locked_q : t_pick;
    wire          t_valid = t_locked || (t_pick_any && s_room);
    wire          t_data = c_data[t_q];
    wire          t_ar = t_data && !c_launched[t_q];   // the turn presents its burst's AR
    wire [8:0]    t_burst = c_burst[9*t_q +: 9];

    // the early first burst (queue 0): in a cycle with no turn, a data command that queue
    // 0's idle context takes at this clock edge presents its first burst's AR straight
    // from the command (cmd_src, cmd_first), a cycle before the context could. The next
    // turn is held for that context (t_locked): it pushes the burst's stream entry without
    // an AR if the early AR was taken (c_launched), or presents the AR again if it was
    // not. It needs the room a turn needs (stream entry, a burst in flight, FIFO room) and
    // no RATE cap; otherwise the burst waits for its turn. It is queue 0's alone: for
    // every queue it would need a mux over the queues' commands (+210 to +230 LUT measured
    // at 512 bits x 4 queues); queue 0's costs ~90. So a copy of queue 0 that reaches the
    // mover while no context is ready (the first of an idle engine; or while the others
    // wait for RATE tokens, room, or their next plan) starts a cycle sooner; other queues'
    // first bursts wait for their context's turn.
    wire          e_valid;
    wire          t_any = t_locked || t_pick_any;    // a turn, given stream room
    wire [8:0]    e_first = cmd_first[8:0];          // (queue 0's command)
    assign e_valid = e_take && !t_any && s_room && rd_room
                     && fifo_free >= {{(FL-8){1'b0}}, e_first};
    // the AR (presented only for a turn or an early burst): whose, its beats, its address
    wire [QL-1:0] ar_q = t_any ? t_q : {QL{1'b0}};
    wire [8:0]    ar_burst = t_any ? t_burst : e_first;
    assign m_axi_araddr = t_any ? c_src[AW*t_q +: AW] : cmd_src[AW-1:0];
    assign m_axi_arvalid = (t_valid && t_ar) || e_valid;
    assign m_axi_arlen = ar_burst[7:0] - 8'd1;
    wire ar_hs = m_axi_arvalid && m_axi_arready;
    // an AR is counted (in flight, its FIFO room reserved) as it is first presented: it is
    // held until accepted, and no other turn comes meanwhile, so this is the handshake's
    // count made early, without ARREADY on the way into the next turn's checks
    wire t_issue = t_valid && t_ar && !t_locked;     // a turn's AR, first presented
    wire ar_issue = t_issue || e_valid;
    wire t_push = t_valid && (!t_ar || m_axi_arready);   // the turn is taken

    wire r_hs = m_axi_rvalid && m_axi_rready;
    assign m_axi_rready = 1'b1;   // FIFO room was reserved when the burst was issued
    wire w_data_hs;               // a data beat left on W

    always @(posedge clk) begin
        if (rst) begin
            t_locked <= 1'b0;
            t_locked_q <= {QL{1'b0}};
            t_next <= {QL{1'b0}};
            t_stayed <= 1'b0;
            rd_in_flight <= {OL{1'b0}};
            fifo_free <= FIFO_DEPTH[FL:0];
        end else begin
            t_locked <= m_axi_arvalid && (e_valid || !m_axi_arready);
            if (!t_locked) t_locked_q <= ar_q;
            if (t_push) begin
                t_stayed <= c_stay[t_q] && !t_stayed;
                if (c_stay[t_q] && !t_stayed) t_next <= t_q;
                else t_next <= ({{(32-QL){1'b0}}, t_q} == NQ - 1) ? {QL{1'b0}} : t_q + 1'b1;
            end
            rd_in_flight <= rd_in_flight + {{(OL-1){1'b0}}, ar_issue}
                            - {{(OL-1){1'b0}}, r_hs && m_axi_rlast};
            fifo_free <= fifo_free - (ar_issue ? {{(FL-8){1'b0}}, ar_burst} : {(FL+1){1'b0}})
                         + {{FL{1'b0}}, w_data_hs};
        end
    end

    // the plan of a context's next burst, in the cycle after its turn: a command's first
    // burst comes planned with it (cmd_first), so only the context that took the last turn
    // needs a plan, and one planner serves them all
    reg  [QL-1:0] plan_q;
    always @(posedge clk) begin
        if (rst) plan_q <= {QL{1'b0}};
        else if (t_push) plan_q <= t_q;
    end
    wire [LW-1:0] plan_left = c_beats_left[LW*plan_q +: LW];
    wire [8:0]    plan_room = burst_room(c_src[AW*plan_q +: BURST_BOUNDARY_BITS],
                                         c_dst[AW*plan_q +: BURST_BOUNDARY_BITS]);
    wire [8:0]    plan = burst_beats(plan_room, plan_left);
    wire          plan_last = plan_left <= {{(LW-9){1'b0}}, plan_room};

    genvar g;
    generate
        for (g = 0; g < NQ; g = g + 1) begin : ctx
            reg          active;        // a command is taken and has turns left
            reg [AW-1:0] src;           // its next burst
            reg [AW-1:0] dst;
            reg [LW-1:0] beats_left;
            reg [8:0]    burst;         // beats of the next burst (planned)
            reg          first;
            reg          last;          // the next burst is the command's last
            reg          planned;       // burst and last are up to date
            reg          launched;      // the next burst's AR was taken early (its first)
            reg [17:0]   tokens;        // throughput cap bucket, 1/256 beats
            reg [63:0]   cookie;
            reg [AW-1:0] rec_addr;
            reg [3:0]    status;
            wire [15:0]  q_rate = rate[16*g +: 16];
            wire [AW-1:0] in_src = cmd_src[AW*g +: AW];
            wire [AW-1:0] in_dst = cmd_dst[AW*g +: AW];
            wire [LW-1:0] in_beats = cmd_len[32*g + BBL +: LW];
            wire [8:0]   in_first = cmd_first[9*g +: 9];
            wire         turn = t_push && t_q == g;
            wire         done = turn && (status != 4'd0 || last);
            wire         take = cmd_valid[g] && cmd_ready[g];
            wire         rate_ok = (q_rate == 16'd0) || (tokens >= {1'b0, burst, 8'd0});
            assign cmd_ready[g] = !active || done;
            if (g == 0) begin : early
                assign e_take = cmd_valid[g] && !active && cmd_status[4*g +: 4] == 4'd0
                                && q_rate == 16'd0;
            end
            assign c_launched[g] = launched;
            assign c_ready[g] = active && planned
                                && (status != 4'd0 || (rate_ok && rd_room && fifo_free >= {{(FL-8){1'b0}}, burst}));
            assign c_data[g] = status == 4'd0;
            assign c_first[g] = first;
            assign c_last[g] = last || status != 4'd0;
            assign c_burst[9*g +: 9] = burst;
            assign c_src[AW*g +: AW] = src;
            assign c_dst[AW*g +: AW] = dst;
            assign c_beats_left[LW*g +: LW] = beats_left;
            assign c_rec_addr[AW*g +: AW] = rec_addr;
            assign c_cookie[64*g +: 64] = cookie;
            assign c_status[4*g +: 4] = status;
            if (LANES >= 2 && NQ > 1) begin : stay   // (one queue: every turn is its)
                wire [AW-6:0] in_rec_addr = cmd_rec_addr[AW*g + 5 +: AW - 5];   // (32-byte aligned)
                assign c_stay[g] = status == 4'd0 && last && cmd_valid[g]
                                   && in_rec_addr[AW-6:BBL-5] == rec_addr[AW-1:BBL]
                                   && in_rec_addr[BBL-6:0] == rec_addr[BBL-1:5] + 1'b1
                                   && (cmd_status[4*g +: 4] != 4'd0
                                       || (cmd_whole[g] && {{(LW-13){1'b0}}, PAIR_MAX_BEATS} >= in_beats));
            end else begin : no_stay
                assign c_stay[g] = 1'b0;
            end

            always @(posedge clk) begin
                if (rst) begin
                    active <= 1'b0;
                    src <= {AW{1'b0}};
                    dst <= {AW{1'b0}};
                    beats_left <= {LW{1'b0}};
                    burst <= 9'd0;
                    first <= 1'b0;
                    last <= 1'b0;
                    planned <= 1'b0;
                    launched <= 1'b0;
                    tokens <= 18'd0;
                    cookie <= 64'd0;
                    rec_addr <= {AW{1'b0}};
                    status <= 4'd0;
                end else begin
                    if (take) begin
                        active <= 1'b1;
                        src <= in_src;
                        dst <= in_dst;
                        beats_left <= in_beats;
                        burst <= in_first;
                        first <= 1'b1;
                        last <= cmd_whole[g];
                        planned <= 1'b1;
                        launched <= g == 0 && e_valid && m_axi_arready;   // (queue 0's take)
                        cookie <= cmd_cookie[64*g +: 64];   // FETCH_ERROR: the fault address
                        rec_addr <= cmd_rec_addr[AW*g +: AW];
                        status <= cmd_status[4*g +: 4];
                    end else if (turn) begin
                        src <= src + ({{(AW-9){1'b0}}, burst} << BBL);
                        dst <= dst + ({{(AW-9){1'b0}}, burst} << BBL);
                        beats_left <= beats_left - {{(LW-9){1'b0}}, burst};
                        first <= 1'b0;
                        planned <= 1'b0;
                        launched <= 1'b0;
                        if (done) active <= 1'b0;
                    end else if (!planned) begin   // (the plan holds until the next turn)
                        burst <= plan;                 // (plan_q == g: see the plan)
                        last <= plan_last;
                        planned <= 1'b1;
                    end
                    if (q_rate == 16'd0) begin
                        tokens <= 18'd0;
                    end else begin
                        // refill, capped at one maximal burst, minus what this turn's AR spends
                        // (as it is presented: t_issue; an early AR is never capped)
                        tokens <= ((tokens + {2'd0, q_rate} > 18'h10000) ? 18'h10000 : tokens + {2'd0, q_rate})
                                  - ((t_issue && t_q == g) ? {1'b0, burst, 8'd0} : 18'd0);
                    end
                end
            end
        end
    endgenerate

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

    // ===================================================================== stream
    // entry: {queue, first, last, beats[8:0], src, dst, cookie[63:0], rec_addr, status[3:0]}
    //   data burst (status 0): first / last burst of its command; the command's record
    //                          details (cookie, rec_addr) are read on its last
    //   lone record (status != 0): first = last = 1
    // In distributed RAM with an asynchronous read; the entry after the head is read too
    // (its few fields in a memory of their own), for the record-pair decision.
    localparam integer EW = QL + 2 + 9 + 3 * AW + 64 + 4;
    localparam integer PW = QL + 2 + 9 + AW + 4;
    reg  [EW-1:0] s_mem [0:STREAM_DEPTH-1];
    reg  [PW-1:0] s_peek_mem [0:STREAM_DEPTH-1];
    reg  [SL:0]   s_wr;
    reg  [SL:0]   s_rd;
    wire [SL:0]   s_count = s_wr - s_rd;
    wire          s_pop;
    assign s_room = !s_count[SL];
    wire          s_valid = s_count != {(SL+1){1'b0}};
    wire          s_valid2 = s_count > {{SL{1'b0}}, 1'b1};
    wire [SL-1:0] s_rd2 = s_rd[SL-1:0] + 1'b1;
    wire [EW-1:0] s_in = {t_q, c_first[t_q], c_last[t_q], t_burst, c_src[AW*t_q +: AW], c_dst[AW*t_q +: AW],
                          c_cookie[64*t_q +: 64], c_rec_addr[AW*t_q +: AW], c_status[4*t_q +: 4]};
    always @(posedge clk) begin
        if (t_push) begin
            s_mem[s_wr[SL-1:0]] <= s_in;
            s_peek_mem[s_wr[SL-1:0]] <= {s_in[EW-1 -: QL + 2 + 9], s_in[AW + 3:0]};
        end
        if (rst) begin
            s_wr <= {(SL+1){1'b0}};
            s_rd <= {(SL+1){1'b0}};
        end else begin
            if (t_push) s_wr <= s_wr + 1'b1;
            if (s_pop) s_rd <= s_rd + 1'b1;
        end
    end
    wire [EW-1:0] s_head = s_mem[s_rd[SL-1:0]];
    wire [QL-1:0] s_q = s_head[EW-1 -: QL];
    wire          s_first = s_head[EW-QL-1];
    wire          s_last = s_head[EW-QL-2];
    wire [8:0]    s_beats = s_head[EW-QL-3 -: 9];
    wire [AW-1:0] s_src = s_head[2 * AW + 68 +: AW];
    wire [AW-1:0] s_dst = s_head[AW + 68 +: AW];
    wire [63:0]   s_cookie = s_head[AW + 4 +: 64];
    wire [AW-1:0] s_rec_addr = s_head[4 +: AW];
    wire [3:0]    s_status = s_head[3:0];
    wire          s_data = s_status == 4'd0;
    wire [PW-1:0] p_next = s_peek_mem[s_rd2];
    wire [QL-1:0] p_q = p_next[PW-1 -: QL];
    wire          p_first = p_next[PW-QL-1];
    wire          p_last = p_next[PW-QL-2];
    wire [8:0]    p_beats = p_next[PW-QL-3 -: 9];
    wire [AW-1:0] p_rec_addr = p_next[4 +: AW];
    wire [3:0]    p_status = p_next[3:0];

    // ======================================================= write side (AW, W, B)
    localparam integer RB = (DATA_WIDTH >= 256) ? 1 : 256 / DATA_WIDTH;   // beats per record

    // ----------------------------------------------------------------- AW stage
    reg  [FL:0]   aw_ahead;         // data beats of issued AW bursts not yet sent on W
    reg  [OL-1:0] wr_in_flight;     // AW issued, B not yet received
    reg           aw_pend;          // an issued AW waits for AWREADY (held, payload stable)
    reg           aw_pend_fix;      // ... and it is a rewrite
    reg  [QL-1:0] aw_fix_q;         // ... of this queue's record
    reg           aw_rec;           // the head entry's data AW is done: its record's is next
    reg           wc_pair;          // the head entry's record also carries the held one
    reg           wc_hold;          // the pending AW is a last data burst whose record is held
    wire          wq_room;
    wire          aw_room = wq_room && wr_in_flight < WR_LIMIT[OL-1:0];

    // a rewrite goes between two stream entries, before the next one: the lowest queue
    // that asks and has not been served
    reg  [NQ-1:0] fix_sent;         // its rewrite's AW has been accepted
    wire [NQ-1:0] fix_ask = fix_valid & ~fix_sent;
    reg  [QL-1:0] fix_pick;
    integer f;
    always @(*) begin
        fix_pick = {QL{1'b0}};
        for (f = NQ - 1; f >= 0; f = f - 1) begin
            if (fix_ask[f]) fix_pick = f[QL-1:0];
        end
    end
    wire          fix_now = aw_pend ? aw_pend_fix : fix_ask != {NQ{1'b0}};
    wire [QL-1:0] fix_q = aw_pend ? aw_fix_q : fix_pick;
    wire          aw_data = !fix_now && s_valid && s_data && !aw_rec;       // the head's burst
    wire          aw_record = !fix_now && s_valid && (!s_data || aw_rec);   // the head's record

    // hold the head's record for the next entry's, decided as its last data AW is issued
    wire          next_rec_in_beat;   // the next entry's record is the next slot of this beat
    generate
        if (LANES >= 2) begin : pairs
            assign next_rec_in_beat = p_rec_addr[AW-1:BBL] == s_rec_addr[AW-1:BBL]
                                      && p_rec_addr[BBL-1:5] == s_rec_addr[BBL-1:5] + 1'b1;
            wire unused_pairs = &{1'b0, p_rec_addr[4:0]};   // (records are 32-byte aligned)
        end else begin : no_pairs
            assign next_rec_in_beat = 1'b0;
            wire unused_pairs = &{1'b0, p_rec_addr, s_rec_addr[4:0]};
        end
    endgenerate
    wire          hold_ok = !wc_pair && s_valid2 && p_q == s_q && p_first && p_last && next_rec_in_beat
                            && (p_status != 4'd0 || {4'd0, p_beats} <= PAIR_MAX_BEATS);
    wire          hold = aw_pend ? wc_hold : hold_ok;

    assign m_axi_awvalid = aw_pend
                           || (aw_room && (fix_now || (aw_data && aw_ahead < fifo_count) || aw_record));
    wire [AW-1:0] fix_addr = fix_rec_addr[AW*fix_q +: AW];
    assign m_axi_awaddr = aw_data ? s_dst
                          : fix_now ? {fix_addr[AW-1:BBL], {BBL{1'b0}}}
                          : {s_rec_addr[AW-1:BBL], {BBL{1'b0}}};
    assign m_axi_awlen = aw_data ? s_beats[7:0] - 8'd1 : RB[7:0] - 8'd1;
    wire aw_hs = m_axi_awvalid && m_axi_awready;
    // issue: the first cycle of an AW; its W queue entry is pushed now (the head entry only
    // moves on at the handshake)
    wire aw_issue = m_axi_awvalid && !aw_pend;
    wire aw_data_issue = aw_issue && aw_data;
    assign s_pop = aw_hs && !fix_now && (aw_record || !s_last || hold);

    always @(posedge clk) begin
        if (rst) begin
            aw_ahead <= {(FL+1){1'b0}};
            aw_pend <= 1'b0;
            aw_pend_fix <= 1'b0;
            aw_fix_q <= {QL{1'b0}};
            aw_rec <= 1'b0;
            wc_pair <= 1'b0;
            wc_hold <= 1'b0;
            fix_sent <= {NQ{1'b0}};
        end else begin
            aw_pend <= m_axi_awvalid && !m_axi_awready;
            if (aw_issue) begin
                aw_pend_fix <= fix_now;
                aw_fix_q <= fix_pick;
            end
            if (aw_data_issue && s_last) wc_hold <= hold_ok;
            fix_sent <= fix_sent & fix_valid;
            if (aw_hs && fix_now) fix_sent[fix_q] <= 1'b1;
            if (aw_hs && aw_data && s_last) begin
                if (hold) wc_pair <= 1'b1;   // the next entry's record takes this one along
                else aw_rec <= 1'b1;
            end
            if (aw_hs && aw_record) begin
                aw_rec <= 1'b0;
                wc_pair <= 1'b0;
            end
            aw_ahead <= aw_ahead + (aw_data_issue ? {{(FL-8){1'b0}}, s_beats} : {(FL+1){1'b0}})
                        - {{FL{1'b0}}, w_data_hs};
        end
    end

    // W queue entry: {queue, rewrite, record, pair, first, beats[8:0], a[63:0], b[AW-1:0], cookie[63:0],
    //                 status[3:0]}
    //   data burst: a = source address, b = destination address; pair: the command's last
    //               burst, and its record (cookie) is held for the next one's; first: the
    //               command's first (a no-traffic command's record is its first too)
    //   record:     a = cookie (FETCH_ERROR: fault address), b = record address,
    //               status = the command's no-traffic status; pair: carries the held record
    //   rewrite:    a record whose content is fix_* of the queue (a = its fix_cookie,
    //               b = its fix_rec_addr)
    localparam integer QW = QL + 4 + 9 + 64 + AW + 64 + 4;
    // (the cookie field is the head's cookie in every entry: only a data burst's is read)
    wire [QW-1:0] wq_in = aw_data ? {s_q, 2'b00, s_last && hold_ok, s_first, s_beats, {{(64-AW){1'b0}}, s_src},
                                     s_dst, s_cookie, 4'd0}
                          : fix_now ? {fix_q, 2'b11, 2'b00, RB[8:0], fix_cookie[64*fix_q +: 64], fix_addr,
                                       s_cookie, fix_status[4*fix_q +: 4]}
                          : {s_q, 2'b01, wc_pair, !s_data, RB[8:0], s_cookie, s_rec_addr, s_cookie, s_status};
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
    wire [QL-1:0] wq_q = wq_head[QW-1 -: QL];
    wire        wq_fix = wq_head[QW-QL-1];
    wire        wq_record = wq_head[QW-QL-2];
    wire        wq_pair = wq_head[QW-QL-3];
    wire        wq_first = wq_head[QW-QL-4];
    wire [8:0]  wq_beats = wq_head[QW-QL-5 -: 9];
    wire [63:0] wq_a = wq_head[AW + 68 +: 64];
    wire [AW-1:0] wq_b = wq_head[68 +: AW];
    wire [63:0] wq_cookie = wq_head[67:4];
    wire [3:0]  wq_status = wq_head[3:0];

    // ------------------------------------------------------------------ W stage
    reg [8:0]  w_beat;
    reg        w_rerr;          // this data burst carried a beat read with an error
    reg [8:0]  w_rerr_beat;     // that first beat
    // per queue, its command so far, as its record will say: {failed, beats, fault} of its
    // first failing data burst, or of all its bursts so far. Every data burst writes its
    // queue's word; a command's first burst starts afresh (so no reset is needed)
    reg  [LW+AW:0] wa_mem [0:NQ-1];
    wire [LW+AW:0] wa_word = wa_mem[wq_q];
    wire        wa_failed = !wq_first && wa_word[LW+AW];
    wire [LW-1:0] wa_beats = wq_first ? {LW{1'b0}} : wa_word[AW +: LW];
    wire [AW-1:0] wa_fault = wq_first ? {AW{1'b0}} : wa_word[AW-1:0];   // a data fault is a bus address
    // the held record (pair): a command's record as its data bursts said (the next W entry
    // of its queue that is not a rewrite carries it)
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
    wire [AW-1:0] rec_fault = wq_fix ? fix_fault[AW*wq_q +: AW]
                              : rec_fetch_err ? wq_a[AW-1:0] : (wa_failed ? wa_fault : {AW{1'b0}});
    wire [31:0] rec_bytes = wq_fix ? fix_bytes[32*wq_q +: 32] : beats_to_bytes(wa_beats);
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
        if (w_done && !wq_record) wa_mem[wq_q] <= {wn_failed, wn_beats, wn_fault};
    end

    always @(posedge clk) begin
        if (rst) begin
            w_beat <= 9'd0;
            w_rerr <= 1'b0;
            w_rerr_beat <= 9'd0;
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
            if (w_last && !wq_record && wq_pair) begin
                wh_failed <= wn_failed;
                wh_beats <= wn_beats;
                wh_fault <= wn_fault;
                wh_cookie <= wq_cookie;
            end
        end
    end

    // B queue entry: {queue, rewrite, record, pair, first, rerr, status[3:0], beats[8:0], a[AW-1:0], b[AW-1:0]}
    //   data burst: rerr, beats of the burst, a = first bad source address, b = destination;
    //               pair: the last of a command whose record is held
    //   record:     status = the command's no-traffic status (0: it moved data),
    //               a = its fault address if FETCH_ERROR; pair: the held record's too
    //   rewrite:    nothing else
    localparam integer QB = QL + 1 + 1 + 1 + 1 + 1 + 4 + 9 + AW + AW;
    wire [QB-1:0] bq_in = {wq_q, wq_fix, wq_record, wq_pair, wq_first, this_rerr && !wq_record, wq_status, wq_beats,
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
    wire [QL-1:0] bq_q = bq_head[QB-1 -: QL];
    wire        bq_fix = bq_head[QB-QL-1];
    wire        bq_record = bq_head[QB-QL-2];
    wire        bq_pair = bq_head[QB-QL-3];
    wire        bq_first = bq_head[QB-QL-4];
    wire        bq_rerr = bq_head[QB-QL-5];
    wire [3:0]  bq_status = bq_head[QB-QL-6 -: 4];
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
    // per queue, its command so far, as its write responses say: {failed, status, beats,
    // fault} of its first failing data burst in address order, or of all so far (as wa)
    reg  [LW+AW+4:0] ba_mem [0:NQ-1];
    wire [LW+AW+4:0] ba_word = ba_mem[bq_q];
    wire        ba_failed = !bq_first && ba_word[LW+AW+4];
    wire [3:0]  ba_status = bq_first ? 4'd0 : ba_word[LW+AW +: 4];
    wire [LW-1:0] ba_beats = bq_first ? {LW{1'b0}} : ba_word[AW +: LW];
    wire [AW-1:0] ba_fault = bq_first ? {AW{1'b0}} : ba_word[AW-1:0];   // a data fault is a bus address
    // ... and with this data burst's response
    wire       bn_failed = ba_failed || bq_rerr || b_err;
    wire [3:0] bn_status = ba_failed ? ba_status : bq_rerr ? STATUS_READ_ERROR : STATUS_WRITE_ERROR;
    wire [LW-1:0] bn_beats = bn_failed ? ba_beats : ba_beats + {{(LW-9){1'b0}}, bq_beats};
    wire [AW-1:0] bn_fault = ba_failed ? ba_fault : bq_rerr ? bq_a : bq_dst;
    always @(posedge clk) begin
        if (b_hs && !bq_record) ba_mem[bq_q] <= {bn_failed, bn_status, bn_beats, bn_fault};
    end

    // the report of a record that landed: a no-traffic status as it is, else the data's
    wire        rec_landed = b_hs && bq_record && !bq_fix;
    wire [3:0]  land_status = bq_status != 4'd0 ? bq_status : ba_failed ? ba_status : STATUS_SUCCESS;
    wire [AW-1:0] land_fault = bq_status == STATUS_FETCH_ERROR ? bq_a
                               : ba_failed ? ba_fault : {AW{1'b0}};
    // the held report (hb_*): the first of a pair, from its last data burst's response until
    // the pair's record lands; then the second, reported in the next cycle (hb_due). A pair's
    // two are adjacent in the stream, so only their data's responses (and rewrites') come
    // between, and a record that lands while one is due follows it.
    reg        hb_due;
    reg [QL-1:0] hb_q;
    reg [3:0]  hb_status;
    reg [LW-1:0] hb_beats;
    reg [AW-1:0] hb_fault;
    reg        hb_rec_err;
    wire       report_held = hb_due || (rec_landed && bq_pair);
    wire [3:0] out_status = report_held ? hb_status : land_status;
    wire [QL-1:0] out_q = hb_due ? hb_q : bq_q;

    // reports, in command order, in the cycle of the record's write response (st_* are
    // read with st_valid)
    genvar sq;
    generate
        for (sq = 0; sq < NQ; sq = sq + 1) begin : report_to
            assign st_valid[sq] = !rst && (report_held || rec_landed) && out_q == sq;
        end
    endgenerate
    assign st_status = out_status;
    assign st_bytes = beats_to_bytes(report_held ? hb_beats : ba_beats);
    assign st_fault = report_held ? hb_fault : land_fault;
    assign st_stale = out_status == STATUS_WRITE_ERROR;
    assign st_rec_err = hb_due ? hb_rec_err : b_err;

    always @(posedge clk) begin
        fix_done <= {NQ{1'b0}};
        if (rst) begin
            fix_err <= 1'b0;
            hb_due <= 1'b0;
            hb_q <= {QL{1'b0}};
            hb_status <= 4'd0;
            hb_beats <= {LW{1'b0}};
            hb_fault <= {AW{1'b0}};
            hb_rec_err <= 1'b0;
        end else begin
            if (b_hs && bq_fix) begin
                fix_done[bq_q] <= 1'b1;
                fix_err <= b_err;
            end
            if (rec_landed && report_held) begin
                hb_due <= 1'b1;
                hb_q <= bq_q;
                hb_status <= land_status;
                hb_beats <= ba_beats;
                hb_fault <= land_fault;
                hb_rec_err <= b_err;
            end else if (b_hs && !bq_record && bq_pair) begin
                hb_due <= 1'b0;
                hb_q <= bq_q;
                hb_status <= bn_failed ? bn_status : STATUS_SUCCESS;
                hb_beats <= bn_beats;
                hb_fault <= bn_failed ? bn_fault : {AW{1'b0}};
            end else begin
                hb_due <= 1'b0;
            end
        end
    end

    // ------------------------------------------- per-queue counts, and observation
    // R beats belong to the oldest burst in flight: its queue, in issue order
    wire [QL-1:0] r_q;
    generate
        if (NQ == 1) begin : one_reader
            assign r_q = 1'b0;
        end else begin : r_owner
            // (room: at most MAX_BURSTS bursts are in flight)
            localparam integer OD = (MAX_BURSTS > 1) ? MAX_BURSTS : 2;
            wire r_owner_valid, r_owner_ready;
            wire [$clog2(OD):0] r_owner_count;
            foliodma_fifo #(.WIDTH(QL), .DEPTH(OD)) owners (
                .clk(clk), .rst(rst),
                .in_data(ar_q), .in_valid(ar_hs), .in_ready(r_owner_ready),
                .out_data(r_q), .out_valid(r_owner_valid), .out_ready(r_hs && m_axi_rlast),
                .count(r_owner_count)
            );
            wire unused_owner = &{1'b0, r_owner_valid, r_owner_ready, r_owner_count};
        end
    endgenerate

    generate
        for (g = 0; g < NQ; g = g + 1) begin : per_queue
            reg [OL-1:0] reads;         // its read bursts in flight
            always @(posedge clk) begin
                if (rst) begin
                    reads <= {OL{1'b0}};
                end else begin
                    reads <= reads + {{(OL-1){1'b0}}, ar_hs && ar_q == g}
                             - {{(OL-1){1'b0}}, r_hs && m_axi_rlast && r_q == g};
                end
            end
            assign rd_beat[g] = r_hs && r_q == g;
            assign wr_beat[g] = w_data_hs && wq_q == g;
            // the stall strobes leave through a register (they feed 32-bit counters, and
            // an AR's VALID is the end of the turn's logic)
            always @(posedge clk) begin
                rd_stall[g] <= !rst && ((m_axi_arvalid && !m_axi_arready && ar_q == g)
                                        || (reads != {OL{1'b0}} && !m_axi_rvalid));
                wr_stall[g] <= !rst && ((m_axi_awvalid && !m_axi_awready && (fix_now ? fix_q : s_q) == g)
                                        || (m_axi_wvalid && !m_axi_wready && wq_q == g));
            end
        end
    endgenerate

    // (a length is whole beats and at most DESC_MAX_LENGTH: the front end checked it)
    wire unused = &{1'b0, wq_count, bq_count, cmd_len};
endmodule

`resetall
