package io.lvscp.agent.failover;

import io.lvscp.api.model.Names;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One heartbeat datagram between the two routers of a pair: who sends it, the role it holds, since when (wall
 * clock, epoch milliseconds, 0 while backup), its role preference and preemption setting as it knows them. Every
 * decision both routers take from a pair of heartbeats uses only what is in the two messages, so both take the
 * same one. Text, one line, so a tcpdump shows it:
 *
 * <pre>lvscp-heartbeat/1 cluster=web router=lvs1 role=active since=1712345678901 primary=1 preempt=0 seq=42</pre>
 */
public record HeartbeatMessage(String cluster, String router, Role role, long activeSince, boolean primary, boolean preempt, long seq) {
    static final String MAGIC = "lvscp-heartbeat/1";
    static final int MAX_BYTES = 512;

    public byte[] encode() {
        return (MAGIC + " cluster=" + cluster + " router=" + router + " role=" + role + " since=" + activeSince
                + " primary=" + (primary ? 1 : 0) + " preempt=" + (preempt ? 1 : 0) + " seq=" + seq).getBytes(StandardCharsets.US_ASCII);
    }

    /** The message in these bytes, or empty for anything else (other software on the port, a newer format, garbage). */
    public static Optional<HeartbeatMessage> decode(byte[] bytes, int length) {
        if (length <= 0 || length > MAX_BYTES) return Optional.empty();
        String text = new String(bytes, 0, length, StandardCharsets.US_ASCII);
        String[] parts = text.split(" ");
        if (parts.length != 8 || !MAGIC.equals(parts[0])) return Optional.empty();
        Map<String, String> f = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq <= 0 || f.put(parts[i].substring(0, eq), parts[i].substring(eq + 1)) != null) return Optional.empty();
        }
        try {
            String cluster = f.get("cluster");
            String router = f.get("router");
            if (!Names.isValid(cluster) || !Names.isValid(router)) return Optional.empty();
            Role role = Role.valueOf(f.get("role"));
            long since = Long.parseLong(f.get("since"));
            long seq = Long.parseLong(f.get("seq"));
            boolean primary = flag(f.get("primary"));
            boolean preempt = flag(f.get("preempt"));
            if (since < 0 || (role == Role.active) != (since > 0)) return Optional.empty();
            return Optional.of(new HeartbeatMessage(cluster, router, role, since, primary, preempt, seq));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean flag(String v) {
        if ("1".equals(v)) return true;
        if ("0".equals(v)) return false;
        throw new IllegalArgumentException(v);
    }
}
