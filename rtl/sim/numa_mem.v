// numa_mem: simulation-only NUMA memory model with two AXI4 slave ports.
//
// Contract
//   * Storage: MEM_BYTES bytes (a 64-bit parameter: 4 GiB and more) of 64-byte lines, shared
//     by both ports, reading zero until written. Under Icarus a flat array `mem` (its words
//     start at X, which the model reads as zero: no zeroing pass at time 0; Icarus holds ~8
//     bytes per line until a line is written, ~0.5 GB for 4 GiB); under Verilator a sparse
//     C++ store (rtl/sim/sparse_mem.cpp, DPI-C: only the 64 KiB blocks written exist).
//     Port 0 (s0_axi_*, DATA_WIDTH bits) is the DMA engine; port 1
//     (s1_axi_*, always 512 bits) is the CPU copy model. A narrow port reads/writes the
//     DATA_WIDTH-bit lane of a line selected by the address (AXI byte-lane rules), with strobes;
//     a 1024-bit port reads/writes the two lines of its 128-byte-aligned bus word.
//   * Address map: NUM_NODES = 4 nodes, node i = [i*NODE_BYTES, (i+1)*NODE_BYTES),
//     NODE_BYTES = MEM_BYTES/4. A burst's node is the node of its start address.
//   * Responses (decided when AR/AW is accepted, for the whole burst [addr, addr+(len+1)<<size)):
//       DECERR  burst touches an address >= MEM_BYTES: reads return zero data, writes not committed
//       SLVERR  burst type is not INCR (a 1-beat FIXED/WRAP burst is accepted), or
//               size > port width. Reads: every beat SLVERR, data zero. Writes: SLVERR on B
//               and NONE of the burst's beats are committed.
//       else    the response of an armed fault slot the burst hits (below), else OKAY.
//       Precedence: DECERR (beyond memory) > SLVERR (illegal burst) > fault slots.
//   * Fault slots (harness/faults.py says what a Fault is): NUM_FAULTS slots, slot s in bits
//     [64s +: 64] of cfg_fault_lo / cfg_fault_hi / cfg_fault_from, [32s +: 32] of
//     cfg_fault_after and [8s +: 8] of cfg_fault_ctl:
//       ctl[0] enable, ctl[1] kind (0 read, 1 write), ctl[3:2] response (0 SLVERR, 1 DECERR,
//       2 HANG), ctl[5:4] ports (bit p: port p sees the slot), ctl[7] generation: flipping it
//       (re)starts the slot (its beat count restarts at 0).
//     A slot hits a burst of its kind, on a port it names, that overlaps [lo, hi). It is armed
//     once `after` data beats of its kind have passed on its port(s) since its generation
//     last changed AND cyc >= `from`. A slot with after == 0 and from == 0 is armed at once
//     (combinationally); a timed one arms at the clock edge after its condition holds.
//     Several hits: HANG > DECERR > SLVERR. A hit burst fails whole: every R beat of a read
//     gets the response (data zero); a write commits nothing and gets it on B.
//     HANG: the burst is accepted (AR/AW queued) and never answered: a read gets no R beat,
//     a write's W beats are never accepted (so no B). The port is in order, so nothing queued
//     behind it is answered either; only rst ends it.
//   * Stray-write check: while cfg_wr_check is 1, every write burst accepted on either port
//     whose first or last byte lies in a 4 KiB page not allowed by the bitmap (or beyond
//     MEM_BYTES) counts one in stray_writes; stray_addr latches the first one's offending
//     address (its start, or the start of its last page). A toggle of wa_load loads the
//     bitmap at the next clock edge: $readmemh(WA_FILE, wr_allow), word w bit b = page
//     64w + b, 16 hex digits per 64-bit word; the same edge clears stray_writes and
//     stray_addr. cfg_wr_check 0 (default): nothing is counted. rst does not clear them.
//   * Timing, per node, from run-time inputs (no rebuild for a sweep):
//       cfg_rd_latency[16n+:16]  read latency L: the first R handshake of a burst happens no
//                                earlier than L cycles after its AR handshake (L < 2 acts as 2).
//       cfg_wr_latency[16n+:16]  write latency L: the B handshake happens no earlier than L
//                                cycles after the WLAST handshake (L < 2 acts as 2).
//       cfg_bandwidth[16n+:16]   rate in 1/256 of a 64-byte line per cycle (256 = one line per
//                                cycle; 0 = unlimited). Reads and writes have separate token
//                                buckets of that rate per node, shared by both ports. A beat
//                                costs DATA_WIDTH/2 tokens (bytes-proportional: a 512-bit beat
//                                = 256, a 64-bit beat = 32; a narrow-size beat costs a full
//                                beat of its port). A beat may go when the bucket is > 0; the
//                                bucket may go negative (debt) and saturates at TOKEN_CAP.
//   * Reads: up to AR_DEPTH bursts queued per port (ARREADY low when full), served in order
//     per port, pipelined (latencies of queued bursts overlap), one beat per cycle at most,
//     RVALID held until RREADY, RLAST on the last beat, RID = ARID.
//   * Writes: AW queued (AW_DEPTH per port); W beats are accepted only for an already queued
//     AW (W may be presented before AW; it waits), as the node's write bucket allows; each
//     accepted beat is committed to `mem` at once (visible to reads the next cycle).
//     B in order, BID = AWID, many outstanding. WLAST is not checked: the beat count is ARLEN.
//   * Both ports writing the same line in the same cycle: port 1's bytes win on overlap.
//   * Backdoor, Icarus (word = 64-byte line index, bd_lo..bd_hi inclusive, must lie inside
//     the array):
//       rising edge of bd_load: $readmemh(BD_IN_FILE,  mem, bd_lo, bd_hi)
//       rising edge of bd_dump: $writememh(BD_OUT_FILE, mem, bd_lo, bd_hi)
//     Hex files: one 128-digit word per line, byte 0 of the line = bits [7:0] (harness/backdoor.py);
//     a never-written word is dumped as x digits (read as zero). Verilator: bd_* do nothing;
//     the host reads and writes the C++ store in place (sparse_mem.cpp, harness/rtl_device.py).
//   * Speed (simulation only, written for the simulator): whole-line operations only; a
//     write's byte mask is built from the strobe by whole-vector steps, and not at all for a
//     full strobe; no data bus is packed from per-port parts (Icarus re-assembles such a
//     vector whole on every change of a part).
//   * rst: synchronous, active high; clears queues (hung bursts included), buckets, R/B
//     outputs, cyc and the fault slots' beat counts (not memory contents, not the bitmap).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module numa_mem #(
    parameter integer DATA_WIDTH = 512,              // port 0 data width: 64 .. 1024
    parameter integer ADDR_WIDTH = 64,               // AXI address width of both ports (<= 64)
    parameter integer ID_WIDTH = 8,                  // AXI ID width of both ports
    parameter [63:0]  MEM_BYTES = 64'd67108864,      // memory size in bytes (power of 2, >= 4 KiB)
    parameter integer AR_DEPTH = 64,                 // read bursts queued per port (power of 2)
    parameter integer AW_DEPTH = 64,                 // write bursts queued per port (power of 2);
                                                     // also the B queue depth
    parameter integer TOKEN_CAP = 256,               // bucket saturation, tokens (256 = one line)
    /* verilator lint_off UNUSEDPARAM */            // the backdoor files: Icarus only
    parameter BD_IN_FILE = "backdoor_in.hex",        // backdoor load file (simulator cwd)
    parameter BD_OUT_FILE = "backdoor_out.hex",      // backdoor dump file (simulator cwd)
    /* verilator lint_on UNUSEDPARAM */
    parameter WA_FILE = "write_allow.hex",           // stray-write bitmap file (simulator cwd)
    parameter integer NUM_FAULTS = 8                 // fault slots (harness.faults.MAX_FAULTS)
) (
    input  wire                       clk,
    input  wire                       rst,
    output wire [63:0]                cycle,    // cycles since rst was deasserted

    // run-time configuration, node n in bits [16n +: 16]
    input  wire [4*16-1:0]            cfg_rd_latency,
    input  wire [4*16-1:0]            cfg_wr_latency,
    input  wire [4*16-1:0]            cfg_bandwidth,
    // fault slots (see the contract): slot s in [64s +: 64], [32s +: 32], [8s +: 8]
    input  wire [NUM_FAULTS*64-1:0]   cfg_fault_lo,
    input  wire [NUM_FAULTS*64-1:0]   cfg_fault_hi,
    input  wire [NUM_FAULTS*32-1:0]   cfg_fault_after,
    input  wire [NUM_FAULTS*64-1:0]   cfg_fault_from,
    input  wire [NUM_FAULTS*8-1:0]    cfg_fault_ctl,
    // stray-write check
    input  wire                       cfg_wr_check,
    input  wire                       wa_load,           // toggle: load WA_FILE
    output reg  [31:0]                stray_writes = 32'd0,
    output reg  [63:0]                stray_addr = 64'd0,
    // backdoor (Icarus; under Verilator the host reaches the store directly)
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                       bd_load,
    input  wire                       bd_dump,
    input  wire [63:0]                bd_lo,
    input  wire [63:0]                bd_hi,
    /* verilator lint_on UNUSEDSIGNAL */

    // port 0: DATA_WIDTH bits (DMA engine)
    input  wire [ID_WIDTH-1:0]        s0_axi_awid,
    input  wire [ADDR_WIDTH-1:0]      s0_axi_awaddr,
    input  wire [7:0]                 s0_axi_awlen,
    input  wire [2:0]                 s0_axi_awsize,
    input  wire [1:0]                 s0_axi_awburst,
    input  wire                       s0_axi_awvalid,
    output wire                       s0_axi_awready,
    input  wire [DATA_WIDTH-1:0]      s0_axi_wdata,
    input  wire [DATA_WIDTH/8-1:0]    s0_axi_wstrb,
    /* verilator lint_off UNUSEDSIGNAL */   // WLAST is not checked (see the contract)
    input  wire                       s0_axi_wlast,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire                       s0_axi_wvalid,
    output wire                       s0_axi_wready,
    output wire [ID_WIDTH-1:0]        s0_axi_bid,
    output wire [1:0]                 s0_axi_bresp,
    output wire                       s0_axi_bvalid,
    input  wire                       s0_axi_bready,
    input  wire [ID_WIDTH-1:0]        s0_axi_arid,
    input  wire [ADDR_WIDTH-1:0]      s0_axi_araddr,
    input  wire [7:0]                 s0_axi_arlen,
    input  wire [2:0]                 s0_axi_arsize,
    input  wire [1:0]                 s0_axi_arburst,
    input  wire                       s0_axi_arvalid,
    output wire                       s0_axi_arready,
    output wire [ID_WIDTH-1:0]        s0_axi_rid,
    output wire [DATA_WIDTH-1:0]      s0_axi_rdata,
    output wire [1:0]                 s0_axi_rresp,
    output wire                       s0_axi_rlast,
    output wire                       s0_axi_rvalid,
    input  wire                       s0_axi_rready,

    // port 1: 512 bits (CPU copy model)
    input  wire [ID_WIDTH-1:0]        s1_axi_awid,
    input  wire [ADDR_WIDTH-1:0]      s1_axi_awaddr,
    input  wire [7:0]                 s1_axi_awlen,
    input  wire [2:0]                 s1_axi_awsize,
    input  wire [1:0]                 s1_axi_awburst,
    input  wire                       s1_axi_awvalid,
    output wire                       s1_axi_awready,
    input  wire [511:0]               s1_axi_wdata,
    input  wire [63:0]                s1_axi_wstrb,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                       s1_axi_wlast,
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire                       s1_axi_wvalid,
    output wire                       s1_axi_wready,
    output wire [ID_WIDTH-1:0]        s1_axi_bid,
    output wire [1:0]                 s1_axi_bresp,
    output wire                       s1_axi_bvalid,
    input  wire                       s1_axi_bready,
    input  wire [ID_WIDTH-1:0]        s1_axi_arid,
    input  wire [ADDR_WIDTH-1:0]      s1_axi_araddr,
    input  wire [7:0]                 s1_axi_arlen,
    input  wire [2:0]                 s1_axi_arsize,
    input  wire [1:0]                 s1_axi_arburst,
    input  wire                       s1_axi_arvalid,
    output wire                       s1_axi_arready,
    output wire [ID_WIDTH-1:0]        s1_axi_rid,
    output wire [511:0]               s1_axi_rdata,
    output wire [1:0]                 s1_axi_rresp,
    output wire                       s1_axi_rlast,
    output wire                       s1_axi_rvalid,
    input  wire                       s1_axi_rready
);

