// foliodma_rr_pick.vh: round-robin choice, included inside a module (the arbiter's AR
// grant, the mover's turns).
//
// rr_pick(req, start, n) = {found, index}: the first of requesters 0..n-1 (n <= 32) whose
// req bit is set, at or after start and wrapping around; found = 0 if none asks.
function [5:0] rr_pick;
    input [31:0] req;
    input [4:0] start;
    input integer n;      // requesters
    integer i;
    /* verilator lint_off UNUSEDSIGNAL */
    integer idx;
    /* verilator lint_on UNUSEDSIGNAL */
    begin
        rr_pick = 6'd0;
        for (i = 31; i >= 0; i = i - 1) begin
            if (i < n) begin
                idx = ({27'd0, start} + i) % n;
                if (req[idx]) rr_pick = {1'b1, idx[4:0]};
            end
        end
    end
endfunction
