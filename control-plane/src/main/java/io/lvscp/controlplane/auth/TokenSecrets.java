package io.lvscp.controlplane.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The bearer token format, {@code lvscp_<id>_<secret>}: the id finds the row (and is safe to show, log and list),
 * the 256-bit secret proves possession. Only SHA-256 of the secret is stored: with that much entropy a slow hash
 * buys nothing, and a database dump does not give anyone a usable token. The prefix lets secret scanners find
 * leaked tokens.
 */
public final class TokenSecrets {
    private static final Pattern FORMAT = Pattern.compile("lvscp_([a-z0-9]{16})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    public record Parsed(String id, String secret) {}

    private TokenSecrets() {}

    public static Parsed generate() {
        char[] id = new char[16];
        for (int i = 0; i < id.length; i++) id[i] = ID_CHARS[RANDOM.nextInt(ID_CHARS.length)];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return new Parsed(new String(id), Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    }

    public static String format(Parsed p) {
        return "lvscp_" + p.id() + "_" + p.secret();
    }

    public static Optional<Parsed> parse(String token) {
        if (token == null || token.length() != 66) return Optional.empty();
        var m = FORMAT.matcher(token);
        return m.matches() ? Optional.of(new Parsed(m.group(1), m.group(2))) : Optional.empty();
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time: how much of a guess matched must not show in the response time. */
    public static boolean matches(String secret, byte[] storedHash) {
        return MessageDigest.isEqual(hash(secret), storedHash);
    }
}