localparam integer NUM_PORTS = 2;
localparam integer WMAX = (DATA_WIDTH > 512) ? DATA_WIDTH : 512;   // bundle stride per port
localparam integer P0_LINES = WMAX / 512;                          // lines a port-0 beat writes
localparam [63:0]  P0_LINES64 = {32'd0, P0_LINES[31:0]};
localparam integer NUM_NODES = 4;
localparam [63:0]  NODE_BYTES = MEM_BYTES >> 2;                    // NUM_NODES of them
localparam integer NODE_SHIFT = $clog2(NODE_BYTES);
localparam integer ARQ_W = $clog2(AR_DEPTH);
localparam integer AWQ_W = $clog2(AW_DEPTH);

localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10, RESP_DECERR = 2'b11;
localparam [1:0] BURST_INCR = 2'b01;
localparam [1:0] FAULT_DECERR = 2'd1, FAULT_HANG = 2'd2;            // cfg_fault_ctl[3:2]
localparam [63:0] MEM_END = MEM_BYTES;
localparam [63:0] WA_WORDS = (MEM_BYTES >= 64'd262144) ? MEM_BYTES / 64'd262144 : 64'd1;  // 64 pages a word

// ---------------------------------------------------------------- storage and backdoor
`ifdef VERILATOR
reg [63:0] edges = 64'd0;   // rising clock edges since time 0 (never reset)
always @(posedge clk) edges <= edges + 64'd1;

// Under Verilator, a sparse store in C++ (rtl/sim/sparse_mem.cpp, DPI-C): only the 64 KiB blocks
// written exist, so MEM_BYTES may be 4 GiB and more; a write is seen from the next edge on,
// like a nonblocking assignment. The host reads and writes it directly (no hex files);
// bd_load / bd_dump do nothing here.
import "DPI-C" function void simmem_init(input longint bytes);
import "DPI-C" function void simmem_rd(input longint line, input longint edge_n,
                                       output bit [511:0] data);
import "DPI-C" function void simmem_wr(input longint line, input longint edge_n,
                                       input bit [511:0] data);
initial simmem_init(MEM_BYTES);

function [511:0] mem_rd;              // line `line` as of before this edge
    input [63:0] line;
    reg [511:0] d;
    begin
        simmem_rd(line, edges, d);
        mem_rd = d;
    end
endfunction
`else
// Under Icarus, one flat array, not zeroed by a loop at time 0 (that cost ~1 s per 64 MiB): every
// word starts at X and the model reads a word with X bits as zero (a word is all-X until its
// first write, which stores known bits: a partial write merges into zero); $writememh shows
// such a word as x digits, which harness/backdoor.read_hex reads as zero.
localparam [63:0] MEM_WORDS = MEM_BYTES / 64;
reg [511:0] mem [0:MEM_WORDS-1];

function [511:0] mem_rd;              // never written (X) reads as zero
    input [63:0] line;
    reg [511:0] w;
    begin
        w = mem[line];
        mem_rd = (w[0] === 1'bx) ? {512{1'b0}} : w;   // all-X or all-known: one bit tells
    end
endfunction

always @(posedge bd_load) $readmemh(BD_IN_FILE, mem, bd_lo, bd_hi);
always @(posedge bd_dump) $writememh(BD_OUT_FILE, mem, bd_lo, bd_hi);
`endif

// byte mask of a 64-bit strobe (strobe bit b -> bits [8b +: 8]), by whole-vector steps:
// spread bit b to bit 8b (six shift-and-mask stages), then x * 255 = (x << 8) - x
localparam [511:0] SPREAD1 = {2{{224{1'b0}}, {32{1'b1}}}};
localparam [511:0] SPREAD2 = {4{{112{1'b0}}, {16{1'b1}}}};
localparam [511:0] SPREAD3 = {8{{56{1'b0}}, {8{1'b1}}}};
localparam [511:0] SPREAD4 = {16{{28{1'b0}}, {4{1'b1}}}};
localparam [511:0] SPREAD5 = {32{{14{1'b0}}, {2{1'b1}}}};
localparam [511:0] SPREAD6 = {64{{7{1'b0}}, 1'b1}};
function [511:0] byte_mask;
    input [63:0] strb;
    reg [519:0] x;
    begin
        if (strb == {64{1'b1}}) begin
            byte_mask = {512{1'b1}};
        end else begin
            x = {456'd0, strb};
            x[511:0] = (x[511:0] | (x[511:0] << 224)) & SPREAD1;
            x[511:0] = (x[511:0] | (x[511:0] << 112)) & SPREAD2;
            x[511:0] = (x[511:0] | (x[511:0] << 56)) & SPREAD3;
            x[511:0] = (x[511:0] | (x[511:0] << 28)) & SPREAD4;
            x[511:0] = (x[511:0] | (x[511:0] << 14)) & SPREAD5;
            x[511:0] = (x[511:0] | (x[511:0] << 7)) & SPREAD6;
            x = (x << 8) - x;
            byte_mask = x[511:0];
        end
    end
endfunction

// a line after a write of `data` under byte mask `strb` (a full strobe does not read it)
function [511:0] merged;
    input [511:0] line;
    input [511:0] data;
    input [63:0]  strb;
    reg   [511:0] m;
    begin
        if (strb == {64{1'b1}}) begin
            merged = data;
        end else begin
            m = byte_mask(strb);
            merged = (line & ~m) | (data & m);
        end
    end
endfunction

// ---------------------------------------------------------------- cycle counter
reg [63:0] cyc = 64'd0;   // cycles since rst deasserted
assign cycle = cyc;

// ---------------------------------------------------------------- port fan-in / fan-out
wire [NUM_PORTS*ID_WIDTH-1:0] in_awid;
wire [NUM_PORTS*ADDR_WIDTH-1:0] in_awaddr;
wire [NUM_PORTS*8-1:0] in_awlen;
wire [NUM_PORTS*3-1:0] in_awsize;
wire [NUM_PORTS*2-1:0] in_awburst;
wire [NUM_PORTS-1:0] in_awvalid;
wire [NUM_PORTS-1:0] in_wvalid;
wire [NUM_PORTS-1:0] in_bready;
wire [NUM_PORTS*ID_WIDTH-1:0] in_arid;
wire [NUM_PORTS*ADDR_WIDTH-1:0] in_araddr;
wire [NUM_PORTS*8-1:0] in_arlen;
wire [NUM_PORTS*3-1:0] in_arsize;
wire [NUM_PORTS*2-1:0] in_arburst;
wire [NUM_PORTS-1:0] in_arvalid;
wire [NUM_PORTS-1:0] in_rready;

wire [NUM_PORTS-1:0] out_awready;
wire [NUM_PORTS-1:0] out_wready;
wire [NUM_PORTS*ID_WIDTH-1:0] out_bid;
wire [NUM_PORTS*2-1:0] out_bresp;
wire [NUM_PORTS-1:0] out_bvalid;
wire [NUM_PORTS-1:0] out_arready;
wire [NUM_PORTS*ID_WIDTH-1:0] out_rid;
wire [NUM_PORTS*2-1:0] out_rresp;
wire [NUM_PORTS-1:0] out_rlast;
wire [NUM_PORTS-1:0] out_rvalid;

// per-port beat activity for the shared buckets, and write commits
wire [NUM_PORTS-1:0] rd_fire;
wire [NUM_PORTS*2-1:0] rd_node;
wire [NUM_PORTS-1:0] wr_fire;
wire [NUM_PORTS*2-1:0] wr_node;
wire [NUM_PORTS-1:0] wc_en;
wire [NUM_PORTS*64-1:0] wc_idx;
wire [31:0] wc_shift0;       // port 0 (narrower than a line): bit offset of its lane
// (the data buses are not packed into multi-port vectors: Icarus re-assembles such a vector
// whole on every change of any part; the port blocks and `tick` use the ports' own buses)

assign in_awid[0*ID_WIDTH +: ID_WIDTH] = s0_axi_awid;       assign in_awid[1*ID_WIDTH +: ID_WIDTH] = s1_axi_awid;
assign in_awaddr[0*ADDR_WIDTH +: ADDR_WIDTH] = s0_axi_awaddr;   assign in_awaddr[1*ADDR_WIDTH +: ADDR_WIDTH] = s1_axi_awaddr;
assign in_awlen[0*8 +: 8] = s0_axi_awlen;     assign in_awlen[1*8 +: 8] = s1_axi_awlen;
assign in_awsize[0*3 +: 3] = s0_axi_awsize;   assign in_awsize[1*3 +: 3] = s1_axi_awsize;
assign in_awburst[0*2 +: 2] = s0_axi_awburst; assign in_awburst[1*2 +: 2] = s1_axi_awburst;
assign in_awvalid[0] = s0_axi_awvalid; assign in_awvalid[1] = s1_axi_awvalid;
assign in_wvalid[0] = s0_axi_wvalid;   assign in_wvalid[1] = s1_axi_wvalid;
assign in_bready[0] = s0_axi_bready;   assign in_bready[1] = s1_axi_bready;
assign in_arid[0*ID_WIDTH +: ID_WIDTH] = s0_axi_arid;       assign in_arid[1*ID_WIDTH +: ID_WIDTH] = s1_axi_arid;
assign in_araddr[0*ADDR_WIDTH +: ADDR_WIDTH] = s0_axi_araddr;   assign in_araddr[1*ADDR_WIDTH +: ADDR_WIDTH] = s1_axi_araddr;
assign in_arlen[0*8 +: 8] = s0_axi_arlen;     assign in_arlen[1*8 +: 8] = s1_axi_arlen;
assign in_arsize[0*3 +: 3] = s0_axi_arsize;   assign in_arsize[1*3 +: 3] = s1_axi_arsize;
assign in_arburst[0*2 +: 2] = s0_axi_arburst; assign in_arburst[1*2 +: 2] = s1_axi_arburst;
assign in_arvalid[0] = s0_axi_arvalid; assign in_arvalid[1] = s1_axi_arvalid;
assign in_rready[0] = s0_axi_rready;   assign in_rready[1] = s1_axi_rready;

assign s0_axi_awready = out_awready[0];  assign s1_axi_awready = out_awready[1];
assign s0_axi_wready  = out_wready[0];   assign s1_axi_wready  = out_wready[1];
assign s0_axi_bid     = out_bid[0*ID_WIDTH +: ID_WIDTH];      assign s1_axi_bid     = out_bid[1*ID_WIDTH +: ID_WIDTH];
assign s0_axi_bresp   = out_bresp[0*2 +: 2];    assign s1_axi_bresp   = out_bresp[1*2 +: 2];
assign s0_axi_bvalid  = out_bvalid[0];   assign s1_axi_bvalid  = out_bvalid[1];
assign s0_axi_arready = out_arready[0];  assign s1_axi_arready = out_arready[1];
assign s0_axi_rid     = out_rid[0*ID_WIDTH +: ID_WIDTH];      assign s1_axi_rid     = out_rid[1*ID_WIDTH +: ID_WIDTH];
assign s0_axi_rresp   = out_rresp[0*2 +: 2];    assign s1_axi_rresp   = out_rresp[1*2 +: 2];
assign s0_axi_rlast   = out_rlast[0];    assign s1_axi_rlast   = out_rlast[1];
assign s0_axi_rvalid  = out_rvalid[0];   assign s1_axi_rvalid  = out_rvalid[1];

// ---------------------------------------------------------------- token buckets (per node)
// rtok/wtok: node n in bits [32n +: 32], signed; one always block updates all of them (and cyc).
reg  [NUM_NODES*32-1:0] rtok = {NUM_NODES{TOKEN_CAP[31:0]}};
reg  [NUM_NODES*32-1:0] wtok = {NUM_NODES{TOKEN_CAP[31:0]}};
wire [NUM_NODES*32-1:0] rtok_next;
wire [NUM_NODES*32-1:0] wtok_next;
wire [NUM_NODES-1:0] rtok_ok;
wire [NUM_NODES-1:0] wtok_ok;

genvar n;
generate
for (n = 0; n < NUM_NODES; n = n + 1) begin : g_node
    wire [15:0] bw = cfg_bandwidth[16*n +: 16];
    wire signed [31:0] rt = rtok[32*n +: 32];
    wire signed [31:0] wt = wtok[32*n +: 32];
    // tokens spent this cycle: port 0 beat costs DATA_WIDTH/2, port 1 beat costs 256
    wire [31:0] rspend = ((rd_fire[0] && rd_node[0*2 +: 2] == n) ? DATA_WIDTH/2 : 0)
                       + ((rd_fire[1] && rd_node[1*2 +: 2] == n) ? 256 : 0);
    wire [31:0] wspend = ((wr_fire[0] && wr_node[0*2 +: 2] == n) ? DATA_WIDTH/2 : 0)
                       + ((wr_fire[1] && wr_node[1*2 +: 2] == n) ? 256 : 0);
    wire signed [31:0] rnext = rt + $signed({16'd0, bw}) - $signed(rspend);
    wire signed [31:0] wnext = wt + $signed({16'd0, bw}) - $signed(wspend);
    assign rtok_next[32*n +: 32] = (rnext > TOKEN_CAP) ? TOKEN_CAP : rnext;
    assign wtok_next[32*n +: 32] = (wnext > TOKEN_CAP) ? TOKEN_CAP : wnext;
    assign rtok_ok[n] = (bw == 16'd0) || (rt > 0);
    assign wtok_ok[n] = (bw == 16'd0) || (wt > 0);
end
endgenerate

// ---------------------------------------------------------------- fault slots (shared part)
wire [NUM_FAULTS-1:0]   f_en, f_write, f_gen, f_timed, f_live, f_hang, f_decerr;
wire [NUM_FAULTS*2-1:0] f_ports;                 // slot s: [2s +: 2], bit p = port p
wire [NUM_FAULTS*2-1:0] f_inc;                   // slot s: its beats this cycle (0..2)
reg  [NUM_FAULTS-1:0]   f_gen_seen = {NUM_FAULTS{1'b0}};
reg  [NUM_FAULTS-1:0]   f_armed = {NUM_FAULTS{1'b0}};       // timed slots whose condition held
reg  [NUM_FAULTS*32-1:0] f_beats = {NUM_FAULTS*32{1'b0}};   // beats seen since (re)start
wire [NUM_FAULTS-1:0]   f_waiting = f_en & f_timed & ~f_armed;

genvar fs;
generate
for (fs = 0; fs < NUM_FAULTS; fs = fs + 1) begin : g_fault
    /* verilator lint_off UNUSEDSIGNAL */   // ctl[6] is reserved
    wire [7:0] ctl = cfg_fault_ctl[8*fs +: 8];
    /* verilator lint_on UNUSEDSIGNAL */
    wire [1:0] fire = ctl[1] ? wr_fire : rd_fire;
    assign f_en[fs] = ctl[0];
    assign f_write[fs] = ctl[1];
    assign f_hang[fs] = (ctl[3:2] == FAULT_HANG);
    assign f_decerr[fs] = (ctl[3:2] == FAULT_DECERR);
    assign f_ports[2*fs +: 2] = ctl[5:4];
    assign f_gen[fs] = ctl[7];
    assign f_timed[fs] = (cfg_fault_after[32*fs +: 32] != 32'd0) || (cfg_fault_from[64*fs +: 64] != 64'd0);
    assign f_live[fs] = ctl[0] && (!f_timed[fs] || (f_armed[fs] && f_gen_seen[fs] == ctl[7]));
    assign f_inc[2*fs +: 2] = {1'b0, fire[0] & ctl[4]} + {1'b0, fire[1] & ctl[5]};
end
endgenerate

// ---------------------------------------------------------------- stray-write check
reg  [63:0] wr_allow [0:WA_WORDS-1];             // bit b of word w: page 64w + b may be written
reg         wa_seen = 1'b0;                      // wa_load as of the last load
wire [NUM_PORTS-1:0]    stray_hit;               // port p accepts a stray write burst now
wire [NUM_PORTS*64-1:0] stray_at;                // ... and its offending address

// Few always blocks on purpose: each one costs a thread wake-up per cycle in Icarus.
// The cycle counter, the buckets and the write commits of both ports (port 0: P0_LINES
// lines from wc_idx0, port 1: one line; a line both write in one cycle is merged, port 1's
// bytes on top).
wire [63:0] wc_idx0 = wc_idx[0 +: 64];
wire [63:0] wc_idx1 = wc_idx[64 +: 64];
wire wc_overlap = wc_en[0] && (wc_idx1 - wc_idx0 < P0_LINES64);   // port 1's line is port 0's
always @(posedge clk) begin : tick
    integer l, k;
    reg [511:0] line, d0;
    reg [63:0] s0, li;
    reg [WMAX-1:0] wd;
    reg [WMAX/8-1:0] ws;
    reg [31:0] fb;
    // fault slots: restart a slot whose generation flipped; arm timed ones (idle otherwise)
    if (rst) begin
        f_armed <= {NUM_FAULTS{1'b0}};
        f_beats <= {NUM_FAULTS*32{1'b0}};
        f_gen_seen <= f_gen;
    end else if (f_gen != f_gen_seen || f_waiting != {NUM_FAULTS{1'b0}}) begin
        for (k = 0; k < NUM_FAULTS; k = k + 1) begin
            fb = f_beats[32*k +: 32];
            if (f_gen[k] != f_gen_seen[k]) begin
                f_beats[32*k +: 32] <= 32'd0;
                f_armed[k] <= 1'b0;
            end else if (f_waiting[k]) begin
                if (fb >= cfg_fault_after[32*k +: 32] && cyc >= cfg_fault_from[64*k +: 64])
                    f_armed[k] <= 1'b1;
                else
                    f_beats[32*k +: 32] <= fb + {30'd0, f_inc[2*k +: 2]};
            end
        end
        f_gen_seen <= f_gen;
    end
    // stray-write check: a new bitmap clears the count
    if (wa_load != wa_seen) begin
        $readmemh(WA_FILE, wr_allow);
        wa_seen <= wa_load;
        stray_writes <= 32'd0;
        stray_addr <= 64'd0;
    end else if (cfg_wr_check && stray_hit != {NUM_PORTS{1'b0}}) begin
        stray_writes <= stray_writes + {31'd0, stray_hit[0]} + {31'd0, stray_hit[1]};
        if (stray_writes == 32'd0)
            stray_addr <= stray_hit[0] ? stray_at[0 +: 64] : stray_at[64 +: 64];
    end
    if (rst) begin
        cyc <= 64'd0;
        rtok <= {NUM_NODES{TOKEN_CAP[31:0]}};
        wtok <= {NUM_NODES{TOKEN_CAP[31:0]}};
    end else begin
        cyc <= cyc + 64'd1;
        rtok <= rtok_next;
        wtok <= wtok_next;
    end
    if (wc_en[0]) begin
        // port 0's beat in line layout: a narrow port's lane shifted into place
        wd = {{(WMAX-DATA_WIDTH){1'b0}}, s0_axi_wdata};
        ws = {{(WMAX/8-DATA_WIDTH/8){1'b0}}, s0_axi_wstrb};
        if (DATA_WIDTH < 512) begin
            wd = wd << wc_shift0;
            ws = ws << (wc_shift0 >> 3);
        end
        for (l = 0; l < P0_LINES; l = l + 1) begin
            d0 = wd[l*512 +: 512];
            s0 = ws[l*64 +: 64];
            li = wc_idx0 + {32'd0, l};
            line = (s0 == {64{1'b1}}) ? d0 : merged(mem_rd(li), d0, s0);
            if (wc_en[1] && wc_idx1 == li)
                line = merged(line, s1_axi_wdata, s1_axi_wstrb);
`ifdef VERILATOR
            simmem_wr(li, edges, line);
`else
            mem[li] <= line;
`endif
        end
    end
    if (wc_en[1] && !wc_overlap)
`ifdef VERILATOR
        simmem_wr(wc_idx1, edges, (s1_axi_wstrb == {64{1'b1}}) ? s1_axi_wdata
                                  : merged(mem_rd(wc_idx1), s1_axi_wdata, s1_axi_wstrb));
`else
        mem[wc_idx1] <= (s1_axi_wstrb == {64{1'b1}}) ? s1_axi_wdata
                                                   : merged(mem_rd(wc_idx1), s1_axi_wdata, s1_axi_wstrb);
`endif
end

// ---------------------------------------------------------------- the ports
genvar p, q;
generate
for (p = 0; p < NUM_PORTS; p = p + 1) begin : g_port
    localparam integer PW = (p == 0) ? DATA_WIDTH : 512;   // port data width
    localparam integer PB = PW / 8;                         // bytes per beat
    localparam integer LB = $clog2(PB);                     // log2(bytes per beat)
    localparam [2:0]   LB3 = LB[2:0];                       // (AxSIZE of a full beat)
    // a burst whose beats are wider than the port (none is, on a 1024-bit port)
    wire ar_size_bad, aw_size_bad;
    if (LB < 7) begin : g_size_check
        assign ar_size_bad = in_arsize[p*3 +: 3] > LB3;
        assign aw_size_bad = in_awsize[p*3 +: 3] > LB3;
    end else begin : g_any_size
        assign ar_size_bad = 1'b0;
        assign aw_size_bad = 1'b0;
        wire unused_size = &{1'b0, LB3};
    end

    // ------------------------------------------------------------ read side
    reg [ID_WIDTH-1:0]   arq_id   [0:AR_DEPTH-1];
    reg [ADDR_WIDTH-1:0] arq_addr [0:AR_DEPTH-1];
    reg [7:0]            arq_len  [0:AR_DEPTH-1];
    reg [2:0]            arq_size [0:AR_DEPTH-1];
    reg [1:0]            arq_resp [0:AR_DEPTH-1];
    reg [1:0]            arq_node [0:AR_DEPTH-1];
    reg [63:0]           arq_time [0:AR_DEPTH-1];
    reg                  arq_hang [0:AR_DEPTH-1];  // HANG fault: never answered
    reg [ARQ_W:0]        ar_wp = 0, ar_rp = 0;
    reg [7:0]            rbeat = 8'd0;

    reg                  rvalid_r = 1'b0;
    reg                  rlast_r = 1'b0;
    reg [ID_WIDTH-1:0]   rid_r = 0;
    reg [1:0]            rresp_r = 2'b00;
    reg [WMAX-1:0]       rdata_r = {WMAX{1'b0}};

    wire [ARQ_W-1:0]     arh = ar_rp[ARQ_W-1:0];
    wire                 ar_empty = (ar_wp == ar_rp);
    wire [ARQ_W:0]       ar_used = ar_wp - ar_rp;      // in ARQ_W+1 bits: wraps correctly
    wire                 ar_full = ar_used[ARQ_W];
    wire [ADDR_WIDTH-1:0] rh_addr = arq_addr[arh];
    wire [7:0]           rh_len = arq_len[arh];
    wire [2:0]           rh_size = arq_size[arh];
    wire [1:0]           rh_resp = arq_resp[arh];
    wire [1:0]           rh_node = arq_node[arh];
    wire [63:0]          rh_time = arq_time[arh];
    wire [ADDR_WIDTH-1:0] rb_addr = rh_addr + ({{(ADDR_WIDTH-8){1'b0}}, rbeat} << rh_size);
    wire [63:0]          rb_addr64 = {{(64-ADDR_WIDTH){1'b0}}, rb_addr};

    wire r_go = !ar_empty && !arq_hang[arh] && (cyc >= rh_time) && rtok_ok[rh_node]
                && (!rvalid_r || in_rready[p]);

    assign out_arready[p] = !ar_full;
    assign out_rvalid[p] = rvalid_r;
    assign out_rlast[p] = rlast_r;
    assign out_rid[p*ID_WIDTH +: ID_WIDTH] = rid_r;
    assign out_rresp[p*2 +: 2] = rresp_r;
    if (p == 0) begin : g_rdata0
        assign s0_axi_rdata = rdata_r[DATA_WIDTH-1:0];
    end else begin : g_rdata1
        assign s1_axi_rdata = rdata_r[511:0];
    end
    assign rd_fire[p] = r_go;
    assign rd_node[p*2 +: 2] = rh_node;

    // AR acceptance: classify the whole burst
    wire [63:0] ar_start = {{(64-ADDR_WIDTH){1'b0}}, in_araddr[p*ADDR_WIDTH +: ADDR_WIDTH]};
    wire [63:0] ar_end = ar_start + ({56'd0, in_arlen[p*8 +: 8]} + 64'd1) * (64'd1 << in_arsize[p*3 +: 3]);
    wire [1:0]  ar_node_c = (ar_start >= MEM_END) ? 2'd3 : ar_start[NODE_SHIFT +: 2];
    wire [NUM_FAULTS-1:0] ar_hit;   // armed read slots of this port the burst overlaps
    wire ar_bad = (ar_end > MEM_END)
        || (in_arburst[p*2 +: 2] != BURST_INCR && in_arlen[p*8 +: 8] != 8'd0) || ar_size_bad;
    wire [1:0]  ar_resp_c =
        (ar_end > MEM_END) ? RESP_DECERR :
        ar_bad ? RESP_SLVERR :
        ((ar_hit & f_decerr) != {NUM_FAULTS{1'b0}}) ? RESP_DECERR :
        (ar_hit != {NUM_FAULTS{1'b0}}) ? RESP_SLVERR :
        RESP_OKAY;
    wire ar_hang_c = !ar_bad && ((ar_hit & f_hang) != {NUM_FAULTS{1'b0}});
    wire [15:0] ar_lat = cfg_rd_latency[16*ar_node_c +: 16];
    wire [15:0] ar_wait = (ar_lat < 16'd2) ? 16'd1 : ar_lat - 16'd1;

    // ------------------------------------------------------------ write side
    reg [ID_WIDTH-1:0]   awq_id   [0:AW_DEPTH-1];
    reg [ADDR_WIDTH-1:0] awq_addr [0:AW_DEPTH-1];
    reg [7:0]            awq_len  [0:AW_DEPTH-1];
    reg [2:0]            awq_size [0:AW_DEPTH-1];
    reg [1:0]            awq_resp [0:AW_DEPTH-1];
    reg [1:0]            awq_node [0:AW_DEPTH-1];
    reg                  awq_hang [0:AW_DEPTH-1];  // HANG fault: W never accepted, no B
    reg [AWQ_W:0]        aw_wp = 0, aw_rp = 0;
    reg [7:0]            wbeat = 8'd0;

    reg [ID_WIDTH-1:0]   bq_id   [0:AW_DEPTH-1];
    reg [1:0]            bq_resp [0:AW_DEPTH-1];
    reg [63:0]           bq_time [0:AW_DEPTH-1];
    reg [AWQ_W:0]        b_wp = 0, b_rp = 0;

    reg                  bvalid_r = 1'b0;
    reg [ID_WIDTH-1:0]   bid_r = 0;
    reg [1:0]            bresp_r = 2'b00;

    wire [AWQ_W-1:0]     awh = aw_rp[AWQ_W-1:0];
    wire                 aw_empty = (aw_wp == aw_rp);
    wire [AWQ_W:0]       aw_used = aw_wp - aw_rp;
    wire                 aw_full = aw_used[AWQ_W];
    wire [ADDR_WIDTH-1:0] wh_addr = awq_addr[awh];
    wire [7:0]           wh_len = awq_len[awh];
    wire [2:0]           wh_size = awq_size[awh];
    wire [1:0]           wh_resp = awq_resp[awh];
    wire [1:0]           wh_node = awq_node[awh];
    wire [ADDR_WIDTH-1:0] wb_addr = wh_addr + ({{(ADDR_WIDTH-8){1'b0}}, wbeat} << wh_size);

    wire [AWQ_W-1:0]     bh = b_rp[AWQ_W-1:0];
    wire                 b_empty = (b_wp == b_rp);
    wire [AWQ_W:0]       b_used = b_wp - b_rp;
    wire                 b_full = b_used[AWQ_W];

    wire w_ok = !aw_empty && !awq_hang[awh] && !b_full && wtok_ok[wh_node];
    wire w_go = w_ok && in_wvalid[p];
    wire w_last = (wbeat == wh_len);
    wire b_go = !b_empty && (cyc >= bq_time[bh]) && (!bvalid_r || in_bready[p]);

    assign out_awready[p] = !aw_full;
    assign out_wready[p] = w_ok;
    assign out_bvalid[p] = bvalid_r;
    assign out_bid[p*ID_WIDTH +: ID_WIDTH] = bid_r;
    assign out_bresp[p*2 +: 2] = bresp_r;
    assign wr_fire[p] = w_go;
    assign wr_node[p*2 +: 2] = wh_node;

    // commit: the lane of the line selected by the beat address (a 1024-bit port: both
    // lines of its bus word, unshifted)
    assign wc_en[p] = w_go && (wh_resp == RESP_OKAY);
    wire [63:0] wb_addr64 = {{(64-ADDR_WIDTH){1'b0}}, wb_addr};
    localparam integer PL = PW / 512;
    localparam [63:0] PLINES = {32'd0, PL[31:0]};   // lines of a beat wider than one
    assign wc_idx[p*64 +: 64] = (PW > 512) ? (wb_addr64 >> LB) * PLINES : wb_addr64 >> 6;
    if (p == 0) begin : g_shift0
        if (PW < 512) begin : g_narrow
            assign wc_shift0 = {26'd0, wb_addr[5:0]} >> LB << $clog2(PW);
        end else begin : g_wide
            assign wc_shift0 = 32'd0;
        end
    end

    // AW acceptance: classify the whole burst
    wire [63:0] aw_start = {{(64-ADDR_WIDTH){1'b0}}, in_awaddr[p*ADDR_WIDTH +: ADDR_WIDTH]};
    wire [63:0] aw_end = aw_start + ({56'd0, in_awlen[p*8 +: 8]} + 64'd1) * (64'd1 << in_awsize[p*3 +: 3]);
    wire [1:0]  aw_node_c = (aw_start >= MEM_END) ? 2'd3 : aw_start[NODE_SHIFT +: 2];
    wire [NUM_FAULTS-1:0] aw_hit;   // armed write slots of this port the burst overlaps
    wire aw_bad = (aw_end > MEM_END)
        || (in_awburst[p*2 +: 2] != BURST_INCR && in_awlen[p*8 +: 8] != 8'd0) || aw_size_bad;
    wire [1:0]  aw_resp_c =
        (aw_end > MEM_END) ? RESP_DECERR :
        aw_bad ? RESP_SLVERR :
        ((aw_hit & f_decerr) != {NUM_FAULTS{1'b0}}) ? RESP_DECERR :
        (aw_hit != {NUM_FAULTS{1'b0}}) ? RESP_SLVERR :
        RESP_OKAY;
    wire aw_hang_c = !aw_bad && ((aw_hit & f_hang) != {NUM_FAULTS{1'b0}});

    for (q = 0; q < NUM_FAULTS; q = q + 1) begin : g_hit
        wire [63:0] lo = cfg_fault_lo[64*q +: 64];
        wire [63:0] hi = cfg_fault_hi[64*q +: 64];
        wire sees = f_live[q] && f_ports[2*q + p];
        assign ar_hit[q] = sees && !f_write[q] && ar_start < hi && ar_end > lo;
        assign aw_hit[q] = sees && f_write[q] && aw_start < hi && aw_end > lo;
    end

    // stray-write check of the burst being accepted: its first and last byte's pages
    // (a legal burst stays inside one 4 KiB page)
    wire [63:0] aw_lastb = aw_end - 64'd1;
    wire [63:0] wa_first = wr_allow[aw_start[49:18]];
    wire [63:0] wa_last = wr_allow[aw_lastb[49:18]];
    wire aw_first_ok = (aw_start < MEM_END) && wa_first[aw_start[17:12]];
    wire aw_last_ok = (aw_lastb < MEM_END) && wa_last[aw_lastb[17:12]];
    assign stray_hit[p] = in_awvalid[p] && !aw_full && !(aw_first_ok && aw_last_ok);
    assign stray_at[64*p +: 64] = aw_first_ok ? {aw_lastb[63:12], 12'd0} : aw_start;
    wire [15:0] w_lat = cfg_wr_latency[16*wh_node +: 16];
    wire [15:0] b_wait = (w_lat < 16'd2) ? 16'd1 : w_lat - 16'd1;

    // ------------------------------------------------------------ sequential logic of the port
    always @(posedge clk) begin : port_seq
        integer rl;
        if (rst) begin
            ar_wp <= 0;
            ar_rp <= 0;
            rbeat <= 8'd0;
            rvalid_r <= 1'b0;
        end else begin
            if (in_arvalid[p] && !ar_full) begin
                arq_id[ar_wp[ARQ_W-1:0]]   <= in_arid[p*ID_WIDTH +: ID_WIDTH];
                arq_addr[ar_wp[ARQ_W-1:0]] <= in_araddr[p*ADDR_WIDTH +: ADDR_WIDTH];
                arq_len[ar_wp[ARQ_W-1:0]]  <= in_arlen[p*8 +: 8];
                arq_size[ar_wp[ARQ_W-1:0]] <= in_arsize[p*3 +: 3];
                arq_resp[ar_wp[ARQ_W-1:0]] <= ar_resp_c;
                arq_node[ar_wp[ARQ_W-1:0]] <= ar_node_c;
                arq_hang[ar_wp[ARQ_W-1:0]] <= ar_hang_c;
                arq_time[ar_wp[ARQ_W-1:0]] <= cyc + {48'd0, ar_wait};
                ar_wp <= ar_wp + 1'b1;
            end
            if (r_go) begin
                rvalid_r <= 1'b1;
                rid_r <= arq_id[arh];
                rresp_r <= rh_resp;
                rlast_r <= (rbeat == rh_len);
                if (rh_resp != RESP_OKAY)
                    rdata_r <= {WMAX{1'b0}};
                else if (PW > 512)
                    for (rl = 0; rl < WMAX / 512; rl = rl + 1)
                        rdata_r[rl*512 +: 512] <= mem_rd((rb_addr64 >> LB) * PLINES + {32'd0, rl});
                else if (PW == 512)
                    rdata_r <= {{(WMAX-512){1'b0}}, mem_rd(rb_addr64 >> 6)};
                else
                    rdata_r <= {{(WMAX-512){1'b0}}, mem_rd(rb_addr64 >> 6) >> (({{(ADDR_WIDTH-6){1'b0}}, rb_addr[5:0]} >> LB) * PW)};
                if (rbeat == rh_len) begin
                    rbeat <= 8'd0;
                    ar_rp <= ar_rp + 1'b1;
                end else begin
                    rbeat <= rbeat + 8'd1;
                end
            end else if (in_rready[p]) begin
                rvalid_r <= 1'b0;
            end
        end
        // ---- write side (same block: fewer thread wake-ups) ----
        if (rst) begin
            aw_wp <= 0;
            aw_rp <= 0;
            wbeat <= 8'd0;
            b_wp <= 0;
            b_rp <= 0;
            bvalid_r <= 1'b0;
        end else begin
            if (in_awvalid[p] && !aw_full) begin
                awq_id[aw_wp[AWQ_W-1:0]]   <= in_awid[p*ID_WIDTH +: ID_WIDTH];
                awq_addr[aw_wp[AWQ_W-1:0]] <= in_awaddr[p*ADDR_WIDTH +: ADDR_WIDTH];
                awq_len[aw_wp[AWQ_W-1:0]]  <= in_awlen[p*8 +: 8];
                awq_size[aw_wp[AWQ_W-1:0]] <= in_awsize[p*3 +: 3];
                awq_resp[aw_wp[AWQ_W-1:0]] <= aw_resp_c;
                awq_node[aw_wp[AWQ_W-1:0]] <= aw_node_c;
                awq_hang[aw_wp[AWQ_W-1:0]] <= aw_hang_c;
                aw_wp <= aw_wp + 1'b1;
            end
            if (w_go) begin
                if (w_last) begin
                    wbeat <= 8'd0;
                    aw_rp <= aw_rp + 1'b1;
                    bq_id[b_wp[AWQ_W-1:0]]   <= awq_id[awh];
                    bq_resp[b_wp[AWQ_W-1:0]] <= wh_resp;
                    bq_time[b_wp[AWQ_W-1:0]] <= cyc + {48'd0, b_wait};
                    b_wp <= b_wp + 1'b1;
                end else begin
                    wbeat <= wbeat + 8'd1;
                end
            end
            if (b_go) begin
                bvalid_r <= 1'b1;
                bid_r <= bq_id[bh];
                bresp_r <= bq_resp[bh];
                b_rp <= b_rp + 1'b1;
            end else if (in_bready[p]) begin
                bvalid_r <= 1'b0;
            end
        end
    end
end
endgenerate

endmodule

`resetall
