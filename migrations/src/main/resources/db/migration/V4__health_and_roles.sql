-- What the routers observe, as they last reported it: each router's role in its pair, and each router's
-- verdict on each real server. The transitions themselves are events in 'observations/<cluster>'
-- (RouterRoleChanged, RealServerHealthChanged), so "when did rs1 go down" is an audit query.
ALTER TABLE router_status ADD COLUMN role text;
ALTER TABLE router_status ADD COLUMN role_since timestamptz;

CREATE TABLE real_server_health (
    cluster        text        NOT NULL,
    router         text        NOT NULL,
    virtual_server text        NOT NULL,
    real_server    text        NOT NULL,
    healthy        boolean     NOT NULL,
    reason         text,
    since          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cluster, virtual_server, real_server, router)
);
