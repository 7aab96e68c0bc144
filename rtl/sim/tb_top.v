// tb_top: cocotb test bench of the engine.
//
// Contract for Python (harness/simdevice.py):
//   * clk: generated here under Icarus (period 2 ns); an input driven by cocotb otherwise.
//     rst: driven by Python. cycle: clock cycles since rst went low.
//   * reg_req/reg_write/reg_addr/reg_wdata -> reg_done (toggles), reg_rdata, reg_resp:
//     one register access on the engine's AXI4-Lite port by an HDL master (axil_request).
//     cfg_reg_hang = 1: the engine's register port, as that master sees it, stops answering
//     (every VALID and READY between them held low), so an access never completes; set it
//     while no access is in flight; only rst frees a master left waiting.
//   * irq: the engine's interrupt line; dma_busy: some queue has work in flight.
//   * m_axi_*: the engine's master port (after the stall insertion), watched by
//     axi_checker (axi_error / axi_errors count protocol violations; the first one prints
//     what it was and ends the simulation).
//   * cfg_slave_mode (4 bits, axi_slave_modes.v): how the slave in front of the memory
//     uses AXI's permissions: 0 transparent (zero added latency), bit 0 AWREADY waits for
//     WVALID, bit 1 WREADY waits for AWVALID (and AWREADY for AWVALID), bit 2 R and B
//     out of order across IDs, bit 3 R bursts of different IDs interleaved beat by beat.
//     Set it before rst is released (while the bus is idle); one build serves all modes.
//     slave_aw_held, slave_w_held, slave_r_reordered, slave_b_reordered,
//     slave_r_interleaved: what the modes did since rst (axi_slave_modes.v).
//   * cfg_stall_mask (bits: 0 AW, 1 W, 2 B, 3 AR, 4 R) + cfg_stall_seed: random idle and
//     backpressure between engine and memory on the chosen channels.
//   * Memory model numa_mem: cfg_* timing, fault slots (cfg_fault_lo/hi/after/from/ctl,
//     NUM_FAULTS = 8), bd_* backdoor, stray-write check (cfg_wr_check, wa_load toggle loads
//     the page bitmap file write_allow.hex, stray_writes / stray_addr); see numa_mem.v.
//   * rst resets the engine, the register master, the stall insertion, the checker, the CPU
//     copy model and every in-flight state of the memory (hung bursts included), keeping
//     memory contents, the fault configuration and the stray-write bitmap and count.
//   * CPU copy model cpu_copy on the memory's second port: cpu_start/src/dst/len,
//     cpu_max_reads/writes, cpu_done (level), cpu_error, cpu_cycles.
//   * MEM_BYTES (64 bits: 4 GiB = nodes of 1 GiB) sizes the memory; ADDR_WIDTH is the engine's
//     AXI address width (32 by default; 64 for memories of 4 GiB and more), zero-extended to
//     the memory's 64-bit address ports.
//   * doorbell_cycle: cycle of the last TAIL write of any queue (the doorbell);
//     first_read_cycle: cycle of the first data-read AR accepted after it (data IDs are odd);
//     write_bursts: AW handshakes on the engine's port since rst (data and record bursts).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module tb_top #(
    parameter integer DATA_WIDTH = 512,
    parameter integer NUM_QUEUES = 1,
    parameter integer MAX_BURSTS = 16,
    parameter integer FIFO_DEPTH = 1024,
    parameter [63:0]  MEM_BYTES = 64'd67108864,    // bytes, 4 nodes (64 bits: 4 GiB and more)
    parameter integer ADDR_WIDTH = 32              // the engine's AXI address width (<= 64)
) (
`ifdef VERILATOR
    input  wire clk
`endif
);
    localparam integer ID_WIDTH = 8;
    localparam integer STRB = DATA_WIDTH / 8;

