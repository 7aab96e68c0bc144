// cpu_copy: simulation-only model of one CPU core copying memory (memcpy of a folio).
//
// Contract
//   * start (one-cycle pulse, ignored while busy) latches src, dst, len (bytes; src/dst 64-byte
//     aligned, len a multiple of 64; len == 0 completes at once).
//   * Per 64-byte line i: one 1-beat 512-bit read (ARLEN=0, ARSIZE=6, INCR) of src+64i, then one
//     1-beat full-strobe write of the returned data to dst+64i. Lines are issued in order.
//   * Limits (like a core's fill buffers and store buffer):
//       reads in flight (AR issued, R not yet received)     <= cfg_max_reads  (0 acts as 1)
//       writes in flight (AW issued, B not yet received)    <= cfg_max_writes (0 acts as 1);
//                                                              counted across copies: a new
//                                                              copy starts with the previous
//                                                              one's stores still draining
//       lines read but not yet handed to W                  <= FIFO_DEPTH
//     One AR, one AW and one W per cycle at most; RREADY and BREADY are always high.
//   * A line whose RRESP != OKAY is written with WSTRB = 0 (nothing committed): a failed load
//     never corrupts the destination.
//   * Stores are posted, as a core's are: the copy is complete when the last line's W has
//     been accepted (numa_mem commits a beat to memory when it accepts it, so the data is
//     readable then); it does not wait for the write responses (B), which only free store
//     slots (cfg_max_writes). A core's memcpy likewise ends when its last store retires into
//     the cache hierarchy, not when the line reaches DRAM.
//   * busy: high from the cycle after start until completion.
//     done: LEVEL, rises the cycle after the last W handshake and stays high until the next
//           start (await its rising edge). error: sticky until the next start, set if any
//           RRESP != OKAY (a failed load, what the kernel's machine-check-safe folio copy
//           reports). BRESP errors are not reported (asynchronous, like a core's store
//           errors); numa_mem does not commit such a beat, so byte validation catches them.
//           cycles: clock cycles from start to done (valid while done is high).
//   * rst: synchronous, active high.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module cpu_copy #(
    parameter integer ADDR_WIDTH = 32,      // AXI address width
    parameter integer ID_WIDTH = 8,         // AXI ID width
    parameter [ID_WIDTH-1:0] AXI_ID = 0,    // ID used for every read and write
    parameter integer FIFO_DEPTH = 64       // line buffer between reads and writes (power of 2)
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire                       start,
    input  wire [63:0]                src,
    input  wire [63:0]                dst,
    input  wire [63:0]                len,
    input  wire [7:0]                 cfg_max_reads,
    input  wire [7:0]                 cfg_max_writes,
    output reg                        busy = 1'b0,
    output reg                        done = 1'b0,
    output reg                        error = 1'b0,
    output reg  [63:0]                cycles = 64'd0,

    output wire [ID_WIDTH-1:0]        m_axi_awid,
    output reg  [ADDR_WIDTH-1:0]      m_axi_awaddr = 0,
    output wire [7:0]                 m_axi_awlen,
    output wire [2:0]                 m_axi_awsize,
    output wire [1:0]                 m_axi_awburst,
    output reg                        m_axi_awvalid = 1'b0,
    input  wire                       m_axi_awready,
    output reg  [511:0]               m_axi_wdata = 512'd0,
    output reg  [63:0]                m_axi_wstrb = 64'd0,
    output wire                       m_axi_wlast,
    output reg                        m_axi_wvalid = 1'b0,
    input  wire                       m_axi_wready,
    input  wire [ID_WIDTH-1:0]        m_axi_bid,
    input  wire [1:0]                 m_axi_bresp,
    input  wire                       m_axi_bvalid,
    output wire                       m_axi_bready,
    output wire [ID_WIDTH-1:0]        m_axi_arid,
    output reg  [ADDR_WIDTH-1:0]      m_axi_araddr = 0,
    output wire [7:0]                 m_axi_arlen,
    output wire [2:0]                 m_axi_arsize,
    output wire [1:0]                 m_axi_arburst,
    output reg                        m_axi_arvalid = 1'b0,
    input  wire                       m_axi_arready,
    input  wire [ID_WIDTH-1:0]        m_axi_rid,
    input  wire [511:0]               m_axi_rdata,
    input  wire [1:0]                 m_axi_rresp,
    input  wire                       m_axi_rlast,
    input  wire                       m_axi_rvalid,
    output wire                       m_axi_rready
);

localparam integer FW = $clog2(FIFO_DEPTH);
localparam [63:0] FIFO_LINES = 64'd1 << FW;   // FIFO_DEPTH, a power of 2

assign m_axi_awid = AXI_ID;
assign m_axi_awlen = 8'd0;
assign m_axi_awsize = 3'd6;
assign m_axi_awburst = 2'b01;
assign m_axi_wlast = 1'b1;
assign m_axi_bready = 1'b1;
assign m_axi_arid = AXI_ID;
assign m_axi_arlen = 8'd0;
assign m_axi_arsize = 3'd6;
assign m_axi_arburst = 2'b01;
assign m_axi_rready = 1'b1;

