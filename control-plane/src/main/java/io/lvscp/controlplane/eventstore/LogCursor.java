package io.lvscp.controlplane.eventstore;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A place in the global log: after the event at (transactionId, position), in that order. Opaque to clients.
 * The log is ordered by transaction first because positions are drawn before commit; see V1__event_store.sql.
 */
public record LogCursor(String transactionId, long position) {
    public static final LogCursor START = new LogCursor("0", 0);
    private static final Pattern FORM = Pattern.compile("(0|[1-9]\\d{0,19}):(0|[1-9]\\d{0,18})");

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((transactionId + ":" + position).getBytes(StandardCharsets.US_ASCII));
    }

    public static Optional<LogCursor> decode(String text) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.US_ASCII);
            if (!FORM.matcher(plain).matches()) return Optional.empty();
            int colon = plain.indexOf(':');
            return Optional.of(new LogCursor(plain.substring(0, colon), Long.parseLong(plain.substring(colon + 1))));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
