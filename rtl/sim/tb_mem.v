// tb_mem: cocotb test bench for the memory system alone (sim_memory: numa_mem with port 0
// exposed as s_axi_* through axi_slave_modes, driven by a Python AXI master, and port 1
// driven by cpu_copy).
// Clock generated here (2 ns period); rst, cfg_*, bd_*, cpu_* are regs Python writes.
// cycle: free-running 64-bit count of clock cycles since rst was deasserted.
// cfg_slave_mode (4 bits, axi_slave_modes.v): how the slave between s_axi_* and the memory
// uses AXI's permissions: 0 transparent (every signal by wire, zero added latency), bit 0
// AWREADY waits for WVALID, bit 1 WREADY waits for AWVALID (and AWREADY for AWVALID), bit 2
// R and B out of order across IDs, bit 3 R bursts of different IDs interleaved beat by beat.
// Set it while rst is high (the bus idle). slave_aw_held, slave_w_held, slave_r_reordered,
// slave_b_reordered, slave_r_interleaved: what the modes did since rst (axi_slave_modes.v).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module tb_mem #(
    parameter integer DATA_WIDTH = 512,             // port 0 data width
    parameter integer ADDR_WIDTH = 32,
    parameter integer ID_WIDTH = 8,
    parameter [63:0]  MEM_BYTES = 64'd67108864
) ();

reg clk = 1'b0;
always #1 clk = ~clk;
reg rst = 1'b1;

wire [63:0] cycle;   // from the memory model's counter (one less always block)

