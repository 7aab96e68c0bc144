// foliodma_rr_pick.vh: round-robin choice, included inside a module (the arbiter's AR
// grant, the mover's turns, the descriptor cache's reads).
//
// rr_pick(req, start, n) = {found, index}: the first of requesters 0..n-1 (n <= 32) whose
// req bit is set, at or after start (< n) and wrapping around; found = 0 if none asks. (The
// requests at or after start are searched first, then all: two priority encoders.)
function [5:0] rr_pick;
    input [31:0] req;
    input [4:0] start;
    input integer n;      // requesters
    integer i;
    reg [31:0] hi;        // the requests at or after start
    begin
        hi = req & ({32{1'b1}} << start);
        rr_pick = 6'd0;
        for (i = 31; i >= 0; i = i - 1) begin
            if (i < n && req[i]) rr_pick = {1'b1, i[4:0]};
        end
        for (i = 31; i >= 0; i = i - 1) begin
            if (i < n && hi[i]) rr_pick = {1'b1, i[4:0]};
        end
    end
endfunction
