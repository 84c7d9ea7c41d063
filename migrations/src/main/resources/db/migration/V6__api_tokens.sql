-- API tokens and agent credentials. Only a SHA-256 of each secret is kept: the secret is shown once, at creation.
-- Names are unique forever (revoked tokens stay), because they are the actor recorded in events: an actor must
-- never come to mean someone else.
CREATE TABLE api_token (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{16}$'),
    name        text NOT NULL UNIQUE,
    role        text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'agent')),
    clusters    text[],                          -- NULL: every cluster
    router      text,                            -- agent credentials: the one router they speak for
    secret_hash bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    revoked_by  text,
    CHECK ((role = 'agent') = (router IS NOT NULL)),
    CHECK (role <> 'agent' OR cardinality(clusters) = 1)
);
