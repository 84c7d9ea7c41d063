package io.lvscp.api.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The shape rules, each once: what a device name, a check program, an HTTP check's path, a firewall mark's port
 * list entry, a mark and a piece of wire text may look like. The API's validation ({@code Rules}/{@code Violations}
 * in the control plane), the agent's and the importer's check of a whole state ({@link KernelInputs}), the agent's
 * program check and the importers all ask these, so what one accepts the others accept.
 *
 * <p>The rule texts are the API's wording (its 422 details); {@link KernelInputs} words its one-line problems itself.
 */
public final class Shapes {
    private Shapes() {}

    // ---- device names -----------------------------------------------------------------------------------------

    /** IFNAMSIZ is 16 with the NUL; an alias label ("eth0:1") is bound by the same 15 characters. */
    public static final int MAX_DEVICE = 15;
    private static final Pattern DEVICE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}(:[A-Za-z0-9_-]{1,14})?");
    public static final String DEVICE_RULE = "is not a network device name such as eth0 or eth0:1 (at most 15 characters: letters, digits,"
            + " '_', '-', '.', one ':' before the label)";

    /** A network device name, or a device with an alias label ("eth0", "eth0:1"); false for null. */
    public static boolean isDevice(String value) {
        return value != null && value.length() <= MAX_DEVICE && DEVICE.matcher(value).matches();
    }

    /** A device that is an interface, not an address label: what the sync daemon binds to. */
    public static boolean isInterface(String value) {
        return isDevice(value) && value.indexOf(':') < 0;
    }

    // ---- check programs ---------------------------------------------------------------------------------------

    private static final Pattern PROGRAM_PATH = Pattern.compile("/[A-Za-z0-9._+/-]{1,255}");
    public static final String PROGRAM_RULE = "must start with the absolute path of the program (letters, digits, '.', '_', '+', '-', '/');"
            + " it runs without a shell, %h stands for the address";

    /**
     * A check program's argv, the one way a program string is split: at each run of spaces, nothing else (a tab or a
     * line break is a control character, which {@link #controlCharacterAt} refuses in a program). Trailing spaces
     * give no word; a leading space gives an empty first word, which is no {@link #isProgramPath program path}, so
     * the program must start with its path. Empty for null or only spaces.
     */
    public static List<String> argv(String program) {
        List<String> out = new ArrayList<>();
        if (program == null) return out;
        int end = program.length();
        while (end > 0 && program.charAt(end - 1) == ' ') end--;
        int start = 0;
        while (start < end) {
            int space = program.indexOf(' ', start);
            if (space < 0 || space >= end) space = end;
            out.add(program.substring(start, space));
            start = space;
            while (start < end && program.charAt(start) == ' ') start++;
        }
        return out;
    }

    /** The program a check runs: {@link #argv}'s first word; "" when there is none. */
    public static String executable(String program) {
        List<String> argv = argv(program);
        return argv.isEmpty() ? "" : argv.get(0);
    }

    /** An absolute path of visible, shell-inert characters: what a program's first word must be. */
    public static boolean isProgramPath(String value) {
        return value != null && PROGRAM_PATH.matcher(value).matches();
    }

    /** A program string whose {@link #executable} is a {@link #isProgramPath program path} (its text is checked apart). */
    public static boolean isProgram(String program) {
        return isProgramPath(executable(program));
    }

    // ---- HTTP check paths -------------------------------------------------------------------------------------

    private static final Pattern HTTP_PATH = Pattern.compile("/[\\x21-\\x7e]{0,1023}");
    public static final String HTTP_PATH_RULE = "must start with '/' and hold only visible ASCII characters (at most 1024)";

    /** A request target for an HTTP check's request line: '/', then visible ASCII only, at most 1024 in all. */
    public static boolean isHttpPath(String value) {
        return value != null && HTTP_PATH.matcher(value).matches();
    }

    // ---- firewall mark port lists and marks -------------------------------------------------------------------

    private static final Pattern PORTS = Pattern.compile("([1-9]\\d{0,4})(-([1-9]\\d{0,4}))?");
    public static final long MIN_MARK = 1;
    public static final long MAX_MARK = 4294967295L;

    /** A firewall mark: 1 to 2^32-1 (0 is no mark). */
    public static boolean isMark(long mark) {
        return mark >= MIN_MARK && mark <= MAX_MARK;
    }

    /**
     * What is wrong with one entry of a firewall mark's port list ("443", "6000-6010"), in the API's words; empty
     * when it is a port or a range of ports 1-65535 that does not end before it starts.
     */
    public static Optional<String> portsProblem(String entry) {
        if (entry == null || !PORTS.matcher(entry).matches()) {
            return Optional.of("'" + (entry == null ? "null" : printable(entry)) + "' is not a port (\"443\") or a port range (\"6000-6010\")");
        }
        int[] r = bounds(entry);
        if (r[0] > 65535 || r[1] > 65535) return Optional.of("ports go up to 65535");
        if (r[0] > r[1]) return Optional.of("range " + entry + " ends before it starts");
        return Optional.empty();
    }

    /** A port list entry as [from, to]; empty when it has a {@link #portsProblem problem}. */
    public static Optional<int[]> portRange(String entry) {
        return portsProblem(entry).isPresent() ? Optional.empty() : Optional.of(bounds(entry));
    }

    private static int[] bounds(String entry) {
        int dash = entry.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? entry : entry.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(entry.substring(dash + 1));
        return new int[] {from, to};
    }

    // ---- text for command lines and wires ---------------------------------------------------------------------

    /** The longest send, expect, program or other text that reaches a command line or a wire. */
    public static final int MAX_TEXT = 1024;

    /**
     * The index of the first character of {@code value} that text for a command line or a wire must not hold (a
     * control character or DEL; CR, LF and tab are allowed where {@code lineBreaks}); -1 when there is none.
     */
    public static int controlCharacterAt(String value, boolean lineBreaks) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = lineBreaks && (c == '\r' || c == '\n' || c == '\t');
            if ((c < 0x20 && !allowed) || c == 0x7f) return i;
        }
        return -1;
    }

    /** Null, or text of at most {@code maxLength} characters without a control character it must not hold. */
    public static boolean isText(String value, int maxLength, boolean lineBreaks) {
        return value == null || (value.length() <= maxLength && controlCharacterAt(value, lineBreaks) < 0);
    }

    /** Shows a rejected value in a message without letting it carry control characters or run on forever. */
    public static String printable(String value) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < value.length() && b.length() < 80; i++) {
            char c = value.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (value.length() > 80) b.append('…');
        return b.toString();
    }
}
