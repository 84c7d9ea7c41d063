package io.lvscp.cli.imports;

import io.lvscp.api.model.IpAddresses;
import io.lvscp.api.model.KernelInputs;
import io.lvscp.api.model.Shapes;

import java.util.Locale;

/**
 * The checks of single values both mappers share, each an error in the report (and null) when the value has not
 * the shape lvscp's API and agents accept ({@link KernelInputs}, {@link IpAddresses}).
 */
public final class Values {
    private final Report report;

    Values(Report report) {
        this.report = report;
    }

    String address(Statement s, String value, String what) {
        if (value != null && IpAddresses.parse(value).isPresent()) return value;
        report.error(s, what + " '" + value + "' is not an IP address literal (lvscp takes no host names)");
        return null;
    }

    /** A netmask as lvscp writes it: dotted for IPv4, a prefix length for IPv6; "/24" or "24" for IPv4 converted. */
    String netmask(Statement s, String value, String address, String what) {
        boolean v6 = address != null && address.indexOf(':') >= 0;
        if (value == null) return null;
        String v = value.startsWith("/") ? value.substring(1) : value;
        if (!v6 && v.matches("\\d{1,2}") && Integer.parseInt(v) <= 32) v = dotted(Integer.parseInt(v));
        if (IpAddresses.prefixLength(v, v6).isPresent()) return v;
        report.error(s, what + " '" + value + "' is not a netmask" + (v6 ? " (a prefix length for IPv6)" : ""));
        return null;
    }

    public static String dotted(int prefix) {
        long bits = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return ((bits >> 24) & 255) + "." + ((bits >> 16) & 255) + "." + ((bits >> 8) & 255) + "." + (bits & 255);
    }

    String device(Statement s, String value, String what) {
        if (Shapes.isDevice(value)) return value;
        report.error(s, what + " '" + value + "' is not a device name");
        return null;
    }

    Integer integer(Statement s, String value, long min, long max, String what) {
        Long l = number(s, value, min, max, what);
        return l == null ? null : l.intValue();
    }

    Long number(Statement s, String value, long min, long max, String what) {
        try {
            long l = Long.parseLong(value == null ? "" : value.strip());
            if (l >= min && l <= max) return l;
        } catch (NumberFormatException e) {
            // reported below
        }
        report.error(s, what + " '" + value + "' is not a number from " + min + " to " + max);
        return null;
    }

    /** keepalived's TIMER: seconds, possibly with a fraction, which lvscp rounds up to whole seconds (reported). */
    Integer seconds(Statement s, String value, int min, int max, String what) {
        if (value != null && value.matches("\\d+\\.\\d+")) {
            double d = Double.parseDouble(value);
            int up = (int) Math.ceil(d);
            if (up != d) report.warning(s, what + " " + value + ": lvscp counts whole seconds; imported as " + Math.max(up, min));
            return integer(s, String.valueOf(Math.max(up, min)), min, max, what);
        }
        return integer(s, value, min, max, what);
    }

    /** lvs.cf's 0/1 (and yes/no, true/false, as people write them). */
    Boolean flag(Statement s, String value, String what) {
        switch (value == null ? "" : value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "yes", "true", "on" -> { return true; }
            case "0", "no", "false", "off" -> { return false; }
            default -> {
                report.error(s, what + " '" + value + "' is not 0 or 1");
                return null;
            }
        }
    }

    static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }
}
