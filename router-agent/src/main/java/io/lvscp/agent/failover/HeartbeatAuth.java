package io.lvscp.agent.failover;

import io.lvscp.agent.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Heartbeat authentication with the pair's shared key: each heartbeat carries the sender's wall-clock time and an
 * HMAC-SHA256 of everything before the MAC, appended to the readable line:
 *
 * <pre>lvscp-heartbeat/1 cluster=web router=lvs1 … seq=42 time=1712345678901 mac=3f9c…(64 hex digits)</pre>
 *
 * <p>A heartbeat is accepted when its MAC verifies, its time is within {@link #WINDOW} of this router's clock, and
 * its time is later than that of the last heartbeat accepted from the same sender (each sender's times strictly
 * increase, so the time is also its sequence number). The window is what makes this hold across restarts without
 * keeping anything on disk: a receiver that restarted has forgotten the last time it accepted, but a recording older
 * than the window is refused anyway. Docs: docs/failover.md, "Heartbeat authentication".
 *
 * <p>Without a key, heartbeats go out exactly as before (unsigned, readable by older agents) and every heartbeat is
 * accepted, signed or not: the pair is as open as it was, and the agent says so at start.
 *
 * <p>Not thread-safe (one {@link Mac}); the failover loop's thread uses it.
 */
public final class HeartbeatAuth {
    /** Clock difference tolerated between the routers, and the longest a recorded heartbeat can be replayed. */
    public static final Duration WINDOW = Duration.ofSeconds(30);

    /** Why a heartbeat naming this router's peer was dropped: the label of the rejected-heartbeats counter. */
    public static final String UNSIGNED = "unsigned";
    public static final String BAD_MAC = "bad_mac";
    public static final String OUTSIDE_WINDOW = "outside_window";
    public static final String REPLAYED = "replayed";

    private static final String TIME = " time=";
    private static final String MAC = " mac=";
    private static final int MAC_HEX = 64;

    private final Mac mac; // null: unauthenticated
    private long lastSent;
    private final Map<String, Long> lastAccepted = new HashMap<>(); // cluster/router -> time of its last accepted heartbeat

    private HeartbeatAuth(Mac mac) {
        this.mac = mac;
    }

    /** Unauthenticated heartbeats (no key configured). */
    public static HeartbeatAuth none() {
        return new HeartbeatAuth(null);
    }

    public static HeartbeatAuth withKey(Secret key) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
            return new HeartbeatAuth(m);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    public boolean authenticated() {
        return mac != null;
    }

    /** A received heartbeat: the message, and the time and MAC it was signed with (0 and null when unsigned). */
    public record Sealed(HeartbeatMessage message, long time, String mac, byte[] signed) {}

    /** The datagram that carries {@code m}: the message itself without a key, else with its time and MAC. */
    public byte[] seal(HeartbeatMessage m, long nowMillis) {
        if (mac == null) return m.encode();
        lastSent = Math.max(nowMillis, lastSent + 1); // strictly increasing, even if the wall clock steps back
        byte[] signed = (new String(m.encode(), StandardCharsets.US_ASCII) + TIME + lastSent).getBytes(StandardCharsets.US_ASCII);
        return (new String(signed, StandardCharsets.US_ASCII) + MAC + HexFormat.of().formatHex(mac.doFinal(signed)))
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The heartbeat in these bytes, signed or not; empty for anything else (other software on the port, garbage). */
    public static Optional<Sealed> parse(byte[] bytes, int length) {
        if (length <= 0 || length > HeartbeatMessage.MAX_BYTES) return Optional.empty();
        String text = new String(bytes, 0, length, StandardCharsets.US_ASCII);
        int m = text.lastIndexOf(MAC);
        if (m < 0) return HeartbeatMessage.decode(bytes, length).map(h -> new Sealed(h, 0, null, null));
        int t = text.lastIndexOf(TIME, m);
        if (t < 0 || text.length() - m - MAC.length() != MAC_HEX) return Optional.empty();
        long time;
        try {
            time = Long.parseLong(text.substring(t + TIME.length(), m));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        byte[] inner = text.substring(0, t).getBytes(StandardCharsets.US_ASCII);
        return HeartbeatMessage.decode(inner, inner.length)
                .map(h -> new Sealed(h, time, text.substring(m + MAC.length()), text.substring(0, m).getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * Why {@code s} must be dropped ({@link #UNSIGNED}, {@link #BAD_MAC}, {@link #OUTSIDE_WINDOW}, {@link #REPLAYED}),
     * or null to accept it. Accepting a heartbeat moves its sender's sequence: call this only for a heartbeat that is
     * otherwise acceptable (it names this router's peer and comes from one of its addresses).
     */
    public String reject(Sealed s, long nowMillis) {
        if (mac == null) return null; // unauthenticated: nothing can be verified, everything counts
        if (s.mac() == null) return UNSIGNED;
        byte[] claimed;
        try {
            claimed = HexFormat.of().parseHex(s.mac());
        } catch (IllegalArgumentException e) {
            return BAD_MAC;
        }
        if (!MessageDigest.isEqual(mac.doFinal(s.signed()), claimed)) return BAD_MAC;
        if (Math.abs(s.time() - nowMillis) > WINDOW.toMillis()) return OUTSIDE_WINDOW;
        String sender = s.message().cluster() + "/" + s.message().router();
        Long last = lastAccepted.get(sender);
        if (last != null && s.time() <= last) return REPLAYED;
        lastAccepted.put(sender, s.time());
        return null;
    }
}
