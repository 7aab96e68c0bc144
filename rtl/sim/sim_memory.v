// sim_memory: the simulated memory system both test benches use: numa_mem (4 NUMA nodes)
// with port 0 exposed as s_axi_* (the DMA engine, or a Python AXI master) through
// axi_slave_modes (cfg_slave_mode: which of AXI's permissions the slave uses; 0: every
// signal by wire), and port 1 driven by cpu_copy (the CPU copy model). See numa_mem.v,
// axi_slave_modes.v and cpu_copy.v for the contracts.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module sim_memory #(
    parameter integer DATA_WIDTH = 512,             // port 0 data width
    parameter integer ADDR_WIDTH = 64,              // <= 64
    parameter integer ID_WIDTH = 8,
    parameter [63:0]  MEM_BYTES = 64'd67108864,     // bytes (power of 2)
    parameter integer NUM_FAULTS = 8                // fault slots of numa_mem
) (
    input  wire                    clk,
    input  wire                    rst,
    output wire [63:0]             cycle,
    input  wire [63:0]             cfg_rd_latency,
    input  wire [63:0]             cfg_wr_latency,
    input  wire [63:0]             cfg_bandwidth,
    input  wire [3:0]              cfg_slave_mode,
    output wire [31:0]             slave_aw_held,      // what the slave modes did since rst
    output wire [31:0]             slave_w_held,
    output wire [31:0]             slave_r_reordered,
    output wire [31:0]             slave_b_reordered,
    output wire [31:0]             slave_r_interleaved,
    input  wire [NUM_FAULTS*64-1:0] cfg_fault_lo,
    input  wire [NUM_FAULTS*64-1:0] cfg_fault_hi,
    input  wire [NUM_FAULTS*32-1:0] cfg_fault_after,
    input  wire [NUM_FAULTS*64-1:0] cfg_fault_from,
    input  wire [NUM_FAULTS*8-1:0]  cfg_fault_ctl,
    input  wire                    cfg_wr_check,
    input  wire                    wa_load,
    output wire [31:0]             stray_writes,
    output wire [63:0]             stray_addr,
    input  wire                    bd_load,
    input  wire                    bd_dump,
    input  wire [63:0]             bd_lo,
    input  wire [63:0]             bd_hi,
    input  wire                    cpu_start,
    input  wire [63:0]             cpu_src,
    input  wire [63:0]             cpu_dst,
    input  wire [63:0]             cpu_len,
    input  wire [7:0]              cpu_max_reads,
    input  wire [7:0]              cpu_max_writes,
    output wire                    cpu_busy,
    output wire                    cpu_done,
    output wire                    cpu_error,
    output wire [63:0]             cpu_cycles,
    input  wire [ID_WIDTH-1:0]     s_axi_awid,
    input  wire [ADDR_WIDTH-1:0]   s_axi_awaddr,
    input  wire [7:0]              s_axi_awlen,
    input  wire [2:0]              s_axi_awsize,
    input  wire [1:0]              s_axi_awburst,
    input  wire                    s_axi_awvalid,
    output wire                    s_axi_awready,
    input  wire [DATA_WIDTH-1:0]   s_axi_wdata,
    input  wire [DATA_WIDTH/8-1:0] s_axi_wstrb,
    input  wire                    s_axi_wlast,
    input  wire                    s_axi_wvalid,
    output wire                    s_axi_wready,
    output wire [ID_WIDTH-1:0]     s_axi_bid,
    output wire [1:0]              s_axi_bresp,
    output wire                    s_axi_bvalid,
    input  wire                    s_axi_bready,
    input  wire [ID_WIDTH-1:0]     s_axi_arid,
    input  wire [ADDR_WIDTH-1:0]   s_axi_araddr,
    input  wire [7:0]              s_axi_arlen,
    input  wire [2:0]              s_axi_arsize,
    input  wire [1:0]              s_axi_arburst,
    input  wire                    s_axi_arvalid,
    output wire                    s_axi_arready,
    output wire [ID_WIDTH-1:0]     s_axi_rid,
    output wire [DATA_WIDTH-1:0]   s_axi_rdata,
    output wire [1:0]              s_axi_rresp,
    output wire                    s_axi_rlast,
    output wire                    s_axi_rvalid,
    input  wire                    s_axi_rready
);

