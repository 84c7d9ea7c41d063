package io.lvscp.agent.failover;

import static org.junit.jupiter.api.Assertions.*;

import io.lvscp.agent.config.Secret;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Signing and verifying heartbeats: a good one is accepted once; forged, altered, replayed, stale or wrong-key ones are not. */
class HeartbeatAuthTest {
    static final Secret KEY = Secret.of("0123456789abcdef0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    static final Secret OTHER = Secret.of("fedcba9876543210fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII));
    static final long NOW = 1_712_345_678_901L;
    static final HeartbeatMessage ACTIVE = new HeartbeatMessage("web", "lvs1", Role.active, NOW - 60_000, true, false, 42);

    static HeartbeatAuth.Sealed parse(byte[] b) {
        return HeartbeatAuth.parse(b, b.length).orElseThrow(() -> new AssertionError("does not parse: " + new String(b, StandardCharsets.US_ASCII)));
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aSignedHeartbeatIsTheReadableLineWithTimeAndMacAndIsAcceptedOnce() {
        byte[] sealed = HeartbeatAuth.withKey(KEY).seal(ACTIVE, NOW);
        String line = new String(sealed, StandardCharsets.US_ASCII);
        assertTrue(line.matches("\\Q" + new String(ACTIVE.encode(), StandardCharsets.US_ASCII) + "\\E time=" + NOW + " mac=[0-9a-f]{64}"), line);
        assertTrue(sealed.length <= HeartbeatMessage.MAX_BYTES);

        HeartbeatAuth receiver = HeartbeatAuth.withKey(KEY);
        HeartbeatAuth.Sealed s = parse(sealed);
        assertEquals(ACTIVE, s.message());
        assertEquals(NOW, s.time());
        assertNull(receiver.reject(s, NOW + 5), "a good heartbeat is accepted");
        assertEquals(HeartbeatAuth.REPLAYED, receiver.reject(parse(sealed), NOW + 1000), "the same datagram again is a replay");
    }

    @Test
    void eachSendersTimesStrictlyIncreaseSoConsecutiveHeartbeatsAreAllAccepted() {
        HeartbeatAuth sender = HeartbeatAuth.withKey(KEY);
        HeartbeatAuth receiver = HeartbeatAuth.withKey(KEY);
        // Two in the same millisecond, then the wall clock steps back by 5 s (an NTP correction): still increasing.
        for (long clock : new long[] {NOW, NOW, NOW - 5000, NOW + 1000}) {
            assertNull(receiver.reject(parse(sender.seal(ACTIVE, clock)), NOW));
        }
    }

    @Test
    void anOlderHeartbeatAfterANewerOneIsAReplayEvenWithinTheWindow() {
        HeartbeatAuth sender = HeartbeatAuth.withKey(KEY);
        byte[] first = sender.seal(ACTIVE, NOW);
        byte[] second = sender.seal(ACTIVE, NOW + 1000);
        HeartbeatAuth receiver = HeartbeatAuth.withKey(KEY);
        assertNull(receiver.reject(parse(second), NOW + 1000));
        assertEquals(HeartbeatAuth.REPLAYED, receiver.reject(parse(first), NOW + 1000));
        // Another sender's sequence is its own.
        HeartbeatMessage lvs2 = new HeartbeatMessage("web", "lvs2", Role.backup, 0, false, false, 1);
        assertNull(receiver.reject(parse(HeartbeatAuth.withKey(KEY).seal(lvs2, NOW)), NOW + 1000));
    }

    @Test
    void aRecordingOlderThanTheWindowIsRefusedByAReceiverThatForgotEverything() {
        byte[] recorded = HeartbeatAuth.withKey(KEY).seal(ACTIVE, NOW);
        long later = NOW + HeartbeatAuth.WINDOW.toMillis() + 1;
        assertEquals(HeartbeatAuth.OUTSIDE_WINDOW, HeartbeatAuth.withKey(KEY).reject(parse(recorded), later), "a restarted receiver");
        assertEquals(HeartbeatAuth.OUTSIDE_WINDOW, HeartbeatAuth.withKey(KEY).reject(parse(recorded), NOW - HeartbeatAuth.WINDOW.toMillis() - 1),
                "from a clock too far ahead");
        assertNull(HeartbeatAuth.withKey(KEY).reject(parse(recorded), NOW + HeartbeatAuth.WINDOW.toMillis()), "the edge of the window");
    }

    @Test
    void aHeartbeatSignedWithAnotherKeyIsRefused() {
        byte[] forged = HeartbeatAuth.withKey(OTHER).seal(ACTIVE, NOW);
        assertEquals(HeartbeatAuth.BAD_MAC, HeartbeatAuth.withKey(KEY).reject(parse(forged), NOW));
    }

    @Test
    void anyAlteredFieldOrMacIsRefused() {
        String good = new String(HeartbeatAuth.withKey(KEY).seal(ACTIVE, NOW), StandardCharsets.US_ASCII);
        String mac = good.substring(good.length() - 64);
        String flipped = (mac.charAt(0) == '0' ? "1" : "0") + mac.substring(1);
        for (String altered : new String[] {
                good.replace("role=active since=" + (NOW - 60_000), "role=backup since=0"),
                good.replace("primary=1", "primary=0"),
                good.replace("preempt=0", "preempt=1"),
                good.replace("seq=42", "seq=43"),
                good.replace("time=" + NOW, "time=" + (NOW + 1)),
                good.replace("router=lvs1", "router=lvs3"),
                good.substring(0, good.length() - 64) + flipped,
                good.substring(0, good.length() - 64) + "z".repeat(64)}) {
            assertNotEquals(good, altered);
            HeartbeatAuth.Sealed s = parse(text(altered));
            assertEquals(HeartbeatAuth.BAD_MAC, HeartbeatAuth.withKey(KEY).reject(s, NOW), altered);
        }
    }

    @Test
    void withAKeyAnUnsignedHeartbeatIsRefused() {
        assertEquals(HeartbeatAuth.UNSIGNED, HeartbeatAuth.withKey(KEY).reject(parse(ACTIVE.encode()), NOW));
    }

    @Test
    void withoutAKeyHeartbeatsAreSentAsBeforeAndEverythingIsAccepted() {
        HeartbeatAuth open = HeartbeatAuth.none();
        assertFalse(open.authenticated());
        assertArrayEquals(ACTIVE.encode(), open.seal(ACTIVE, NOW), "unsigned, readable by older agents");
        assertNull(open.reject(parse(ACTIVE.encode()), NOW));
        assertNull(open.reject(parse(HeartbeatAuth.withKey(OTHER).seal(ACTIVE, NOW)), NOW), "a keyed peer's heartbeats count too");
    }

    @Test
    void malformedEnvelopesAreNotHeartbeats() {
        String line = new String(ACTIVE.encode(), StandardCharsets.US_ASCII);
        for (String bad : new String[] {
                line + " mac=" + "a".repeat(64),
                line + " time=x mac=" + "a".repeat(64),
                line + " time=5 mac=" + "a".repeat(63),
                line + " time=5 mac=" + "a".repeat(64) + " extra=1",
                "garbage time=5 mac=" + "a".repeat(64)}) {
            assertTrue(HeartbeatAuth.parse(text(bad), bad.length()).isEmpty(), bad);
        }
    }

    @Test
    void theKeyNeverShowsInStrings() {
        assertEquals("Secret[48 bytes]", KEY.toString());
        assertEquals(48, Secret.of(text("  0123456789abcdef0123456789abcdef0123456789abcdef\n")).length(), "whitespace around the key is not key");
    }
}
