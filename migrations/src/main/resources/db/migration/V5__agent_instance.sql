-- Which run of a router's agent last said hello. A new one has restarted, starts every real server healthy and
-- reports only failures from then on, so what the previous run reported of real-server health no longer holds.
ALTER TABLE router_status ADD COLUMN instance text;
