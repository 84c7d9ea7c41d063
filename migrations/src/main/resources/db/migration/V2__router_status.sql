-- What each router's agent last reported: the revision its kernel holds, the last error, a summary of its data
-- plane. Observations of the moment, overwritten on every report; transitions that matter for the audit
-- (drift corrections, and later health and role changes) are events in the 'observations/<cluster>' stream.
CREATE TABLE router_status (
    cluster             text        NOT NULL,
    router              text        NOT NULL,
    connected           boolean     NOT NULL DEFAULT false,
    connected_since     timestamptz,
    last_seen_at        timestamptz,
    driver              text,
    applied_revision    bigint      NOT NULL DEFAULT 0,
    applied_at          timestamptz,
    apply_millis        bigint,
    last_error          text,
    last_error_revision bigint,
    last_error_at       timestamptz,
    stats               jsonb,
    PRIMARY KEY (cluster, router)
);