`ifndef VERILATOR
    reg clk = 1'b0;
    always #1 clk = ~clk;
`endif

    reg         rst = 1'b1;
    wire [63:0] cycle;   // the memory model's count (one counter ticking, not two)

    // ------------------------------------------------------------ Python-driven inputs
    // register access: Python raises reg_req, the HDL master runs the AXI4-Lite transfer,
    // reg_done toggles when it is over (one Python wake-up per access, not per cycle)
    reg         reg_req = 1'b0;
    reg         reg_write = 1'b0;
    reg  [11:0] reg_addr = 12'd0;
    reg  [31:0] reg_wdata = 32'd0;
    wire        reg_done;
    wire [31:0] reg_rdata;
    wire [1:0]  reg_resp;
    wire [11:0] s_axil_awaddr, s_axil_araddr;
    wire        s_axil_awvalid, s_axil_awready, s_axil_wvalid, s_axil_wready;
    wire [31:0] s_axil_wdata, s_axil_rdata;
    wire [1:0]  s_axil_bresp, s_axil_rresp;
    wire        s_axil_bvalid, s_axil_bready, s_axil_arvalid, s_axil_arready;
    wire        s_axil_rvalid, s_axil_rready;
    // the register master's side of each handshake (h_*), cut off by cfg_reg_hang
    reg         cfg_reg_hang = 1'b0;
    wire        h_awvalid, h_awready, h_wvalid, h_wready, h_bvalid, h_bready;
    wire        h_arvalid, h_arready, h_rvalid, h_rready;
    assign s_axil_awvalid = h_awvalid && !cfg_reg_hang;
    assign h_awready = s_axil_awready && !cfg_reg_hang;
    assign s_axil_wvalid = h_wvalid && !cfg_reg_hang;
    assign h_wready = s_axil_wready && !cfg_reg_hang;
    assign h_bvalid = s_axil_bvalid && !cfg_reg_hang;
    assign s_axil_bready = h_bready && !cfg_reg_hang;
    assign s_axil_arvalid = h_arvalid && !cfg_reg_hang;
    assign h_arready = s_axil_arready && !cfg_reg_hang;
    assign h_rvalid = s_axil_rvalid && !cfg_reg_hang;
    assign s_axil_rready = h_rready && !cfg_reg_hang;

    axil_request #(.ADDR_WIDTH(12)) registers (
        .clk(clk), .rst(rst),
        .req(reg_req), .req_write(reg_write), .req_addr(reg_addr), .req_wdata(reg_wdata),
        .done(reg_done), .resp_rdata(reg_rdata), .resp_resp(reg_resp),
        .m_axil_awaddr(s_axil_awaddr), .m_axil_awvalid(h_awvalid), .m_axil_awready(h_awready),
        .m_axil_wdata(s_axil_wdata), .m_axil_wvalid(h_wvalid), .m_axil_wready(h_wready),
        .m_axil_bresp(s_axil_bresp), .m_axil_bvalid(h_bvalid), .m_axil_bready(h_bready),
        .m_axil_araddr(s_axil_araddr), .m_axil_arvalid(h_arvalid), .m_axil_arready(h_arready),
        .m_axil_rdata(s_axil_rdata), .m_axil_rresp(s_axil_rresp), .m_axil_rvalid(h_rvalid),
        .m_axil_rready(h_rready)
    );
    wire        irq;
    wire        dma_busy;      // the engine has work in flight (its STATUS.BUSY)

    reg  [4*16-1:0] cfg_rd_latency = {4{16'd2}};
    reg  [4*16-1:0] cfg_wr_latency = {4{16'd2}};
    reg  [4*16-1:0] cfg_bandwidth = {4{16'd256}};
    // fault slots (numa_mem.v: slot s in [64s +: 64], [32s +: 32], [8s +: 8]; ctl bit 0 enable)
    reg  [8*64-1:0] cfg_fault_lo = {8*64{1'b0}};
    reg  [8*64-1:0] cfg_fault_hi = {8*64{1'b0}};
    reg  [8*32-1:0] cfg_fault_after = {8*32{1'b0}};
    reg  [8*64-1:0] cfg_fault_from = {8*64{1'b0}};
    reg  [8*8-1:0]  cfg_fault_ctl = {8*8{1'b0}};
    // stray-write check: off by default (every write allowed)
    reg             cfg_wr_check = 1'b0;
    reg             wa_load = 1'b0;
    wire [31:0]     stray_writes;
    wire [63:0]     stray_addr;
    reg  [4:0]      cfg_stall_mask = 5'd0;
    reg  [3:0]      cfg_slave_mode = 4'd0;
    reg  [15:0]     cfg_stall_seed = 16'd1;
    reg             bd_load = 1'b0;
    reg             bd_dump = 1'b0;
    reg  [63:0]     bd_lo = 64'd0;
    reg  [63:0]     bd_hi = 64'd0;

    reg             cpu_start = 1'b0;
    reg  [63:0]     cpu_src = 64'd0;
    reg  [63:0]     cpu_dst = 64'd0;
    reg  [63:0]     cpu_len = 64'd0;
    // CPU copy model: lines in flight, calibrated (harness/experiments.py SIM_CPU says why)
    reg  [7:0]      cpu_max_reads = 8'd64;
    reg  [7:0]      cpu_max_writes = 8'd48;
    wire            cpu_busy, cpu_done, cpu_error;
    wire [63:0]     cpu_cycles;

    // ------------------------------------------------------------------- the engine
    wire [ID_WIDTH-1:0]   m_axi_awid, m_axi_bid, m_axi_arid, m_axi_rid;
    wire [ADDR_WIDTH-1:0] m_axi_awaddr, m_axi_araddr;
    wire [7:0]            m_axi_awlen, m_axi_arlen;
    wire [2:0]            m_axi_awsize, m_axi_arsize, m_axi_awprot, m_axi_arprot;
    wire [1:0]            m_axi_awburst, m_axi_arburst, m_axi_bresp, m_axi_rresp;
    wire [3:0]            m_axi_awcache, m_axi_arcache;
    wire                  m_axi_awlock, m_axi_arlock;
    wire [DATA_WIDTH-1:0] m_axi_wdata, m_axi_rdata;
    wire [STRB-1:0]       m_axi_wstrb;
    wire                  m_axi_wlast, m_axi_rlast;
    // engine side (e_*) and memory side (m_*) of each handshake, joined by axi_stall
    wire e_awvalid, e_awready, e_wvalid, e_wready, e_bvalid, e_bready;
    wire e_arvalid, e_arready, e_rvalid, e_rready;
    wire m_axi_awvalid, m_axi_awready, m_axi_wvalid, m_axi_wready, m_axi_bvalid, m_axi_bready;
    wire m_axi_arvalid, m_axi_arready, m_axi_rvalid, m_axi_rready;

    foliodma_top #(
        .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH),
        .NUM_QUEUES(NUM_QUEUES), .MAX_BURSTS(MAX_BURSTS), .FIFO_DEPTH(FIFO_DEPTH)
    ) dut (
        .clk(clk), .rst(rst),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awprot(3'd0), .s_axil_awvalid(s_axil_awvalid),
        .s_axil_awready(s_axil_awready), .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(4'hF),
        .s_axil_wvalid(s_axil_wvalid), .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp),
        .s_axil_bvalid(s_axil_bvalid), .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr),
        .s_axil_arprot(3'd0), .s_axil_arvalid(s_axil_arvalid), .s_axil_arready(s_axil_arready),
        .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp), .s_axil_rvalid(s_axil_rvalid),
        .s_axil_rready(s_axil_rready),
        .m_axi_awid(m_axi_awid), .m_axi_awaddr(m_axi_awaddr), .m_axi_awlen(m_axi_awlen),
        .m_axi_awsize(m_axi_awsize), .m_axi_awburst(m_axi_awburst), .m_axi_awlock(m_axi_awlock),
        .m_axi_awcache(m_axi_awcache), .m_axi_awprot(m_axi_awprot), .m_axi_awvalid(e_awvalid),
        .m_axi_awready(e_awready), .m_axi_wdata(m_axi_wdata), .m_axi_wstrb(m_axi_wstrb),
        .m_axi_wlast(m_axi_wlast), .m_axi_wvalid(e_wvalid), .m_axi_wready(e_wready),
        .m_axi_bid(m_axi_bid), .m_axi_bresp(m_axi_bresp), .m_axi_bvalid(e_bvalid),
        .m_axi_bready(e_bready), .m_axi_arid(m_axi_arid), .m_axi_araddr(m_axi_araddr),
        .m_axi_arlen(m_axi_arlen), .m_axi_arsize(m_axi_arsize), .m_axi_arburst(m_axi_arburst),
        .m_axi_arlock(m_axi_arlock), .m_axi_arcache(m_axi_arcache), .m_axi_arprot(m_axi_arprot),
        .m_axi_arvalid(e_arvalid), .m_axi_arready(e_arready), .m_axi_rid(m_axi_rid),
        .m_axi_rdata(m_axi_rdata), .m_axi_rresp(m_axi_rresp), .m_axi_rlast(m_axi_rlast),
        .m_axi_rvalid(e_rvalid), .m_axi_rready(e_rready),
        .irq(irq), .busy(dma_busy)
    );

    // ------------------------------------------------- idle / backpressure insertion
    // channels AW, W, B, AR, R: bits 0..4 (the bits of cfg_stall_mask)
    axi_stall #(.CHANNELS(5), .SALT({16'h0809, 16'h0607, 16'h0405, 16'h0203, 16'h0001})) stalls (
        .clk(clk), .rst(rst), .enable(cfg_stall_mask), .seed(cfg_stall_seed),
        .in_valid({m_axi_rvalid, e_arvalid, m_axi_bvalid, e_wvalid, e_awvalid}),
        .in_ready({m_axi_rready, e_arready, m_axi_bready, e_wready, e_awready}),
        .out_valid({e_rvalid, m_axi_arvalid, e_bvalid, m_axi_wvalid, m_axi_awvalid}),
        .out_ready({e_rready, m_axi_arready, e_bready, m_axi_wready, m_axi_awready}));

    // ------------------------------------------------------------- protocol checker
    wire        axi_error;
    wire [31:0] axi_errors;
    axi_checker #(.DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(ADDR_WIDTH), .ID_WIDTH(ID_WIDTH)) protocol_check (
        .clk(clk), .rst(rst),
        .awid(m_axi_awid), .awaddr(m_axi_awaddr), .awlen(m_axi_awlen), .awsize(m_axi_awsize),
        .awburst(m_axi_awburst), .awvalid(m_axi_awvalid), .awready(m_axi_awready),
        .wdata(m_axi_wdata), .wstrb(m_axi_wstrb), .wlast(m_axi_wlast), .wvalid(m_axi_wvalid),
        .wready(m_axi_wready), .bid(m_axi_bid), .bresp(m_axi_bresp), .bvalid(m_axi_bvalid),
        .bready(m_axi_bready), .arid(m_axi_arid), .araddr(m_axi_araddr), .arlen(m_axi_arlen),
        .arsize(m_axi_arsize), .arburst(m_axi_arburst), .arvalid(m_axi_arvalid),
        .arready(m_axi_arready), .rid(m_axi_rid), .rdata(m_axi_rdata), .rresp(m_axi_rresp),
        .rlast(m_axi_rlast), .rvalid(m_axi_rvalid), .rready(m_axi_rready),
        .error(axi_error), .errors(axi_errors)
    );

    // -------------------------------------------------------------- launch latency
`include "rtl/foliodma_layout.vh"
    reg [63:0] doorbell_cycle = 64'd0;
    reg [63:0] first_read_cycle = 64'd0;
    reg        awaiting_read = 1'b0;
    always @(posedge clk) begin
        if (s_axil_awvalid && s_axil_awready && s_axil_awaddr >= QUEUE_BASE
                && s_axil_awaddr[6:0] == QREG_TAIL) begin
            doorbell_cycle <= cycle;
            awaiting_read <= 1'b1;
        end else if (awaiting_read && m_axi_arvalid && m_axi_arready && m_axi_arid[0]) begin
            first_read_cycle <= cycle;
            awaiting_read <= 1'b0;
        end
    end
    reg [31:0] write_bursts = 32'd0;
    always @(posedge clk)
        if (rst) write_bursts <= 32'd0;
        else if (m_axi_awvalid && m_axi_awready) write_bursts <= write_bursts + 32'd1;

    wire [31:0] slave_aw_held, slave_w_held, slave_r_reordered, slave_b_reordered;
    wire [31:0] slave_r_interleaved;

    // ------------------------------------------------------------ memory and CPU
    // the memory decodes 64-bit addresses (the engine's zero-extended)
    wire [63:0] mem_awaddr = {{(64-ADDR_WIDTH){1'b0}}, m_axi_awaddr};
    wire [63:0] mem_araddr = {{(64-ADDR_WIDTH){1'b0}}, m_axi_araddr};
    sim_memory #(
        .DATA_WIDTH(DATA_WIDTH), .ADDR_WIDTH(64), .ID_WIDTH(ID_WIDTH), .MEM_BYTES(MEM_BYTES)
    ) memory (
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
        .s_axi_awid(m_axi_awid), .s_axi_awaddr(mem_awaddr), .s_axi_awlen(m_axi_awlen),
        .s_axi_awsize(m_axi_awsize), .s_axi_awburst(m_axi_awburst),
        .s_axi_awvalid(m_axi_awvalid), .s_axi_awready(m_axi_awready),
        .s_axi_wdata(m_axi_wdata), .s_axi_wstrb(m_axi_wstrb), .s_axi_wlast(m_axi_wlast),
        .s_axi_wvalid(m_axi_wvalid), .s_axi_wready(m_axi_wready),
        .s_axi_bid(m_axi_bid), .s_axi_bresp(m_axi_bresp), .s_axi_bvalid(m_axi_bvalid),
        .s_axi_bready(m_axi_bready),
        .s_axi_arid(m_axi_arid), .s_axi_araddr(mem_araddr), .s_axi_arlen(m_axi_arlen),
        .s_axi_arsize(m_axi_arsize), .s_axi_arburst(m_axi_arburst),
        .s_axi_arvalid(m_axi_arvalid), .s_axi_arready(m_axi_arready),
        .s_axi_rid(m_axi_rid), .s_axi_rdata(m_axi_rdata), .s_axi_rresp(m_axi_rresp),
        .s_axi_rlast(m_axi_rlast), .s_axi_rvalid(m_axi_rvalid), .s_axi_rready(m_axi_rready)
    );

endmodule

`resetall
