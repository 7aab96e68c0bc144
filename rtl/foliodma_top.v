// foliodma_top: batch folio-copy DMA engine.
//
// Contract (the protocol is in harness/layout.py, the one source of truth):
//   * AXI4-Lite register slave (s_axil_*): global registers and one block per queue.
//   * NUM_QUEUES queues, each with a descriptor ring and a completion area in memory;
//     writing a queue's TAIL register is its doorbell.
//   * One AXI4 master (m_axi_*) shared by all queues: descriptor fetch, data copy,
//     completion record write-back. Bursts never cross 4 KiB nor exceed 256 beats.
//   * irq: level, high while (IRQ_STATUS & IRQ_ENABLE) != 0.
//   * rst: synchronous, active high.
// (ports are final; body under construction)
`resetall
`timescale 1ns / 1ps
`default_nettype none

module foliodma_top #(
    parameter integer DATA_WIDTH = 512,        // AXI data width: 64, 128, 256 or 512
    parameter integer ADDR_WIDTH = 32,         // AXI address width (descriptors carry 64-bit addresses)
    parameter integer ID_WIDTH = 8,            // AXI ID width (>= clog2(NUM_QUEUES) + 1)
    parameter integer NUM_QUEUES = 1,          // 1..16 queues (channels)
    parameter integer MAX_BURSTS = 16,         // data bursts in flight per direction per queue
    parameter integer FIFO_DEPTH = 1024,       // data FIFO per queue, in beats (power of 2)
    parameter integer AXIL_ADDR_WIDTH = 12
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

    output wire                       irq
);

endmodule

`resetall
