package io.lvscp.controlplane.auth;

import io.lvscp.controlplane.command.ApiProblem;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * API tokens in PostgreSQL. Every request looks its token up here: a revocation takes effect on the very next
 * request on every control-plane process, with no cache to expire. (One indexed read per request; the writes
 * that matter cost an fsync, which dwarfs it.)
 */
public final class TokenStore {
    private static final String COLUMNS = "id, name, role, clusters, router, created_at, created_by, expires_at, revoked_at, revoked_by";
    private final Pool pool;

    public TokenStore(Pool pool) {
        this.pool = pool;
    }

    /** A token as it may be shown: everything but its secret (and the secret's hash). */
    public record TokenView(String id, String name, Role role, List<String> clusters, String router, OffsetDateTime createdAt,
                            String createdBy, OffsetDateTime expiresAt, OffsetDateTime revokedAt, String revokedBy) {
        public String state(OffsetDateTime now) {
            if (revokedAt != null) return "revoked";
            if (expiresAt != null && !expiresAt.isAfter(now)) return "expired";
            return "active";
        }
    }

    public record Created(TokenView token, String secret) {}

    public Future<Created> create(String name, Role role, List<String> clusters, String router, OffsetDateTime expiresAt, String createdBy) {
        TokenSecrets.Parsed p = TokenSecrets.generate();
        return insert(p, name, role, clusters, router, expiresAt, createdBy)
                .map(v -> new Created(v.orElseThrow(() -> ApiProblem.conflict("/name", "a token named " + name + " exists (names are never reused)")),
                        TokenSecrets.format(p)));
    }

    /** Inserts unless the name is taken; empty when it is. */
    private Future<Optional<TokenView>> insert(TokenSecrets.Parsed p, String name, Role role, List<String> clusters, String router,
                                               OffsetDateTime expiresAt, String createdBy) {
        return pool.preparedQuery("INSERT INTO api_token (id, name, role, clusters, router, secret_hash, created_by, expires_at) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING RETURNING " + COLUMNS)
                .execute(Tuple.from(Arrays.asList(p.id(), name, role.name(), clusters == null ? null : clusters.toArray(String[]::new),
                        router, io.vertx.core.buffer.Buffer.buffer(TokenSecrets.hash(p.secret())), createdBy, expiresAt)))
                .map(rows -> rows.size() == 0 ? Optional.<TokenView>empty() : Optional.of(view(rows.iterator().next())));
    }

    /**
     * The first admin token. With {@code configured} (a token in the lvscp format from configuration) it is that
     * one, idempotently; otherwise one is made if no admin token exists, and its secret returned so that the
     * caller can print it, once. Concurrent first starts agree through the unique name.
     */
    public Future<Optional<String>> bootstrapAdmin(String configured) {
        if (configured != null) {
            TokenSecrets.Parsed p = TokenSecrets.parse(configured).orElseThrow(() -> new IllegalArgumentException(
                    "the configured admin token is not an lvscp token (lvscp_ + 16 of a-z0-9 + _ + 43 of A-Za-z0-9_-)"));
            return pool.preparedQuery("SELECT secret_hash FROM api_token WHERE id = $1").execute(Tuple.of(p.id())).compose(rows -> {
                if (rows.size() > 0) {
                    if (!TokenSecrets.matches(p.secret(), rows.iterator().next().getBuffer(0).getBytes())) {
                        return Future.failedFuture(new IllegalStateException("the configured admin token's id exists with another secret"));
                    }
                    return Future.succeededFuture(Optional.empty());
                }
                return insert(p, "configured-admin-" + p.id(), Role.admin, null, null, null, "configuration").map(v -> Optional.<String>empty());
            });
        }
        return pool.query("SELECT 1 FROM api_token WHERE role = 'admin' LIMIT 1").execute().compose(rows -> {
            if (rows.size() > 0) return Future.succeededFuture(Optional.empty());
            TokenSecrets.Parsed p = TokenSecrets.generate();
            return insert(p, "admin", Role.admin, null, null, null, "first start")
                    .map(v -> v.map(ignored -> TokenSecrets.format(p)));
        });
    }

    /** The principal a bearer token stands for, or a 401 that says only as much as a stranger may know. */
    public Future<Principal> authenticate(String token) {
        Optional<TokenSecrets.Parsed> parsed = TokenSecrets.parse(token);
        if (parsed.isEmpty()) return Future.failedFuture(Unauthorized.because("the bearer token is not an lvscp token"));
        TokenSecrets.Parsed p = parsed.get();
        return pool.preparedQuery("SELECT " + COLUMNS + ", secret_hash, now() AS now FROM api_token WHERE id = $1").execute(Tuple.of(p.id()))
                .compose(rows -> {
                    if (rows.size() == 0) return Future.failedFuture(Unauthorized.because("the token is not valid"));
                    Row r = rows.iterator().next();
                    if (!TokenSecrets.matches(p.secret(), r.getBuffer("secret_hash").getBytes())) {
                        return Future.failedFuture(Unauthorized.because("the token is not valid"));
                    }
                    TokenView v = view(r);
                    String state = v.state(r.getOffsetDateTime("now"));
                    // Past the secret check, saying why is no help to a guesser and a help to its owner.
                    if (!state.equals("active")) return Future.failedFuture(Unauthorized.because("the token is " + state));
                    return Future.succeededFuture(new Principal(v.id(), v.name(), v.role(), v.clusters(), v.router()));
                });
    }

    /** Whether the token is still usable; for long-lived streams, which re-check it now and then. */
    public Future<Boolean> stillValid(String id) {
        return pool.preparedQuery("SELECT 1 FROM api_token WHERE id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())")
                .execute(Tuple.of(id)).map(rows -> rows.size() > 0);
    }

    public Future<List<TokenView>> list() {
        return pool.query("SELECT " + COLUMNS + " FROM api_token ORDER BY created_at, name").execute()
                .map(rows -> { List<TokenView> out = new java.util.ArrayList<>(); rows.forEach(r -> out.add(view(r))); return out; });
    }

    public Future<Optional<TokenView>> get(String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM api_token WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
    }

    /** Revokes; revoking a revoked token changes nothing (the first revocation is the one on record). */
    public Future<Optional<TokenView>> revoke(String id, String by) {
        return pool.preparedQuery("UPDATE api_token SET revoked_at = coalesce(revoked_at, now()), revoked_by = coalesce(revoked_by, $2) "
                        + "WHERE id = $1 RETURNING " + COLUMNS).execute(Tuple.of(id, by))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
    }

    private static TokenView view(Row r) {
        String[] clusters = r.getArrayOfStrings("clusters");
        return new TokenView(r.getString("id"), r.getString("name"), Role.valueOf(r.getString("role")),
                clusters == null ? null : List.of(clusters), r.getString("router"), r.getOffsetDateTime("created_at"),
                r.getString("created_by"), r.getOffsetDateTime("expires_at"), r.getOffsetDateTime("revoked_at"), r.getString("revoked_by"));
    }
}
