-- What each router last reported of its cluster's connectionSync (with its acks and stats): whether its agent runs the
-- connection sync daemons and which ({"running": true, "daemons": [{"role": "master", "device": "eth1", "syncId": 0}, ...]}).
-- NULL until a router reports it (agents before this report nothing), and again after its agent restarts.
ALTER TABLE router_status ADD COLUMN connection_sync jsonb;
