// foliodma_burst.vh: the burst rule, included inside a module (the descriptor cache plans a
// copy's first burst, the mover the ones after it). The including module defines BBL (log2
// of the bus bytes) and LW (the width of a beat count), and includes foliodma_layout.vh.
//
// burst_beats(src, dst, beats_left): the next burst of a copy, in beats: up to the nearer
// BURST_BOUNDARY (4 KiB) of the source and the destination, at most MAX_BURST_BEATS and at
// most the beats left (harness/layout.py bursts()). src and dst are the byte offsets of
// the copy's next beat in their 4 KiB pages.
function [8:0] burst_beats;
    input [BURST_BOUNDARY_BITS-1:0] src;
    input [BURST_BOUNDARY_BITS-1:0] dst;
    input [LW-1:0] beats_left;
    reg [12:0] n, d;
    begin
        n = (BURST_BOUNDARY[12:0] - {1'b0, src}) >> BBL;
        d = (BURST_BOUNDARY[12:0] - {1'b0, dst}) >> BBL;
        if (d < n) n = d;
        if (n > MAX_BURST_BEATS[12:0]) n = MAX_BURST_BEATS[12:0];
        if (beats_left < {{(LW-13){1'b0}}, n}) n = beats_left[12:0];
        burst_beats = n[8:0];
    end
endfunction