// port 0 <-> the slave modes <-> s_axi_*
wire [ID_WIDTH-1:0]     m_awid, m_bid, m_arid, m_rid;
wire [ADDR_WIDTH-1:0]   m_awaddr, m_araddr;
wire [7:0]              m_awlen, m_arlen;
wire [2:0]              m_awsize, m_arsize;
wire [1:0]              m_awburst, m_arburst, m_bresp, m_rresp;
wire [DATA_WIDTH-1:0]   m_wdata, m_rdata;
wire [DATA_WIDTH/8-1:0] m_wstrb;
wire                    m_awvalid, m_awready, m_wlast, m_wvalid, m_wready, m_bvalid, m_bready;
wire                    m_arvalid, m_arready, m_rlast, m_rvalid, m_rready;

axi_slave_modes #(
    .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH)
) u_slave_modes (
    .clk(clk), .rst(rst), .mode(cfg_slave_mode),
    .stat_aw_held(slave_aw_held), .stat_w_held(slave_w_held),
    .stat_r_reordered(slave_r_reordered), .stat_b_reordered(slave_b_reordered),
    .stat_r_interleaved(slave_r_interleaved),
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
    .s_axi_rlast(s_axi_rlast), .s_axi_rvalid(s_axi_rvalid), .s_axi_rready(s_axi_rready),
    .m_axi_awid(m_awid), .m_axi_awaddr(m_awaddr), .m_axi_awlen(m_awlen),
    .m_axi_awsize(m_awsize), .m_axi_awburst(m_awburst),
    .m_axi_awvalid(m_awvalid), .m_axi_awready(m_awready),
    .m_axi_wdata(m_wdata), .m_axi_wstrb(m_wstrb), .m_axi_wlast(m_wlast),
    .m_axi_wvalid(m_wvalid), .m_axi_wready(m_wready),
    .m_axi_bid(m_bid), .m_axi_bresp(m_bresp), .m_axi_bvalid(m_bvalid), .m_axi_bready(m_bready),
    .m_axi_arid(m_arid), .m_axi_araddr(m_araddr), .m_axi_arlen(m_arlen),
    .m_axi_arsize(m_arsize), .m_axi_arburst(m_arburst),
    .m_axi_arvalid(m_arvalid), .m_axi_arready(m_arready),
    .m_axi_rid(m_rid), .m_axi_rdata(m_rdata), .m_axi_rresp(m_rresp),
    .m_axi_rlast(m_rlast), .m_axi_rvalid(m_rvalid), .m_axi_rready(m_rready)
);

// port 1 <-> cpu_copy
wire [ID_WIDTH-1:0]   c_awid, c_bid, c_arid, c_rid;
wire [ADDR_WIDTH-1:0] c_awaddr, c_araddr;
wire [7:0]            c_awlen, c_arlen;
wire [2:0]            c_awsize, c_arsize;
wire [1:0]            c_awburst, c_arburst, c_bresp, c_rresp;
wire                  c_awvalid, c_awready, c_wlast, c_wvalid, c_wready, c_bvalid, c_bready;
wire                  c_arvalid, c_arready, c_rlast, c_rvalid, c_rready;
wire [511:0]          c_wdata, c_rdata;
wire [63:0]           c_wstrb;

