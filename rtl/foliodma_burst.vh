// foliodma_burst.vh: the burst rule, included inside a module (the descriptor cache plans a
// copy's first burst, the mover the ones after it). The including module defines BBL (log2
// of the bus bytes) and LW (the width of a beat count), and includes foliodma_layout.vh.
//
// burst_room(src, dst): the beats a burst may have from there: up to the nearer
// BURST_BOUNDARY (4 KiB) of the source and the destination, and at most MAX_BURST_BEATS.
// src and dst are the byte offsets of the copy's next beat in their 4 KiB pages. The next
// burst of a copy (harness/layout.py bursts()) is min(burst_room, beats left): the copy's
// last when the beats left are at most burst_room.
function [8:0] burst_room;
    input [BURST_BOUNDARY_BITS-1:0] src;
    input [BURST_BOUNDARY_BITS-1:0] dst;
    reg [12:0] n, d;
    begin
        n = (BURST_BOUNDARY[12:0] - {1'b0, src}) >> BBL;
        d = (BURST_BOUNDARY[12:0] - {1'b0, dst}) >> BBL;
        if (d < n) n = d;
        if (n > MAX_BURST_BEATS[12:0]) n = MAX_BURST_BEATS[12:0];
        burst_room = n[8:0];
    end
endfunction

// min(room, beats_left)
function [8:0] burst_beats;
    input [8:0] room;
    input [LW-1:0] beats_left;
    begin
        burst_beats = (beats_left < {{(LW-9){1'b0}}, room}) ? beats_left[8:0] : room;
    end
endfunction