reg [63:0] src_r = 0, dst_r = 0, lines = 0;
reg [63:0] ar_next = 0;   // lines whose AR has been presented
reg [63:0] r_cnt = 0;     // lines whose R has been received
reg [63:0] aw_next = 0;   // lines whose AW has been presented
reg [63:0] w_next = 0;    // lines whose W has been presented (popped from the FIFO)
reg [15:0] wr_out = 0;    // writes in flight (AW presented, B not received), across copies

reg [511:0] fifo_data [0:FIFO_DEPTH-1];
reg         fifo_err  [0:FIFO_DEPTH-1];

wire [63:0] max_r = (cfg_max_reads == 8'd0) ? 64'd1 : {56'd0, cfg_max_reads};
wire [63:0] max_w = (cfg_max_writes == 8'd0) ? 64'd1 : {56'd0, cfg_max_writes};

wire can_ar = busy && (ar_next < lines) && (ar_next - r_cnt < max_r)
              && (ar_next - w_next < FIFO_LINES);
wire can_aw = busy && (aw_next < r_cnt) && ({48'd0, wr_out} < max_w);
wire aw_go = (!m_axi_awvalid || m_axi_awready) && can_aw;
// the next line's bus address (the memory model's addresses are at most 64 bits)
/* verilator lint_off UNUSEDSIGNAL */
wire [63:0] ar_line_addr = src_r + (ar_next << 6);
wire [63:0] aw_line_addr = dst_r + (aw_next << 6);
/* verilator lint_on UNUSEDSIGNAL */
// the copy counts responses, not their IDs (it has one) or its bursts' last beats
wire unused_resp = &{1'b0, m_axi_bid, m_axi_bresp, m_axi_rid, m_axi_rlast};
wire can_w  = busy && (w_next < r_cnt);

// store slots: +1 per AW, -1 per B; also after done (stores drain in the background)
always @(posedge clk) begin
    if (rst)
        wr_out <= 16'd0;
    else
        wr_out <= wr_out + (aw_go ? 16'd1 : 16'd0) - (m_axi_bvalid ? 16'd1 : 16'd0);
end

always @(posedge clk) begin
    if (rst) begin
        busy <= 1'b0;
        done <= 1'b0;
        error <= 1'b0;
        cycles <= 64'd0;
        m_axi_arvalid <= 1'b0;
        m_axi_awvalid <= 1'b0;
        m_axi_wvalid <= 1'b0;
        lines <= 64'd0;
        ar_next <= 64'd0;
        r_cnt <= 64'd0;
        aw_next <= 64'd0;
        w_next <= 64'd0;
    end else if (!busy) begin
        if (start) begin
            src_r <= src;
            dst_r <= dst;
            lines <= len >> 6;
            ar_next <= 64'd0;
            r_cnt <= 64'd0;
            aw_next <= 64'd0;
            w_next <= 64'd0;
            busy <= 1'b1;
            done <= 1'b0;
            error <= 1'b0;
            cycles <= 64'd0;
        end
    end else begin
        cycles <= cycles + 64'd1;

        // AR
        if (m_axi_arvalid && m_axi_arready)
            m_axi_arvalid <= 1'b0;
        if ((!m_axi_arvalid || m_axi_arready) && can_ar) begin
            m_axi_arvalid <= 1'b1;
            m_axi_araddr <= ar_line_addr[ADDR_WIDTH-1:0];
            ar_next <= ar_next + 64'd1;
        end

        // R
        if (m_axi_rvalid) begin
            fifo_data[r_cnt[FW-1:0]] <= m_axi_rdata;
            fifo_err[r_cnt[FW-1:0]] <= (m_axi_rresp != 2'b00);
            if (m_axi_rresp != 2'b00)
                error <= 1'b1;
            r_cnt <= r_cnt + 64'd1;
        end

        // AW
        if (m_axi_awvalid && m_axi_awready)
            m_axi_awvalid <= 1'b0;
        if (aw_go) begin
            m_axi_awvalid <= 1'b1;
            m_axi_awaddr <= aw_line_addr[ADDR_WIDTH-1:0];
            aw_next <= aw_next + 64'd1;
        end

        // W
        if (m_axi_wvalid && m_axi_wready)
            m_axi_wvalid <= 1'b0;
        if ((!m_axi_wvalid || m_axi_wready) && can_w) begin
            m_axi_wvalid <= 1'b1;
            m_axi_wdata <= fifo_data[w_next[FW-1:0]];
            m_axi_wstrb <= fifo_err[w_next[FW-1:0]] ? 64'd0 : {64{1'b1}};
            w_next <= w_next + 64'd1;
        end

        // completion: every line's W accepted (committed); B is not waited for
        if (w_next == lines && !m_axi_wvalid) begin
            busy <= 1'b0;
            done <= 1'b1;
        end
    end
end

endmodule

`resetall
