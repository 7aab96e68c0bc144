// axil_request: simulation-only AXI4-Lite master that performs one register access per
// request, so Python wakes twice per access instead of once per clock per channel.
//
// Contract: a rising edge of `req` (driven by Python) starts a write (req_write = 1) of
// req_wdata to req_addr, or a read of req_addr. AW and W are presented together, VALID
// held until READY. When the response has been taken, `done` toggles (Python awaits
// its edge: rising or falling) and resp_rdata / resp_resp hold the result.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axil_request #(
    parameter integer ADDR_WIDTH = 12
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  req,
    input  wire                  req_write,
    input  wire [ADDR_WIDTH-1:0] req_addr,
    input  wire [31:0]           req_wdata,
    output reg                   done = 1'b0,
    output reg  [31:0]           resp_rdata = 32'd0,
    output reg  [1:0]            resp_resp = 2'd0,

    output reg  [ADDR_WIDTH-1:0] m_axil_awaddr = {ADDR_WIDTH{1'b0}},
    output reg                   m_axil_awvalid = 1'b0,
    input  wire                  m_axil_awready,
    output reg  [31:0]           m_axil_wdata = 32'd0,
    output reg                   m_axil_wvalid = 1'b0,
    input  wire                  m_axil_wready,
    input  wire [1:0]            m_axil_bresp,
    input  wire                  m_axil_bvalid,
    output wire                  m_axil_bready,
    output reg  [ADDR_WIDTH-1:0] m_axil_araddr = {ADDR_WIDTH{1'b0}},
    output reg                   m_axil_arvalid = 1'b0,
    input  wire                  m_axil_arready,
    input  wire [31:0]           m_axil_rdata,
    input  wire [1:0]            m_axil_rresp,
    input  wire                  m_axil_rvalid,
    output wire                  m_axil_rready
);
    reg req_seen = 1'b0;
    reg busy = 1'b0;
    assign m_axil_bready = 1'b1;
    assign m_axil_rready = 1'b1;

    always @(posedge clk) begin
        req_seen <= req;
        if (rst) begin
            busy <= 1'b0;
            m_axil_awvalid <= 1'b0;
            m_axil_wvalid <= 1'b0;
            m_axil_arvalid <= 1'b0;
        end else begin
            if (req && !req_seen && !busy) begin
                busy <= 1'b1;
                if (req_write) begin
                    m_axil_awaddr <= req_addr;
                    m_axil_wdata <= req_wdata;
                    m_axil_awvalid <= 1'b1;
                    m_axil_wvalid <= 1'b1;
                end else begin
                    m_axil_araddr <= req_addr;
                    m_axil_arvalid <= 1'b1;
                end
            end
            if (m_axil_awvalid && m_axil_awready) m_axil_awvalid <= 1'b0;
            if (m_axil_wvalid && m_axil_wready) m_axil_wvalid <= 1'b0;
            if (m_axil_arvalid && m_axil_arready) m_axil_arvalid <= 1'b0;
            if (busy && m_axil_bvalid) begin
                resp_resp <= m_axil_bresp;
                busy <= 1'b0;
                done <= !done;
            end
            if (busy && m_axil_rvalid) begin
                resp_rdata <= m_axil_rdata;
                resp_resp <= m_axil_rresp;
                busy <= 1'b0;
                done <= !done;
            end
        end
    end
endmodule

`resetall
