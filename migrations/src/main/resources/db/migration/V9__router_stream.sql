-- Which stream (one connection, on one control-plane process) last said hello for the router. With several
-- processes an agent that moves from one to another may be connected to the new one before the old one notices
-- its stream is gone; the old one's "disconnected" must then not overwrite the new one's "connected".
ALTER TABLE router_status ADD COLUMN stream text;