// memory configuration (defaults: latency 2, full bandwidth, faults off)
reg [63:0] cfg_rd_latency = {4{16'd2}};
reg [63:0] cfg_wr_latency = {4{16'd2}};
reg [63:0] cfg_bandwidth  = {4{16'd256}};
reg [3:0]  cfg_slave_mode = 4'd0;                   // axi_slave_modes: 0 transparent
// fault slots and stray-write check (numa_mem.v documents the encoding)
reg [8*64-1:0] cfg_fault_lo = {8*64{1'b0}};
reg [8*64-1:0] cfg_fault_hi = {8*64{1'b0}};
reg [8*32-1:0] cfg_fault_after = {8*32{1'b0}};
reg [8*64-1:0] cfg_fault_from = {8*64{1'b0}};
reg [8*8-1:0]  cfg_fault_ctl = {8*8{1'b0}};
reg        cfg_wr_check = 1'b0;
reg        wa_load = 1'b0;
wire [31:0] stray_writes;
wire [63:0] stray_addr;
reg        bd_load = 1'b0;
reg        bd_dump = 1'b0;
reg [63:0] bd_lo = 64'd0;
reg [63:0] bd_hi = 64'd0;

// CPU copy model
reg        cpu_start = 1'b0;
reg [63:0] cpu_src = 64'd0;
reg [63:0] cpu_dst = 64'd0;
reg [63:0] cpu_len = 64'd0;
reg [7:0]  cpu_max_reads = 8'd10;
reg [7:0]  cpu_max_writes = 8'd10;
wire       cpu_busy, cpu_done, cpu_error;
wire [63:0] cpu_cycles;

// port 0, driven by Python
reg  [ID_WIDTH-1:0]     s_axi_awid = 0;
reg  [ADDR_WIDTH-1:0]   s_axi_awaddr = 0;
reg  [7:0]              s_axi_awlen = 0;
reg  [2:0]              s_axi_awsize = 0;
reg  [1:0]              s_axi_awburst = 2'b01;
reg                     s_axi_awlock = 1'b0;
reg  [3:0]              s_axi_awcache = 4'd0;
reg  [2:0]              s_axi_awprot = 3'd0;
reg                     s_axi_awvalid = 1'b0;
wire                    s_axi_awready;
reg  [DATA_WIDTH-1:0]   s_axi_wdata = 0;
reg  [DATA_WIDTH/8-1:0] s_axi_wstrb = 0;
reg                     s_axi_wlast = 1'b0;
reg                     s_axi_wvalid = 1'b0;
wire                    s_axi_wready;
wire [ID_WIDTH-1:0]     s_axi_bid;
wire [1:0]              s_axi_bresp;
wire                    s_axi_bvalid;
reg                     s_axi_bready = 1'b0;
reg  [ID_WIDTH-1:0]     s_axi_arid = 0;
reg  [ADDR_WIDTH-1:0]   s_axi_araddr = 0;
reg  [7:0]              s_axi_arlen = 0;
reg  [2:0]              s_axi_arsize = 0;
reg  [1:0]              s_axi_arburst = 2'b01;
reg                     s_axi_arlock = 1'b0;
reg  [3:0]              s_axi_arcache = 4'd0;
reg  [2:0]              s_axi_arprot = 3'd0;
reg                     s_axi_arvalid = 1'b0;
wire                    s_axi_arready;
wire [ID_WIDTH-1:0]     s_axi_rid;
wire [DATA_WIDTH-1:0]   s_axi_rdata;
wire [1:0]              s_axi_rresp;
wire                    s_axi_rlast;
wire                    s_axi_rvalid;
reg                     s_axi_rready = 1'b0;

wire [31:0] slave_aw_held, slave_w_held, slave_r_reordered, slave_b_reordered;
wire [31:0] slave_r_interleaved;

// ------------------------------------------------------------ memory and CPU
sim_memory #(
    .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH), .MEM_BYTES(MEM_BYTES)
) u_mem (
    .clk(clk), .rst(rst), .cycle(cycle),
    .cfg_rd_latency(cfg_rd_latency), .cfg_wr_latency(cfg_wr_latency),
    .cfg_bandwidth(cfg_bandwidth), .cfg_slave_mode(cfg_slave_mode),
    .slave_aw_held(slave_aw_held), .slave_w_held(slave_w_held),
    .slave_r_reordered(slave_r_reordered), .slave_b_reordered(slave_b_reordered),
    .slave_r_interleaved(slave_r_interleaved),
    .cfg_fault_lo(cfg_fault_lo), .cfg_fault_hi(cfg_fault_hi),
    .cfg_fault_after(cfg_fault_after), .cfg_fault_from(cfg_fault_from),
    .cfg_fault_ctl(cfg_fault_ctl),
    .cfg_wr_check(cfg_wr_check), .wa_load(wa_load),
    .stray_writes(stray_writes), .stray_addr(stray_addr),
    .bd_load(bd_load), .bd_dump(bd_dump), .bd_lo(bd_lo), .bd_hi(bd_hi),
    .cpu_start(cpu_start), .cpu_src(cpu_src), .cpu_dst(cpu_dst), .cpu_len(cpu_len),
    .cpu_max_reads(cpu_max_reads), .cpu_max_writes(cpu_max_writes),
    .cpu_busy(cpu_busy), .cpu_done(cpu_done), .cpu_error(cpu_error), .cpu_cycles(cpu_cycles),
    .s_axi_awid(s_axi_awid), .s_axi_awaddr(s_axi_awaddr), .s_axi_awlen(s_axi_awlen),
    .s_axi_awsize(s_axi_awsize), .s_axi_awburst(s_axi_awburst),
    .s_axi_awvalid(s_axi_awvalid), .s_axi_awready(s_axi_awready),
    .s_axi_wdata(s_axi_wdata), .s_axi_wstrb(s_axi_wstrb), .s_axi_wlast(s_axi_wlast),
    .s_axi_wvalid(s_axi_wvalid), .s_axi_wready(s_axi_wready),
    .s_axi_bid(s_axi_bid), .s_axi_bresp(s_axi_bresp), .s_axi_bvalid(s_axi_bvalid),
    .s_axi_bready(s_axi_bready),
    .s_axi_arid(s_axi_arid), .s_axi_araddr(s_axi_araddr), .s_axi_arlen(s_axi_arlen),
    .s_axi_arsize(s_axi_arsize), .s_axi_arburst(s_axi_arburst),
    .s_axi_arvalid(s_axi_arvalid), .s_axi_arready(s_axi_arready),
    .s_axi_rid(s_axi_rid), .s_axi_rdata(s_axi_rdata), .s_axi_rresp(s_axi_rresp),
    .s_axi_rlast(s_axi_rlast), .s_axi_rvalid(s_axi_rvalid), .s_axi_rready(s_axi_rready)
);

endmodule

`resetall