numa_mem #(
    .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH), .MEM_BYTES(MEM_BYTES),
    .NUM_FAULTS(NUM_FAULTS)
) u_mem (
    .clk(clk), .rst(rst), .cycle(cycle),
    .cfg_rd_latency(cfg_rd_latency), .cfg_wr_latency(cfg_wr_latency),
    .cfg_bandwidth(cfg_bandwidth),
    .cfg_fault_lo(cfg_fault_lo), .cfg_fault_hi(cfg_fault_hi),
    .cfg_fault_after(cfg_fault_after), .cfg_fault_from(cfg_fault_from),
    .cfg_fault_ctl(cfg_fault_ctl),
    .cfg_wr_check(cfg_wr_check), .wa_load(wa_load),
    .stray_writes(stray_writes), .stray_addr(stray_addr),
    .bd_load(bd_load), .bd_dump(bd_dump), .bd_lo(bd_lo), .bd_hi(bd_hi),
    .s0_axi_awid(m_awid), .s0_axi_awaddr(m_awaddr), .s0_axi_awlen(m_awlen),
    .s0_axi_awsize(m_awsize), .s0_axi_awburst(m_awburst),
    .s0_axi_awvalid(m_awvalid), .s0_axi_awready(m_awready),
    .s0_axi_wdata(m_wdata), .s0_axi_wstrb(m_wstrb), .s0_axi_wlast(m_wlast),
    .s0_axi_wvalid(m_wvalid), .s0_axi_wready(m_wready),
    .s0_axi_bid(m_bid), .s0_axi_bresp(m_bresp), .s0_axi_bvalid(m_bvalid),
    .s0_axi_bready(m_bready),
    .s0_axi_arid(m_arid), .s0_axi_araddr(m_araddr), .s0_axi_arlen(m_arlen),
    .s0_axi_arsize(m_arsize), .s0_axi_arburst(m_arburst),
    .s0_axi_arvalid(m_arvalid), .s0_axi_arready(m_arready),
    .s0_axi_rid(m_rid), .s0_axi_rdata(m_rdata), .s0_axi_rresp(m_rresp),
    .s0_axi_rlast(m_rlast), .s0_axi_rvalid(m_rvalid), .s0_axi_rready(m_rready),
    .s1_axi_awid(c_awid), .s1_axi_awaddr(c_awaddr), .s1_axi_awlen(c_awlen),
    .s1_axi_awsize(c_awsize), .s1_axi_awburst(c_awburst),
    .s1_axi_awvalid(c_awvalid), .s1_axi_awready(c_awready),
    .s1_axi_wdata(c_wdata), .s1_axi_wstrb(c_wstrb), .s1_axi_wlast(c_wlast),
    .s1_axi_wvalid(c_wvalid), .s1_axi_wready(c_wready),
    .s1_axi_bid(c_bid), .s1_axi_bresp(c_bresp), .s1_axi_bvalid(c_bvalid),
    .s1_axi_bready(c_bready),
    .s1_axi_arid(c_arid), .s1_axi_araddr(c_araddr), .s1_axi_arlen(c_arlen),
    .s1_axi_arsize(c_arsize), .s1_axi_arburst(c_arburst),
    .s1_axi_arvalid(c_arvalid), .s1_axi_arready(c_arready),
    .s1_axi_rid(c_rid), .s1_axi_rdata(c_rdata), .s1_axi_rresp(c_rresp),
    .s1_axi_rlast(c_rlast), .s1_axi_rvalid(c_rvalid), .s1_axi_rready(c_rready)
);

cpu_copy #(
    .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH)
) u_cpu (
    .clk(clk), .rst(rst),
    .start(cpu_start), .src(cpu_src), .dst(cpu_dst), .len(cpu_len),
    .cfg_max_reads(cpu_max_reads), .cfg_max_writes(cpu_max_writes),
    .busy(cpu_busy), .done(cpu_done), .error(cpu_error), .cycles(cpu_cycles),
    .m_axi_awid(c_awid), .m_axi_awaddr(c_awaddr), .m_axi_awlen(c_awlen),
    .m_axi_awsize(c_awsize), .m_axi_awburst(c_awburst),
    .m_axi_awvalid(c_awvalid), .m_axi_awready(c_awready),
    .m_axi_wdata(c_wdata), .m_axi_wstrb(c_wstrb), .m_axi_wlast(c_wlast),
    .m_axi_wvalid(c_wvalid), .m_axi_wready(c_wready),
    .m_axi_bid(c_bid), .m_axi_bresp(c_bresp), .m_axi_bvalid(c_bvalid), .m_axi_bready(c_bready),
    .m_axi_arid(c_arid), .m_axi_araddr(c_araddr), .m_axi_arlen(c_arlen),
    .m_axi_arsize(c_arsize), .m_axi_arburst(c_arburst),
    .m_axi_arvalid(c_arvalid), .m_axi_arready(c_arready),
    .m_axi_rid(c_rid), .m_axi_rdata(c_rdata), .m_axi_rresp(c_rresp),
    .m_axi_rlast(c_rlast), .m_axi_rvalid(c_rvalid), .m_axi_rready(c_rready)
);

endmodule

`resetall
