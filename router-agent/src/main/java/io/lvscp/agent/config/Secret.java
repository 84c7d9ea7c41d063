package io.lvscp.agent.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Key material. Its {@code toString} shows only the length, so that a config record printed into a log, an
 * exception or a test failure never carries the key itself.
 */
public final class Secret {
    /** 32 bytes: what {@code openssl rand -hex 16} prints; HMAC-SHA256 gains nothing from more than 64. */
    public static final int MIN_BYTES = 32;

    private final byte[] bytes;

    private Secret(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * The key in {@code raw} with leading and trailing ASCII whitespace removed (the newline an editor or
     * {@code echo} leaves), so that both routers derive the same key from files written differently.
     */
    public static Secret of(byte[] raw) {
        int from = 0;
        int to = raw.length;
        while (from < to && raw[from] <= ' ') from++;
        while (to > from && raw[to - 1] <= ' ') to--;
        return new Secret(Arrays.copyOfRange(raw, from, to));
    }

    /** The key in {@code file}; the exception names the file and the cause, never the content. */
    public static Secret read(Path file) {
        try {
            return of(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
        }
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public String toString() {
        return "Secret[" + bytes.length + " bytes]";
    }
}
